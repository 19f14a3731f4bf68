import Foundation
import JVICore
import JVIModels
import Testing

@testable import JVIExperiments

/// The sweep measures what theory says it should (fixed seeds; tolerances from standard errors).
@Suite struct SweepStatisticalTests {
  /// The linear-Gaussian configuration of these tests: q shifted by 0.8 posterior standard
  /// deviations and 1.1 times too wide, so every moment of w is finite and the 1/K expansion
  /// holds from K ≈ 8.
  static let linearGaussian = """
    model = linear-gaussian
    q-shift = 0.8
    q-scale = 1.1
    instances = 400
    k = 1 2 4 8 16 32 64 128 256
    estimators = elbo-a elbo-b iwae jvi-1 jvi-2 jvi-3
    replicate-sets = 8
    seed = 20181
    """

  static func run(_ text: String, name: String) throws -> [SweepRow] {
    let p = try plan(text, name: name)
    var options = SweepOptions(runID: "stat")
    options.resultsDirectory = temporaryDirectory()
    options.threads = 2
    options.bootstrapResamples = 200
    let outcome = try SweepRunner(experimentPath: name, experimentText: text, plan: p, options: options).run()
    return try SweepRunner.readRows(outcome.csvPath)
  }

  static func row(_ rows: [SweepRow], _ estimator: String, order: Int = 0, k: Int) throws -> SweepRow {
    try #require(rows.first { $0.estimator == estimator && $0.order == order && $0.k == k })
  }

  /// ELBO ≤ IWAE_K ≤ log p(x) at every K; ELBO-A and ELBO-B estimate the same ELBO, with the
  /// closed-form per-sample variances Var_A and Var_B.
  @Test func linearGaussianBoundsAndELBOVariances() throws {
    let rows = try Self.run(Self.linearGaussian, name: "linear-gaussian-bounds")
    let p = try plan(Self.linearGaussian)
    let source = try #require(try p.experiment.model.makeSource(instances: 400) as? LinearGaussianLogWeightSource)
    let n = Double(source.instanceCount)
    let elboBias = source.instances.reduce(0.0) { $0 + $1.elbo(source.model) - $1.logEvidence } / n
    let varA = source.instances.reduce(0.0) { $0 + $1.logWeightVariance(source.model) } / n
    let varB = source.instances.reduce(0.0) { $0 + $1.logLikelihoodVariance(source.model) } / n
    var previous = -Double.infinity
    for k in p.experiment.sampleCounts {
      let iwae = try Self.row(rows, "iwae", k: k)
      let elbo = try Self.row(rows, "elbo-a", k: k)
      let elboB = try Self.row(rows, "elbo-b", k: k)
      #expect(iwae.statistics.bias <= 3 * iwae.statistics.biasStandardError, "IWAE_\(k) above log p(x)")
      #expect(elbo.statistics.mean <= iwae.statistics.mean, "ELBO above IWAE_\(k)")
      #expect(iwae.statistics.mean >= previous - 3 * iwae.statistics.biasStandardError, "IWAE not increasing at \(k)")
      previous = iwae.statistics.mean
      #expect(abs(elbo.statistics.bias - elboBias) <= 3 * elbo.statistics.biasStandardError)
      #expect(abs(elboB.statistics.bias - elboBias) <= 3 * elboB.statistics.biasStandardError)
      #expect(abs(elbo.statistics.variance - varA / Double(k)) <= 3 * elbo.statistics.varianceStandardError)
      #expect(abs(elboB.statistics.variance - varB / Double(k)) <= 3 * elboB.statistics.varianceStandardError)
    }
    #expect(varA != varB)
  }

  /// K·bias(IWAE_K) → −Var(w)/(2E[w]²) = −s₂/2, and the bias of JVI-m falls like K^−(m+1):
  /// the fitted log-log slope over K = 32…256 is within 3 SE + 0.1 of −(m + 1). Biases are
  /// measured against JVI of order m + 2 on the same blocks (PairedBias), whose own bias is
  /// O(K^−(m+3)), so the shared noise cancels; the series of RelativeWeightMoments gives the
  /// expected values, up to a remainder O(1/K) relative.
  @Test func linearGaussianBiasRatesAndSlopes() throws {
    let p = try plan(Self.linearGaussian)
    let source = try #require(try p.experiment.model.makeSource(instances: 400) as? LinearGaussianLogWeightSource)
    let draws = try ReplicateDraws(source: source, plan: p, keepLikelihood: false, threads: 2)
    let moments = source.instances.map { $0.weightMoments(source.model) }
    let n = Double(moments.count)
    let s2 = moments.reduce(0.0) { $0 + $1.s2 } / n
    let b2 = moments.reduce(0.0) { $0 + $1.iwaeBiasCoefficients.1 } / n
    #expect(s2.isFinite && s2 > 0.5)
    var slopes: [Double] = []
    for m in 0...3 {
      var points: [(k: Int, y: Double, se: Double)] = []
      for k in [32, 64, 128, 256] {
        let bias = try PairedBias(.jackknife(order: m), anchor: .jackknife(order: m + 2), k: k, draws: draws)
        points.append((k, bias.mean, bias.standardError))
        if m <= 2 {
          let series = moments.reduce(0.0) { $0 + $1.jackknifeBias(sampleCount: k, order: m) } / n
          #expect(
            abs(bias.mean - series) <= 3 * bias.standardError + abs(series) * 8 / Double(k),
            "JVI-\(m) at K = \(k): measured \(bias.mean) ± \(bias.standardError), series \(series)")
        }
        if m == 0 {
          let scaled = Double(k) * bias.mean
          #expect(
            abs(scaled + s2 / 2) <= 3 * Double(k) * bias.standardError + 2 * abs(b2) / Double(k),
            "K·bias(IWAE_\(k)) = \(scaled), -s2/2 = \(-s2 / 2)")
        }
      }
      let fit = logLogSlope(points)
      slopes.append(fit.slope)
      #expect(
        abs(fit.slope + Double(m + 1)) <= 3 * fit.standardError + 0.1,
        "JVI-\(m): slope \(fit.slope) ± \(fit.standardError), expected \(-(m + 1))")
    }
    print("linear-Gaussian log-log bias slopes, K = 32...256, orders 0...3:", slopes)
  }

  /// Gamma(1/2, 1) weights: the measured bias equals the exact E[T_K] − log p within 3 SE at
  /// every K (K = 1 included), and the paired IWAE − JVI-2 difference matches its exact value
  /// within 3 of its (much smaller) SE.
  @Test func gammaBiasMatchesTheExactLaw() throws {
    let text = """
      model = gamma
      shape = 0.5
      scale = 1
      instances = 400
      k = 1 2 4 8 16 32 64 128 256
      estimators = elbo-a iwae jvi-1 jvi-2 jvi-3
      replicate-sets = 4
      seed = 31
      """
    let law = SyntheticWeightLaw.gamma(shape: 0.5, scale: 1)
    let rows = try Self.run(text, name: "gamma-bias")
    for r in rows {
      let exact = try #require(law.exactBias(sampleCount: r.estimator == "elbo-a" ? 1 : r.k, order: r.order))
      #expect(
        abs(r.statistics.bias - exact) <= 3 * r.statistics.biasStandardError,
        "\(r.key): bias \(r.statistics.bias) ± \(r.statistics.biasStandardError), exact \(exact)")
    }
    let p = try plan(text)
    let draws = try ReplicateDraws(
      source: try p.experiment.model.makeSource(instances: 400), plan: p, keepLikelihood: false, threads: 2)
    for k in [4, 16, 64, 256] {
      let d = try PairedBias(.iwae, anchor: .jackknife(order: 2), k: k, draws: draws)
      let exact = try #require(law.exactBias(sampleCount: k, order: 0)) - law.exactBias(sampleCount: k, order: 2)!
      #expect(abs(d.mean - exact) <= 3 * d.standardError, "K = \(k): \(d.mean) ± \(d.standardError) vs \(exact)")
    }
  }

  /// Log-normal weights, σ = 1/2: ELBO's bias is −σ²/2 exactly; IWAE's and JVI-1's follow the series
  /// −s₂/(2K) + β₂/K² + β₃/K³ within 3 SE plus the size of the last term kept.
  @Test func logNormalBiasMatchesTheSeries() throws {
    let text = """
      model = log-normal
      mu = 0.3
      sigma = 0.5
      instances = 400
      k = 1 2 4 8 16 32 64 128 256
      estimators = elbo-a iwae jvi-1
      replicate-sets = 4
      seed = 41
      """
    let law = SyntheticWeightLaw.logNormal(mu: 0.3, sigma: 0.5)
    let rows = try Self.run(text, name: "log-normal-bias")
    for r in rows {
      #expect(r.statistics.reference == law.logEvidence)
      if r.estimator == "elbo-a" || r.k == 1 {
        #expect(abs(r.statistics.bias + 0.125) <= 3 * r.statistics.biasStandardError)
        continue
      }
      guard r.k >= 4 else { continue }  // the series needs K ≫ s₂ = 0.28
      let series = law.moments.jackknifeBias(sampleCount: r.k, order: r.order)
      let allowance = law.moments.seriesTruncationScale(sampleCount: r.k)
      #expect(
        abs(r.statistics.bias - series) <= 3 * r.statistics.biasStandardError + allowance,
        "\(r.key): bias \(r.statistics.bias) ± \(r.statistics.biasStandardError), series \(series)")
    }
  }
}

func temporaryDirectory() -> String {
  let d = NSTemporaryDirectory() + "jvi-sweep-tests-" + UUID().uuidString
  try? FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
  return d
}
