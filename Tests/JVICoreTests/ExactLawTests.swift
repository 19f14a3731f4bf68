import Foundation
import JVICore
import Testing
import _TestSupport

/// Gamma(a, θ) weights have exact expectations: Σ_{i≤K} w_i ~ Gamma(Ka, θ), so
/// E[IWAE_K] = ψ(Ka) + log θ − log K, E[Lbar_{K−j}] = ψ((K−j)a) + log θ − log(K−j), and
/// E[JVI_{K,m}] = Σ_j c_j E[Lbar_{K−j}]. Each check: |mean − exact| < 4 standard errors
/// over N independent instances (fixed seeds).
struct ExactLawTests {
  #if arch(x86_64)
    static func expectedJVI(shape a: Double, scale theta: Double, k: Int, order m: Int) -> Double {
      let c = Float80Oracle.coefficients(sampleCount: k, order: m)
      var total: Float80 = 0
      for j in 0...m {
        let kj = Float80(k - j)
        total += c[j] * (Distributions.digamma(kj * Float80(a)) + Foundation.log(Float80(theta)) - Foundation.log(kj))
      }
      return Double(total)
    }
  #endif

  #if arch(x86_64)
    @Test(arguments: [0.5, 1.0, 3.0])
    func jackknifeExpectationsMatchTheGammaLaw(shape: Double) throws {
      let theta = 2.5
      let law = SyntheticWeightLaw.gamma(shape: shape, scale: theta)
      for (index, k) in [4, 16, 64].enumerated() {
        let matrix = law.sample(rows: 20_000, columns: k, seed: 100 + UInt64(index))
        for m in 0...3 {
          let r = try Jackknife(order: m).evaluate(matrix, workspace: EstimatorWorkspace())
          let summary = SampleSummary(r.estimates)
          let exact = Self.expectedJVI(shape: shape, scale: theta, k: k, order: m)
          #expect(
            abs(summary.mean - exact) < 4 * summary.standardError,
            "Gamma(\(shape)) K=\(k) m=\(m): mean \(summary.mean) ± \(summary.standardError), exact \(exact)")
        }
        // The library's closed form agrees with the Float80 one.
        #expect(
          abs(law.expectedIWAE(sampleCount: k)! - Self.expectedJVI(shape: shape, scale: theta, k: k, order: 0)) < 1e-13)
      }
    }
  #endif

  #if arch(x86_64)
    @Test func jackknifeReducesTheBiasOfIWAE() {
      // The exact biases themselves: |bias(JVI_m)| falls with m at K = 16 for Gamma(1) weights.
      let logP = log(2.5)
      let biases = (0...3).map { abs(Self.expectedJVI(shape: 1, scale: 2.5, k: 16, order: $0) - logP) }
      #expect(biases[0] > biases[1] && biases[1] > biases[2] && biases[2] > biases[3], "\(biases)")
    }
  #endif
}
