import Foundation
import Testing
import _TestSupport

@testable import JVICore

/// PSIS and its k̂ against published references and exact inputs.
///
/// - NumPyro's `test/infer/test_importance.py` (pyro-ppl/numpyro, the PSIS k̂ diagnostic added in
///   PR #2139; its comment says the values agree with Vehtari's gpdfitnew and Pyro 1.9.1 to
///   ≈ 1e−15): `_PIPELINE_REFERENCE_KHAT` on its seeded synthetic log-weights and
///   `_REFERENCE_VALUES` of the GPD fit on seeded scipy genpareto draws, both at atol 1e−10.
///   The inputs are stored as fixtures (Fixtures/make_psis_fixtures.py regenerates them with
///   numpy's PCG64); the expected values are NumPyro's, typed in here.
/// - Pareto(α) quantile rows, whose tail is exactly generalized Pareto with k = 1/α.
struct ParetoSmoothingTests {
  static func fixture(_ name: String) throws -> [Double] {
    guard let url = Bundle.module.url(forResource: "Fixtures/psis/" + name, withExtension: "npy") else {
      throw InputFileError(path: name, problem: "fixture missing from the test bundle")
    }
    return try LogWeightMatrix(contentsOf: url.path).values
  }

  static func smooth(_ x: [Double]) -> ParetoSmoothedRow {
    var scratch = [Double](repeating: 0, count: x.count)
    return x.withUnsafeBufferPointer { p in
      scratch.withUnsafeMutableBufferPointer { ParetoSmoothing.smooth(p, scratch: $0) }
    }
  }

  /// Exact Pareto(α) quantiles −(1/α)·log1p(−(i − ½)/S) as log-weights.
  static func paretoRow(alpha: Double, count s: Int) -> [Double] {
    (1...s).map { -(1 / alpha) * log1p(-(Double($0) - 0.5) / Double(s)) }
  }

  @Test(arguments: [
    (0.5, 0.9080815512205151), (0.7, 0.6371459500343336), (0.9, 0.27494481323913184), (0.99, 0.08018355166699344),
  ])
  func paretoKMatchesNumPyrosPublishedPipeline(scale: Double, reference: Double) throws {
    let x = try Self.fixture("numpyro_lw_scale\(scale)")
    #expect(x.count == 50_000)
    #expect(ParetoSmoothing.tailLength(sampleCount: x.count) == 671)
    let k = Self.smooth(x).paretoK
    // NumPyro's tolerance is 1e−10; the measured difference is ≈ 1e−15.
    #expect(abs(k - reference) <= 1e-12, "scale \(scale): k-hat \(k) vs \(reference)")
  }

  @Test(arguments: [
    (0.1, 0.11030538299874189, 0.9689311464171625), (0.5, 0.5035203992870904, 0.966373900167903),
    (1.0, 0.9891947607352517, 0.9688794540950301),
  ])
  func generalizedParetoFitMatchesNumPyrosReferences(shape: Double, k: Double, sigma: Double) throws {
    let x = try Self.fixture("genpareto_c\(shape)").sorted()
    let fit = try #require(x.withUnsafeBufferPointer { GeneralizedParetoFit(sortedExceedances: $0) })
    #expect(abs(fit.shape - k) <= 1e-12, "c = \(shape): k \(fit.shape) vs \(k)")
    #expect(abs(fit.scale - sigma) <= 1e-12, "c = \(shape): sigma \(fit.scale) vs \(sigma)")
  }

  @Test func fitEdgeCasesAreNotIdentifiable() {
    // A constant sample, or a first quartile at the minimum, has no fit (loo returns NA).
    for x in [[Double](repeating: 1, count: 100), [0, 0, 0, 1, 2, 3, 4]] {
      #expect(x.withUnsafeBufferPointer { GeneralizedParetoFit(sortedExceedances: $0) } == nil)
    }
  }

  /// k̂ → 1/α on exact Pareto(α) tails; the values are also checked against the fixture script's
  /// own float64 transcription of loo's pipeline (make_psis_fixtures.py prints them).
  @Test(arguments: [
    (1000, 1.0, 0.9310730242264563, 2.0845578775139657), (1000, 2.0, 0.49708596126252164, 0.6828692680381847),
    (1000, 4.0, 0.28017770588138335, 0.28788695704223377), (10000, 1.0, 0.9763980187158456, 2.37204831510741),
    (10000, 2.0, 0.4990032756154656, 0.6899795761717291), (10000, 4.0, 0.260249208698755, 0.28771865079848435),
  ])
  func paretoTailsRecoverTheirShape(count: Int, alpha: Double, transcribedK: Double, transcribedValue: Double) {
    let row = Self.smooth(Self.paretoRow(alpha: alpha, count: count))
    #expect(abs(row.paretoK - transcribedK) <= 1e-12)
    #expect(abs(row.logMeanWeight - transcribedValue) <= 1e-13)
    // The weakly informative prior pulls k-hat toward 1/2 by (k - 1/2)·10/(T + 10).
    let t = Double(ParetoSmoothing.tailLength(sampleCount: count))
    let shrunk = (t * (1 / alpha) + 5) / (t + 10)
    #expect(abs(row.paretoK - shrunk) <= (count == 1000 ? 0.08 : 0.03), "S = \(count), alpha = \(alpha)")
  }

  @Test func tailLengthAndTheMinimumRow() {
    #expect(ParetoSmoothing.tailLength(sampleCount: 1000) == 95)
    #expect(ParetoSmoothing.tailLength(sampleCount: 50_000) == 671)
    #expect(ParetoSmoothing.tailLength(sampleCount: 20) == 4)
    #expect(ParetoSmoothing.tailLength(sampleCount: ParetoSmoothing.minimumSampleCount) == 5)
    // Too short a tail: k-hat is inf and the estimate undefined.
    let short = Self.smooth((0..<20).map { Double($0) / 7 })
    #expect(short.paretoK == .infinity && short.logMeanWeight.isNaN)
  }

  @Test func constantAndZeroTailsAreLeftUnsmoothed() {
    // Equal weights: constant tail, no fit, the value exactly.
    let equal = Self.smooth([Double](repeating: -123.456, count: 200))
    #expect(equal.paretoK == .infinity && equal.logMeanWeight == -123.456 && equal.effectiveSampleSize == 200)
    // All zero weights: −∞.
    #expect(Self.smooth([Double](repeating: -.infinity, count: 50)).logMeanWeight == -.infinity)
  }

  @Test func smoothingCapsAtTheLargestWeightAndLowersHeavyTails() {
    // α = 1 (infinite variance): the smoothed mean is below the raw one, never above max + 0.
    let x = Self.paretoRow(alpha: 1, count: 1000)
    let row = Self.smooth(x)
    let raw = x.withUnsafeBufferPointer { LogSpace.logMeanExp($0) }
    #expect(row.logMeanWeight < raw && row.logMeanWeight <= x.max()!)
  }

  @Test func shiftEquivariance() {
    var g = Xoshiro256StarStar(seed: 3)
    let x = (0..<512).map { _ in 2 * Sampling.standardNormal(using: &g) }
    let base = Self.smooth(x)
    for c in [-300.0, 1e-3, 250] {
      let shifted = Self.smooth(x.map { $0 + c })
      #expect(abs(shifted.paretoK - base.paretoK) <= 1e-12)
      #expect(abs(shifted.logMeanWeight - (base.logMeanWeight + c)) <= 1e-12 * max(1, abs(c)))
    }
  }
}
