import Foundation
import JVICore
import Testing

@testable import JVIModels

/// AIS and BDMC against exact log p(x): the linear-Gaussian closed form and, for a VAE with a
/// two-dimensional latent, quadrature over a fine grid. Tolerances come from the Monte Carlo
/// standard errors of the chains; seeds are fixed.
@Suite struct AnnealingTests {
  static let model = LinearGaussianModel.random(latentDimension: 3, observedDimension: 6, seed: 11)
  static let proposal = try! LinearGaussianProposal(meanShift: 1.5, scale: 1.3, meanField: true)
  static let source = LinearGaussianLogWeightSource(model: model, proposal: proposal, instances: 12, dataSeed: 2)

  @Test(arguments: AnnealingSchedule.allCases)
  func schedulesRunFromZeroToOneAndIncrease(schedule: AnnealingSchedule) {
    for t in [1, 2, 3, 10, 1000] {
      let b = schedule.inverseTemperatures(steps: t)
      #expect(b.count == t + 1 && b[0] == 0 && b[t] == 1)
      for i in 1...t { #expect(b[i] > b[i - 1], "\(schedule) T=\(t) step \(i)") }
    }
    #expect(abs(AnnealingSchedule.geometric.inverseTemperatures(steps: 10)[1] - 1e-4) < 1e-18)
  }

  static func checkGradients(_ target: any AnnealingTarget, at z: [Double], label: String) {
    let d = target.dimension
    let e = AnnealingEvaluation(dimension: d, capacity: 1)
    z.withUnsafeBufferPointer { target.evaluate($0.baseAddress!, rows: 1, into: e) }
    let analyticBase = (0..<d).map { e.baseGradient[$0] }, analyticJoint = (0..<d).map { e.jointGradient[$0] }
    for j in 0..<d {
      func values(_ v: Double) -> (Double, Double) {
        var zz = z
        zz[j] = v
        zz.withUnsafeBufferPointer { target.evaluate($0.baseAddress!, rows: 1, into: e) }
        return (e.logBase[0], e.logJoint[0])
      }
      let h = 1e-5
      let (bp, jp) = values(z[j] + h), (bm, jm) = values(z[j] - h)
      let numericBase = (bp - bm) / (2 * h), numericJoint = (jp - jm) / (2 * h)
      #expect(
        abs(numericBase - analyticBase[j]) <= 1e-6 * max(1, abs(numericBase)), "\(label) base ∂z\(j)")
      #expect(
        abs(numericJoint - analyticJoint[j]) <= 1e-6 * max(1, abs(numericJoint)), "\(label) joint ∂z\(j)")
    }
  }

  /// A 12-pixel VAE with a 2-D latent: decoder weights large enough that the posterior is far
  /// from the prior, a damped encoder so that q(z | x) is broad (as a trained encoder's is).
  static func smallVAE() -> (GaussianVAE, [Double], [Double]) {
    let vae = GaussianVAE(VAEArchitecture(inputSize: 12, hiddenSizes: [8], latentSize: 2, activation: .tanh))
    let p = vae.initialParameters(seed: 7, as: Double.self)
    let decoderStart = vae.decoder.layers[0].weightOffset
    let params = (0..<vae.parameterCount).map { ($0 < decoderStart ? 0.3 : 2.5) * p.pointer[$0] }
    var g = Xoshiro256StarStar(seed: 8)
    let x = (0..<12).map { _ in Sampling.uniform(using: &g) < 0.5 ? 1.0 : 0.0 }
    return (vae, params, x)
  }

  @Test(arguments: AnnealingStart.allCases)
  func targetGradientsMatchFiniteDifferences(start: AnnealingStart) {
    let lg = Self.source.makeTarget(start: start, maximumRows: 1)
    lg.setObservation(Self.source.observation(3))
    Self.checkGradients(lg, at: [0.3, -1.2, 0.8], label: "linear-gaussian \(start)")
    let (vae, params, x) = Self.smallVAE()
    let target = GaussianVAEAnnealingTarget(model: vae, parameters: params, start: start, maximumRows: 1)
    target.setObservation(x)
    Self.checkGradients(target, at: [0.7, -0.4], label: "vae \(start)")
  }

  /// Mean over instances of IWAE over the chains minus the exact log p(x), with its standard error
  /// √(Σ_i ŝ₂,i/C)/n (the delta method, ŝ₂ = C/ESS − 1) and the mean first-order bias −ŝ₂/(2C).
  static func error(of m: LogWeightMatrix, exact: [Double]) -> (mean: Double, se: Double, bias: Double) {
    let n = m.rowCount, c = m.columnCount
    var diff = 0.0, variance = 0.0
    let scratch = UnsafeMutableBufferPointer<Double>.allocate(capacity: c)
    defer { scratch.deallocate() }
    for i in 0..<n {
      m.withRow(i, columns: 0..<c) { row in
        let d = WeightDiagnostics(row, scratch: scratch)
        diff += d.iwae - exact[i]
        variance += d.excessOverEqualWeights(sampleCount: c) / Double(c)
      }
    }
    return (diff / Double(n), variance.squareRoot() / Double(n), -variance / Double(2 * n))
  }

  @Test(arguments: AnnealingStart.allCases)
  func aisAgreesWithTheExactLinearGaussianEvidence(start: AnnealingStart) throws {
    let settings = try AISSettings(temperatures: 200, start: start, leapfrogSteps: 5, initialStepSize: 0.2)
    let sampler = AnnealedImportanceSampler(settings)
    let n = Self.source.instanceCount
    let m = try sampler.logWeights(model: Self.source, rows: 0..<n, chains: 32, seed: 5, threads: 2)
    let exact = Self.source.exactLogEvidence(rows: 0..<n)!
    let (mean, se, bias) = Self.error(of: m, exact: exact)
    #expect(abs(mean - bias) <= 3 * se + 1e-3, "\(start): mean error \(mean), SE \(se), bias \(bias)")
    #expect(se < 0.05, "\(start): AIS with 200 temperatures should be tight, SE \(se)")
    // E[w] = p(x): the mean ratio w/p over all chains is 1 within 4 SE.
    let ratios = (0..<n).flatMap { i in (0..<32).map { exp(m.values[i * 32 + $0] - exact[i]) } }
    let mu = ratios.reduce(0, +) / Double(ratios.count)
    let sd = (ratios.map { ($0 - mu) * ($0 - mu) }.reduce(0, +) / Double(ratios.count - 1)).squareRoot()
    #expect(abs(mu - 1) <= 4 * sd / Double(ratios.count).squareRoot(), "\(start): mean w/p = \(mu)")
  }

  /// A bad single-temperature run is plain importance sampling from the base: still E[w] = p(x).
  @Test func oneTemperatureIsImportanceSamplingAndStillUnbiased() throws {
    let settings = try AISSettings(temperatures: 1, start: .proposal, pilotChains: 0)
    let m = try AnnealedImportanceSampler(settings).logWeights(
      model: Self.source, rows: 0..<4, chains: 4000, seed: 9, threads: 2)
    let exact = Self.source.exactLogEvidence(rows: 0..<4)!
    for i in 0..<4 {
      let r = (0..<4000).map { exp(m.values[i * 4000 + $0] - exact[i]) }
      let mu = r.reduce(0, +) / 4000
      let sd = (r.map { ($0 - mu) * ($0 - mu) }.reduce(0, +) / 3999).squareRoot()
      #expect(abs(mu - 1) <= 4 * sd / 4000.0.squareRoot(), "instance \(i): mean w/p = \(mu) ± \(sd / 63.2)")
    }
  }

  /// Forward AIS is a stochastic lower bound and reverse AIS from an exact posterior sample a
  /// stochastic upper bound; both within 3 SE of their side, and the gap shrinks as T grows.
  @Test func bidirectionalMonteCarloSandwichesTheEvidenceAndTheGapCloses() throws {
    var gaps: [Double] = []
    let n = 16
    for t in [5, 50, 500] {
      // Pilots on every temperature (the gaps' SE is ~0.05 at T = 500: this checks BDMC, not the pilots).
      let settings = try AISSettings(
        temperatures: t, start: .prior, leapfrogSteps: 5, initialStepSize: 0.2, pilotTemperatures: t)
      let result = try AnnealedImportanceSampler(settings).bidirectional(
        model: Self.source, count: n, chains: 8, seed: 4, threads: 2)
      let exact = (0..<n).map { i in
        var rng = Xoshiro256StarStar(seed: AnnealedImportanceSampler.simulationSeed(4), stream: UInt64(i))
        return Self.model.logEvidence(Self.source.simulate(using: &rng).observation)
      }
      let lower = Self.error(of: result.forward, exact: exact)
      let upper = Self.error(of: result.reverse, exact: exact.map { -$0 })
      #expect(lower.mean <= 3 * lower.se, "T=\(t): lower bound − log p = \(lower.mean) ± \(lower.se)")
      #expect(-upper.mean >= -3 * upper.se, "T=\(t): upper bound − log p = \(-upper.mean) ± \(upper.se)")
      gaps.append(zip(result.upperBounds, result.lowerBounds).map { $0 - $1 }.reduce(0, +) / Double(n))
    }
    #expect(gaps[0] > gaps[1] && gaps[1] > gaps[2] && gaps[2] < 0.15, "mean BDMC gaps \(gaps)")
  }

  @Test func resultsAreBitIdenticalForAnyThreadCount() throws {
    let sampler = AnnealedImportanceSampler(try AISSettings(temperatures: 30, leapfrogSteps: 3))
    let one = try sampler.logWeights(model: Self.source, rows: 2..<9, chains: 5, seed: 1, threads: 1)
    let two = try sampler.logWeights(model: Self.source, rows: 2..<9, chains: 5, seed: 1, threads: 2)
    #expect(one.values == two.values)
    // Chains do not depend on how many run together.
    for blockRows in [2, 7, 64] {
      let blocked = try sampler.logWeights(
        model: Self.source, rows: 2..<9, chains: 5, seed: 1, threads: 2, blockRows: blockRows)
      #expect(one.values == blocked.values, "block of \(blockRows) rows")
    }
    let row = try sampler.logWeights(model: Self.source, rows: 4..<5, chains: 5, seed: 1, threads: 1)
    #expect(Array(one.values[10..<15]) == row.values)
  }

  /// log p(x) of the small VAE by the trapezoidal rule on [−9, 9]² (0.01 spacing, the integrand
  /// is negligible outside), against AIS from the prior and from the encoder.
  @Test(arguments: AnnealingStart.allCases)
  func aisMatchesQuadratureOnATwoDimensionalVAE(start: AnnealingStart) throws {
    let (vae, params, x) = Self.smallVAE()
    let target = GaussianVAEAnnealingTarget(model: vae, parameters: params, start: start, maximumRows: 64)
    target.setObservation(x)
    try Self.checkAgainstQuadrature(ais: target, start: start, exact: Self.quadrature(target), x: x, label: "\(start)")
  }

  /// log ∫ γ(z) dz of a 2-D target by the rectangle rule on [−9, 9]² (0.01 spacing; the
  /// integrand is negligible outside), evaluated `target.maximumRows` grid points at a time.
  static func quadrature(_ target: any AnnealingTarget) -> Double {
    let grid = 1801, h = 0.01, block = target.maximumRows
    let e = AnnealingEvaluation(dimension: 2, capacity: block)
    var logTerms = [Double]()
    logTerms.reserveCapacity(grid * grid)
    var z = [Double](repeating: 0, count: 2 * block)
    for a in 0..<grid {
      var b = 0
      while b < grid {
        let rows = min(block, grid - b)
        for r in 0..<rows {
          z[2 * r] = -9 + Double(a) * h
          z[2 * r + 1] = -9 + Double(b + r) * h
        }
        z.withUnsafeBufferPointer { target.evaluate($0.baseAddress!, rows: rows, into: e) }
        for r in 0..<rows { logTerms.append(e.logJoint[r]) }
        b += rows
      }
    }
    return logTerms.withUnsafeBufferPointer { LogSpace.logSumExp($0) } + 2 * log(h)
  }

  /// 256 AIS chains of 300 temperatures on `ais` against the exact `exact`: within 3 SE.
  static func checkAgainstQuadrature(
    ais target: any ObservationTarget, start: AnnealingStart, exact: Double, x: [Double], label: String
  ) throws {
    let sampler = AnnealedImportanceSampler(try AISSettings(temperatures: 300, start: start, leapfrogSteps: 5))
    let eps = sampler.stepSizes(target: target, observations: [x], seeds: [3])
    let w = sampler.forwardLogWeights(target: target, observations: [x], chains: 256, stepSizes: eps, seeds: [3])
    let m = try LogWeightMatrix(rowCount: 1, columnCount: 256, values: w[0])
    let (mean, se, bias) = Self.error(of: m, exact: [exact])
    #expect(abs(mean - bias) <= 3 * se + 1e-3, "\(label): AIS − quadrature \(mean) ± \(se), exact \(exact)")
    #expect(se < 0.02)
  }

  /// The small VAE with its parameters rounded to Float, as a Float-network and a Double-network
  /// target of the same function.
  static func smallVAETargets(start: AnnealingStart, rows: Int) -> (
    GaussianVAEAnnealingTarget<Float>, GaussianVAEAnnealingTarget<Double>, [Double]
  ) {
    let (vae, params, x) = Self.smallVAE()
    let rounded = params.map { Float($0) }
    let single = GaussianVAEAnnealingTarget(model: vae, parameters: rounded, start: start, maximumRows: rows)
    let double = GaussianVAEAnnealingTarget(
      model: vae, parameters: rounded.map(Double.init), start: start, maximumRows: rows)
    single.setObservation(x)
    double.setObservation(x)
    return (single, double, x)
  }

  /// A Float network inside HMC: log γ, log π₀ and both gradients agree with the Double network
  /// on the same (Float) parameters to Float's precision, over a grid of positions.
  @Test(arguments: AnnealingStart.allCases)
  func aFloatNetworkMatchesTheDoubleNetwork(start: AnnealingStart) {
    let (single, double, _) = Self.smallVAETargets(start: start, rows: 64)
    let a = AnnealingEvaluation(dimension: 2, capacity: 64), b = AnnealingEvaluation(dimension: 2, capacity: 64)
    let z: [Double] = (0..<128).map { i in
      let a = Double(i % 17) * 0.37, b = Double(i / 17) * 0.05
      return a - 3 + b
    }
    z.withUnsafeBufferPointer {
      single.evaluate($0.baseAddress!, rows: 64, into: a)
      double.evaluate($0.baseAddress!, rows: 64, into: b)
    }
    for r in 0..<64 {
      // The joint's error: the 12 logits' Float rounding, ~1e-6 each after two layers.
      #expect(abs(a.logJoint[r] - b.logJoint[r]) <= 1e-5 * max(1, abs(b.logJoint[r])), "row \(r) log γ")
      // From the prior the base is Double in both; from the encoder, μ and σ² come from a Float network.
      #expect(abs(a.logBase[r] - b.logBase[r]) <= 1e-5 * max(1, abs(b.logBase[r])), "row \(r) log π₀")
      for j in 0..<2 {
        let i = r * 2 + j
        #expect(
          abs(a.jointGradient[i] - b.jointGradient[i]) <= 1e-5 * max(1, abs(b.jointGradient[i])), "row \(r) ∂\(j)")
        #expect(abs(a.baseGradient[i] - b.baseGradient[i]) <= 1e-5 * max(1, abs(b.baseGradient[i])), "row \(r) ∂π₀")
        if start == .prior { #expect(a.baseGradient[i] == b.baseGradient[i]) }
      }
    }
  }

  /// AIS with the Float network on the 2-D VAE against quadrature of the same (Float-parameter)
  /// model in Double: within 3 SE, from the prior and from the encoder.
  @Test(arguments: AnnealingStart.allCases)
  func floatNetworkAISMatchesQuadrature(start: AnnealingStart) throws {
    let (single, double, x) = Self.smallVAETargets(start: start, rows: 256)
    try Self.checkAgainstQuadrature(
      ais: single, start: start, exact: Self.quadrature(double), x: x, label: "\(start), Float")
  }

  /// Pilots on fewer temperatures than the main chains: the main step sizes are interpolated
  /// from theirs in β (equal to the pilots' where the temperatures coincide), and AIS stays
  /// exact on the linear-Gaussian model. With as many pilot temperatures as main ones (or
  /// more), the schedule is the pilots' own, step for step.
  @Test func pilotsOnACoarserScheduleKeepAISExact() throws {
    let x = [Self.source.observation(0), Self.source.observation(1)]
    let target = Self.source.makeTarget(start: .prior, maximumRows: 64)
    let fine = AnnealedImportanceSampler(
      try AISSettings(
        temperatures: 200, schedule: .linear, leapfrogSteps: 5, initialStepSize: 0.2, pilotTemperatures: 20))
    let eps = fine.stepSizes(target: target, observations: x, seeds: [1, 2])
    let coarse = AnnealedImportanceSampler(
      try AISSettings(
        temperatures: 20, schedule: .linear, leapfrogSteps: 5, initialStepSize: 0.2, pilotTemperatures: 20))
    let pilotEps = coarse.stepSizes(target: target, observations: x, seeds: [1, 2])
    let same = AnnealedImportanceSampler(
      try AISSettings(
        temperatures: 20, schedule: .linear, leapfrogSteps: 5, initialStepSize: 0.2, pilotTemperatures: 500))
    #expect(same.stepSizes(target: target, observations: x, seeds: [1, 2]) == pilotEps)
    for g in 0..<2 {
      for s in 1..<20 {
        // β = s/20 = 10s/200: the coinciding temperatures take the pilots' step size.
        #expect(abs(eps[g][10 * s] - pilotEps[g][s]) <= 1e-12 * pilotEps[g][s], "observation \(g), pilot step \(s)")
      }
      for t in 1..<200 where t % 10 != 0 && t > 10 && t < 190 {
        let (lo, hi) = (pilotEps[g][t / 10], pilotEps[g][t / 10 + 1])
        #expect(eps[g][t] >= min(lo, hi) * (1 - 1e-12) && eps[g][t] <= max(lo, hi) * (1 + 1e-12), "step \(t)")
      }
    }
    let n = Self.source.instanceCount
    let m = try fine.logWeights(model: Self.source, rows: 0..<n, chains: 32, seed: 5, threads: 2)
    let (mean, se, bias) = Self.error(of: m, exact: Self.source.exactLogEvidence(rows: 0..<n)!)
    #expect(abs(mean - bias) <= 3 * se + 1e-3, "mean error \(mean), SE \(se), bias \(bias)")
  }
}
