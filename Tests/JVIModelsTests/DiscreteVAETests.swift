import Foundation
import JVICore
import Testing
import _TestSupport

@testable import JVIModels

/// The discrete-latent VAE: its samplers against their exact CDFs, its log-densities against
/// their definitions, its gradients against finite differences, and its two kinds of
/// log-weights against exact evidences (enumeration over b, quadrature over z).
@Suite struct DiscreteVAETests {
  /// The Kolmogorov–Smirnov statistic sup |F_n − F| of `samples` against `cdf`.
  static func ksStatistic(_ samples: [Double], _ cdf: (Double) -> Double) -> Double {
    let sorted = samples.sorted(), n = Double(sorted.count)
    var d = 0.0
    for (i, x) in sorted.enumerated() {
      let f = cdf(x)
      d = max(d, abs(Double(i + 1) / n - f), abs(f - Double(i) / n))
    }
    return d
  }

  /// KS at α = 0.001: D_n ≤ 1.95/√n.
  static func ksCritical(_ n: Int) -> Double { 1.95 / Double(n).squareRoot() }

  @Test func logisticAndBinaryConcreteSamplersMatchTheirCDFs() {
    var g = Xoshiro256StarStar(seed: 11)
    let n = 100_000
    let l = (0..<n).map { _ in DiscreteVAE.logisticNoise(using: &g) }
    #expect(Self.ksStatistic(l, { 1 / (1 + exp(-$0)) }) <= Self.ksCritical(n))
    // y = σ((log α + L)/τ) ~ BinConcrete(α, τ): P(Y ≤ y) = σ(τ·logit(y) − log α).
    for (logAlpha, tau) in [(0.0, 0.5), (1.3, 0.5), (-2.0, 2.0)] {
      let y = l.map { 1 / (1 + exp(-(logAlpha + $0) / tau)) }
      let cdf: (Double) -> Double = { v in 1 / (1 + exp(-(tau * log(v / (1 - v)) - logAlpha))) }
      #expect(Self.ksStatistic(y, cdf) <= Self.ksCritical(n), "log α \(logAlpha), τ \(tau)")
      // The hard sample b = 1[log α + L > 0] ~ Bernoulli(σ(log α)).
      let ones = Double(l.filter { logAlpha + $0 > 0 }.count) / Double(n)
      let p = 1 / (1 + exp(-logAlpha))
      #expect(abs(ones - p) <= 4 * (p * (1 - p) / Double(n)).squareRoot())
    }
  }

  #if arch(x86_64)
    static func logLogistic(_ z: Double, location: Double, scale: Double) -> Double {
      // The definition: e^{−(z−μ)/s} / (s (1 + e^{−(z−μ)/s})²), in Float80.
      let t = Float80((z - location) / scale)
      return Double(-t - Float80(log(scale)) - 2 * Float80(log1p(Double(exp(-t)))))
    }
  #endif

  #if arch(x86_64)
    /// log p(z) − log q(z) of the forward pass equals the two Logistic log-densities of the definition,
    /// and d/dz log Logistic(z; 0, 1/τ) = τ(1 − 2σ(τz)) matches finite differences.
    @Test func logisticLogDensitiesMatchTheirDefinition() {
      let a = VAEArchitecture(inputSize: 6, hiddenSizes: [4], latentSize: 3, activation: .tanh)
      let tau = 0.7
      let model = DiscreteVAE(a, schedule: TemperatureSchedule(initial: tau))
      let params = model.initialParameters(seed: 2, scheme: .glorot, as: Double.self)
      let state = DiscreteVAEBatchState<Double>(model, maximumImages: 1, samples: 5)
      var g = Xoshiro256StarStar(seed: 3)
      state.drawNoise(offset: 0, count: 15, using: &g)
      let x: [Double] = [1, 0, 1, 1, 0, 0]
      x.withUnsafeBufferPointer {
        model.forward(images: $0.baseAddress!, count: 1, parameters: params.pointer, state: state)
      }
      let encoderState = MLPState<Double>(model.encoder, maximumRows: 1)
      let logits = x.withUnsafeBufferPointer {
        Array(
          UnsafeBufferPointer(
            start: model.encoder.forward($0.baseAddress!, rows: 1, parameters: params.pointer, state: encoderState),
            count: 3))
      }
      for s in 0..<5 {
        var expected = 0.0
        for j in 0..<3 {
          let z = (logits[j] + state.noise.pointer[s * 3 + j]) / tau
          expected +=
            Self.logLogistic(z, location: 0, scale: 1 / tau)
            - Self.logLogistic(z, location: logits[j] / tau, scale: 1 / tau)
        }
        #expect(abs(state.logPriorRatio.pointer[s] - expected) <= 1e-12 * max(1, abs(expected)))
      }
      for z in [-9.0, -1.2, 0, 0.4, 7.5] {
        let h = 1e-5
        let numeric =
          (Self.logLogistic(z + h, location: 0, scale: 1 / tau) - Self.logLogistic(z - h, location: 0, scale: 1 / tau))
          / (2 * h)
        let analytic = tau * (1 - 2 / (1 + exp(-tau * z)))
        #expect(abs(numeric - analytic) <= 1e-8)
      }
    }
  #endif

  /// The whole loss −(1/B) Σ objective of a tiny discrete VAE, with the logistic noise fixed.
  @Test(arguments: [
    (VAEObjective.elboMonteCarlo, 1), (.elboMonteCarlo, 3), (.iwae, 4), (.jackknife(order: 1), 4),
    (.jackknife(order: 2), 5),
  ])
  func objectiveGradientsMatchFiniteDifferences(objective: VAEObjective, k: Int) throws {
    let a = VAEArchitecture(inputSize: 7, hiddenSizes: [5], latentSize: 3, activation: .tanh)
    let model = DiscreteVAE(a, schedule: TemperatureSchedule(initial: 0.6))
    let params = model.initialParameters(seed: 3, scheme: .glorot, as: Double.self)
    var g = Xoshiro256StarStar(seed: 4)
    for i in 0..<model.parameterCount { params.pointer[i] += 0.3 * (Sampling.uniform(using: &g) - 0.5) }
    let images = 3
    let x = (0..<(images * 7)).map { _ in Sampling.uniform(using: &g) < 0.4 ? 1.0 : 0.0 }
    let state = DiscreteVAEBatchState<Double>(model, maximumImages: images, samples: k)
    state.drawNoise(offset: 0, count: images * k * 3, using: &g)
    let lossScale = 1.0 / Double(images)
    func loss() throws -> Double {
      try x.withUnsafeBufferPointer { xp in
        -lossScale
          * (try model.objective(
            objective, images: xp.baseAddress!, count: images, parameters: params.pointer, state: state)).objectiveSum
      }
    }
    let grads = ScalarBuffer<Double>(count: model.parameterCount)
    _ = try x.withUnsafeBufferPointer { xp in
      try model.objective(
        objective, images: xp.baseAddress!, count: images, parameters: params.pointer, state: state,
        gradients: grads.pointer, lossScale: lossScale)
    }
    try GradientCheckTests.checkEveryParameter(
      params.pointer, count: model.parameterCount, analytic: grads.pointer, loss: loss,
      label: { "\(objective) k=\(k) parameter \($0)" })
  }

  @Test func elboBIsRefusedWithAClearError() throws {
    let model = DiscreteVAE(
      VAEArchitecture(inputSize: 4, hiddenSizes: [3], latentSize: 2), schedule: TemperatureSchedule())
    let params = model.initialParameters(seed: 1, scheme: .glorot, as: Double.self)
    let state = DiscreteVAEBatchState<Double>(model, maximumImages: 1, samples: 2)
    let x = [1.0, 0, 0, 1]
    #expect(throws: EstimatorError.self) {
      try x.withUnsafeBufferPointer {
        try model.objective(
          .elboAnalyticKL, images: $0.baseAddress!, count: 1, parameters: params.pointer, state: state)
      }
    }
    #expect(!model.supports(.elboAnalyticKL) && model.supports(.iwae))
  }

  /// Log-weights are unbiased for the evidence: E_q[w] = p(x). For the hard model p(x) is a sum over
  /// all 2^d binary latents; for the relaxed model with d = 1 a quadrature over z. The mean of
  /// w/p(x) over 200,000 samples is 1 within 4 standard errors.
  @Test func logWeightsAreUnbiasedForTheExactEvidence() throws {
    for (d, kind) in [(3, DiscreteVAE.LatentKind.discrete), (1, .relaxed), (1, .discrete)] {
      let a = VAEArchitecture(inputSize: 5, hiddenSizes: [4], latentSize: d, activation: .tanh)
      let tau = 0.8
      let model = DiscreteVAE(a, schedule: TemperatureSchedule(initial: tau))
      let params = model.initialParameters(seed: 7, scheme: .glorot, as: Double.self)
      var g = Xoshiro256StarStar(seed: 8)
      for i in 0..<model.parameterCount { params.pointer[i] += 0.8 * (Sampling.uniform(using: &g) - 0.5) }
      let x: [Double] = [1, 0, 1, 0, 0]
      let exact = Self.logEvidence(model, params: params, x: x, kind: kind, tau: tau)
      let k = 200_000
      let state = DiscreteVAEBatchState<Double>(model, maximumImages: 1, samples: k)
      state.drawNoise(offset: 0, count: k * d, using: &g)
      x.withUnsafeBufferPointer {
        model.forward(images: $0.baseAddress!, count: 1, parameters: params.pointer, state: state, latent: kind)
      }
      let ratios = (0..<k).map { exp(state.logWeights.pointer[$0] - exact) }
      let mean = ratios.reduce(0, +) / Double(k)
      let sd = (ratios.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(k - 1)).squareRoot()
      #expect(
        abs(mean - 1) <= 4 * sd / Double(k).squareRoot(),
        "d = \(d) \(kind): E[w/p] = \(mean) ± \(sd / Double(k).squareRoot())")
    }
  }

  /// log p(x): Σ_b 2^−d p(x|b) (discrete) or ∫ Logistic(z; 0, 1/τ) p(x|σ(z)) dz for d = 1 (relaxed,
  /// trapezoid rule in u = τz over [−40, 40]).
  static func logEvidence(
    _ model: DiscreteVAE, params: ScalarBuffer<Double>, x: [Double], kind: DiscreteVAE.LatentKind, tau: Double
  ) -> Double {
    let d = model.architecture.latentSize
    let state = MLPState<Double>(model.decoder, maximumRows: 1)
    func logLikelihood(_ y: [Double]) -> Double {
      let logits = y.withUnsafeBufferPointer {
        model.decoder.forward($0.baseAddress!, rows: 1, parameters: params.pointer, state: state)
      }
      var s = 0.0
      for j in 0..<x.count { s -= log1p(exp(-(2 * x[j] - 1) * logits[j])) }
      return s
    }
    var total = 0.0
    switch kind {
    case .discrete:
      for code in 0..<(1 << d) {
        let b = (0..<d).map { Double((code >> $0) & 1) }
        total += exp(logLikelihood(b) - Double(d) * log(2))
      }
    case .relaxed:
      let steps = 400_000, h = 80.0 / Double(steps)
      for i in 0...steps {
        let u = -40 + Double(i) * h  // u = τz; density of u is Logistic(0, 1)
        let density = exp(-abs(u)) / ((1 + exp(-abs(u))) * (1 + exp(-abs(u))))
        let weight = (i == 0 || i == steps) ? 0.5 : 1
        total += weight * h * density * exp(logLikelihood([1 / (1 + exp(-u / tau))]))
      }
    }
    return log(total)
  }

  @Test func temperatureScheduleAnnealsToItsFloor() {
    let s = TemperatureSchedule(initial: 1, decayRate: 1e-3, minimum: 0.5)
    #expect(s.temperature(atStep: 0) == 1)
    #expect(abs(s.temperature(atStep: 100) - exp(-0.1)) < 1e-15)
    #expect(s.temperature(atStep: 1_000_000) == 0.5)
    #expect(TemperatureSchedule(initial: 0.5).temperature(atStep: 10_000) == 0.5)
    let model = DiscreteVAE(VAEArchitecture(), schedule: s)
    #expect(model.atStep(100).temperature == s.temperature(atStep: 100))
  }
}
