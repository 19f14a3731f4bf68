import Foundation
import Testing
import _TestSupport

@testable import JVICore

/// SUMO and the multilevel estimators are unbiased: their truncation laws are the papers', a
/// capped SUMO averages over 𝒦 to exactly IWAE of the block, and the mean over seeded draws
/// lies within Monte Carlo error of the truth on laws where the truth is known exactly.
///
/// Each statistical test states its power: the shift it would detect (a 3-SE rejection region)
/// is compared with the bias of IWAE at the same expected number of samples, the estimator the
/// unbiased ones replace.
struct UnbiasedEstimatorTests {
  static func estimates(_ e: any BoundEstimator, _ m: LogWeightMatrix) throws -> [Double] {
    let r = try e.evaluate(m, workspace: EstimatorWorkspace())
    #expect(r.undefined.isEmpty)
    return r.estimates
  }

  @Test func sumoTruncationLawIsThePapers() {
    #expect(SUMO.survival(1) == 1 && SUMO.survival(2) == 0.5 && SUMO.survival(79) == 1 / 79.0)
    #expect(SUMO.survival(80) == 1 / 80.0 && abs(SUMO.survival(81) - 0.9 / 80) <= 1e-18)
    // E[𝒦] = Σ_k P(𝒦 ≥ k) = H₇₉ + (1/80)·Σ_j 0.9^j = H₇₉ + 1/8.
    let expected = (1...79).map { 1 / Double($0) }.reduce(0, +) + 0.125
    let summed = (1...2000).map(SUMO.survival).reduce(0, +)
    #expect(abs(summed - expected) <= 1e-12 && abs(expected - 5.0779) <= 1e-4)
    // Inversion: the empirical survival of 2^20 draws within 4 binomial standard errors.
    var g = Xoshiro256StarStar(seed: 1)
    let n = 1 << 20
    var counts = [Int](repeating: 0, count: 200)
    for _ in 0..<n { counts[min(SUMO.terms(uniform: Sampling.uniform(using: &g)), 199)] += 1 }
    for k in [1, 2, 3, 5, 10, 40, 79, 80, 81, 90, 120] {
      let atLeast = Double(counts[k...].reduce(0, +)) / Double(n)
      let p = SUMO.survival(k)
      #expect(abs(atLeast - p) <= 4 * (p * (1 - p) / Double(n)).squareRoot() + 1e-12, "P(K >= \(k))")
    }
  }

  /// Averaged over 𝒦 ~ the truncation law, a block's capped SUMO telescopes to IWAE of the whole
  /// block: Σ_k P(𝒦 = k)·SUMO(k) + P(𝒦 ≥ n − m)·SUMO(capped) = IWAE_n, row by row.
  @Test(arguments: [1, 3, 10])
  func cappedSumoAveragesToIWAEOfTheBlock(m: Int) throws {
    var g = Xoshiro256StarStar(seed: 8)
    for spread in [0.1, 1.0, 4.0] {
      let x = (0..<200).map { _ in -80 + spread * Sampling.standardNormal(using: &g) }
      let n = x.count
      let expectation = x.withUnsafeBufferPointer { p in
        var sum = 0.0
        for k in 1..<(n - m) {
          sum += (SUMO.survival(k) - SUMO.survival(k + 1)) * (SUMO.value(p, minimumTerms: m, terms: k) + 80)
        }
        return sum + SUMO.survival(n - m) * (SUMO.value(p, minimumTerms: m, terms: n - m) + 80) - 80
      }
      let iwae = x.withUnsafeBufferPointer { LogSpace.logMeanExp($0) }
      #expect(abs(expectation - iwae) <= 1e-12, "m = \(m), spread \(spread): \(expectation) vs \(iwae)")
    }
  }

  /// Gamma(1/2, 1) weights have E[IWAE_n] = ψ(n/2) − log n in closed form; capped at n columns the
  /// estimators are unbiased for it (the cap is their only bias against log p(x) = log(1/2)).
  ///
  /// Power: the test rejects when |mean − E[IWAE_n]| > 3 SE. A bias b would be caught with
  /// probability Φ(b/SE − 3); for the bias of IWAE at the same expected cost (about 6 samples:
  /// m + E[𝒦] ≈ 6.1 for SUMO, 2r/(2r − 1) = 6 for MLMC), −0.176 nats here, b/SE ≥ 5, so the
  /// power is at least Φ(2) = 0.977.
  @Test func unbiasedOnGammaWeights() throws {
    let n = 40_000, k = 128
    let law = SyntheticWeightLaw.gamma(shape: 0.5, scale: 1)
    let m = law.sample(rows: n, columns: k, seed: 42)
    let target = try #require(law.expectedIWAE(sampleCount: k))
    let rival = try #require(law.expectedIWAE(sampleCount: 6)) - law.logEvidence
    for e: any BoundEstimator in [
      try SUMO(seed: 7), try SUMO(minimumTerms: 8, seed: 7), try MultilevelIWAE(seed: 7),
      try MultilevelIWAE(form: .singleTerm, seed: 7),
    ] {
      let s = SampleSummary(try Self.estimates(e, m))
      #expect(abs(s.mean - target) <= 3 * s.standardError, "\(e.label): \(s.mean) vs \(target) ± \(s.standardError)")
      #expect(
        abs(rival) >= 5 * s.standardError, "\(e.label): power against IWAE_6's bias \(rival), SE \(s.standardError)")
      print(
        "unbiased \(e.label) on Gamma(1/2): mean - E[IWAE_\(k)] = \(s.mean - target) ± \(s.standardError) "
          + "(IWAE_6 is biased by \(rival))")
    }
  }

  /// Log-normal weights (log w ~ N(0, 1)): log p(x) = 1/2; the cap at n = 512 columns leaves the
  /// bias of IWAE_512, ≈ −(e − 1)/1024 ≈ −0.0017, which the tolerance adds.
  @Test func unbiasedOnLogNormalWeights() throws {
    let n = 40_000, k = 512
    let law = SyntheticWeightLaw.logNormal(mu: 0, sigma: 1)
    let m = law.sample(rows: n, columns: k, seed: 3)
    let capBias = law.moments.iwaeBias(sampleCount: k)
    for e: any BoundEstimator in [
      try SUMO(seed: 5), try MultilevelIWAE(seed: 5), try MultilevelIWAE(form: .singleTerm, seed: 5),
    ] {
      let s = SampleSummary(try Self.estimates(e, m))
      #expect(abs(s.mean - 0.5) <= 3 * s.standardError + abs(capBias), "\(e.label): \(s.mean) ± \(s.standardError)")
      let rival = law.moments.iwaeBias(sampleCount: 6)
      #expect(abs(rival) >= 5 * s.standardError, "\(e.label): power against IWAE_6's bias \(rival)")
      print("unbiased \(e.label) on log-normal(0, 1): mean - log p = \(s.mean - 0.5) ± \(s.standardError)")
    }
  }

  @Test func drawsDependOnlyOnSeedInstanceAndBlock() throws {
    let law = SyntheticWeightLaw.logNormal(mu: -5, sigma: 1.5)
    let m = law.sample(rows: 40, columns: 64, seed: 1)
    for e: any BoundEstimator in [try SUMO(k: 16, seed: 3), try MultilevelIWAE(k: 16, seed: 3)] {
      let all = try e.evaluate(m, workspace: EstimatorWorkspace()).estimates
      // The same instances as a block of rows 10..<30 (instanceOffset 10) give the same values.
      let part = try e.evaluate(m.rows(10..<30), workspace: EstimatorWorkspace()).estimates
      #expect(Array(all[10..<30]) == part, "\(e.label)")
    }
  }

  #if arch(x86_64)
    @Test func levelDifferencesAreSecondOrderAndNeverNegative() {
      // Δ = log cosh(x/2): exactly 0 at 0, x²/8 near it, |x|/2 − log 2 far out.
      #expect(LogSpace.logCosh(0) == 0)
      for x in [1e-8, 1e-3, 0.7, 0.99, 1.01, 5, 40, 800] {
        // log cosh x = log1p(2 sinh²(x/2)), in Float80 (log(cosh x) itself would lose the small x).
        let h = sinh(Float80(x) / 2)
        let truth = Double(log1p(2 * h * h))
        #expect(LogSpace.logCosh(x) >= 0 && abs(LogSpace.logCosh(x) - truth) <= 4e-16 * max(truth, 1e-300) + 1e-300)
        #expect(LogSpace.logCosh(-x) == LogSpace.logCosh(x))
      }
      // IWAE increments against a direct Float80 difference.
      for (d, j) in [(0.0, 5), (1e-9, 3), (-0.5, 100), (3.0, 1000), (50.0, 7), (-.infinity, 9), (800.0, 4)] {
        let v = LogSpace.iwaeIncrement(excess: d, count: j)
        let x = Float80(d), n = Float80(j + 1)
        let truth: Float80 =
          d == -.infinity
          ? log(Float80(j) / n) : (d > 700 ? x - log(n) + log1p(Float80(j) * exp(-x)) : log1p(expm1(x) / n))
        #expect(scaledError(v, truth) <= 1e-15, "d \(d), j \(j): \(v) vs \(truth)")
      }
    }
  #endif
}
