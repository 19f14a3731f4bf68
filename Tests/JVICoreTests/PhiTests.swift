import Foundation
import Testing

@testable import JVICore

/// φ(x) = log(1 − x) + x: relative accuracy against Float80 (budget 4 ulp).
struct PhiTests {
  #if arch(x86_64)
    /// φ in Float80: the Taylor series −Σ_{k≥2} x^k/k for |x| < 1/64 (log1p(−x) + x would
    /// cancel there: Float80's 1e−19·|x| against φ ≈ x²/2), else log1p(−x) + x.
    static func reference(_ x: Double) -> Float80 {
      let v = Float80(x)
      if abs(x) >= 1.0 / 64 { return Foundation.log1p(-v) + v }
      var sum: Float80 = 0
      var p = v
      for k in 2...30 {
        p *= v
        sum -= p / Float80(k)
      }
      return sum
    }
  #endif

  #if arch(x86_64)
    @Test func relativeAccuracyOnTheSeriesRange() {
      var worst = 0.0
      var g = Xoshiro256StarStar(seed: 11)
      for i in 0..<200_000 {
        // Log-uniform magnitudes from 1e−12 to the ends of [−1, 1/2].
        let mag = pow(10, -12 * Sampling.uniform(using: &g))
        let x = i % 2 == 0 ? 0.5 * mag : -mag
        let t = Self.reference(x)
        let v = LogSpace.phi(x)
        let rel = Double(abs((Float80(v) - t) / t))
        worst = max(worst, rel)
      }
      #expect(worst <= 4 * Double.ulpOfOne, "worst relative error \(worst)")
    }
  #endif

  @Test func zeroIsExactAndEveryValueIsNonPositive() {
    #expect(LogSpace.phi(0) == 0)
    for x in stride(from: -3.0, through: 0.99, by: 0.01) { #expect(LogSpace.phi(x) <= 0) }
  }

  @Test func suppliedLogIsUsedNearOne() {
    // x = 1 − 1e−30: 1 − x cannot be formed, the supplied log(1 − x) is exact.
    let logOneMinusX = -30 * log(10.0)
    let v = LogSpace.phi(1, logOneMinusX: logOneMinusX)
    #expect(abs(v - (logOneMinusX + 1)) < 1e-14)
    #expect(LogSpace.phi(0.75) == log1p(-0.75) + 0.75)
  }

  #if arch(x86_64)
    @Test func termCountKeepsTruncationBelowTheBudget() {
      // With the chosen number of terms the series at |y| = maxAbsY is still accurate.
      for maxAbsY in [1e-7, 1e-4, 0.01, 0.05, 0.1, 0.2, 1.0 / 3.0] {
        let n = LogSpace.phiSeriesTermCount(maxAbsY: maxAbsY)
        for y in [maxAbsY, -maxAbsY] {
          let x = 2 * y / (1 + y)
          let v = LogSpace.phiSeriesCoefficients.withUnsafeBufferPointer {
            LogSpace.phiSeries(SIMD4(repeating: x), terms: n, coefficients: $0.baseAddress!)[0]
          }
          let t = Self.reference(x)
          #expect(Double(abs((Float80(v) - t) / t)) <= 4 * Double.ulpOfOne, "|y| = \(maxAbsY), n = \(n)")
        }
      }
      #expect(LogSpace.phiSeriesTermCount(maxAbsY: 0) == 1)
      #expect(LogSpace.phiSeriesTermCount(maxAbsY: 1.0 / 3.0) == 22)
    }
  #endif
}
