import Foundation
import JVICore
import Testing

@testable import JVIModels

/// Hand-written gradients against central finite differences, in Double, on tiny models.
/// Tolerance: |analytic − numeric| ≤ 1e−6·max(1e−3, |numeric|) with h = 1e−5 (the central
/// difference is O(h²) accurate; rounding adds ≈ ε/h).
struct GradientCheckTests {
  static func centralDifference(_ f: (Double) -> Double, at x: Double, h: Double = 1e-5) -> Double {
    (f(x + h) - f(x - h)) / (2 * h)
  }

  /// Compares `analytic[i]` with the central difference of `loss` in parameter i, for every i.
  static func checkEveryParameter(
    _ parameters: UnsafeMutablePointer<Double>, count: Int, analytic: UnsafePointer<Double>,
    loss: () throws -> Double, label: (Int) -> String
  ) rethrows {
    for i in 0..<count {
      let saved = parameters[i], h = 1e-5
      parameters[i] = saved + h
      let up = try loss()
      parameters[i] = saved - h
      let down = try loss()
      parameters[i] = saved
      expectClose(analytic[i], (up - down) / (2 * h), label(i))
    }
  }

  static func expectClose(_ analytic: Double, _ numeric: Double, _ what: String) {
    #expect(
      abs(analytic - numeric) <= 1e-6 * max(1e-3, abs(numeric)) + 1e-9,
      "\(what): analytic \(analytic), numeric \(numeric)")
  }

  @Test(arguments: Activation.allCases)
  func mlpGradientsMatchFiniteDifferences(activation: Activation) {
    var layout = ParameterLayout()
    let mlp = MLP(sizes: [5, 4, 3, 2], activation: activation, name: "net", layout: &layout)
    var g = Xoshiro256StarStar(seed: 1)
    let rows = 3
    let params = ScalarBuffer<Double>(count: layout.count)
    mlp.initialize(params.pointer, using: &g)
    for i in 0..<layout.count { params.pointer[i] += 0.1 * (Sampling.uniform(using: &g) - 0.5) }
    var input = (0..<(rows * 5)).map { _ in 2 * Sampling.uniform(using: &g) - 1 }
    let target = (0..<(rows * 2)).map { _ in Sampling.uniform(using: &g) }
    let state = MLPState<Double>(mlp, maximumRows: rows)
    // Loss: Σ target ⊙ output (linear in the output, so dL/dout = target).
    func loss() -> Double {
      input.withUnsafeBufferPointer { x in
        let out = mlp.forward(x.baseAddress!, rows: rows, parameters: params.pointer, state: state)
        return (0..<(rows * 2)).reduce(0.0) { $0 + target[$1] * out[$1] }
      }
    }
    _ = loss()
    let grads = ScalarBuffer<Double>(count: layout.count)
    let dOut = ScalarBuffer<Double>(count: rows * 2)
    for i in 0..<(rows * 2) { dOut.pointer[i] = target[i] }
    let dInput = ScalarBuffer<Double>(count: rows * 5)
    mlp.backward(
      outputGradient: dOut.pointer, rows: rows, parameters: params.pointer, gradients: grads.pointer,
      inputGradient: dInput.pointer, state: state)
    for i in 0..<layout.count {
      let saved = params.pointer[i]
      let numeric = Self.centralDifference(
        { v in
          params.pointer[i] = v
          return loss()
        }, at: saved)
      params.pointer[i] = saved
      Self.expectClose(grads.pointer[i], numeric, "\(activation) parameter \(i)")
    }
    for i in 0..<(rows * 5) {
      let saved = input[i]
      let numeric = Self.centralDifference(
        { v in
          input[i] = v
          return loss()
        }, at: saved)
      input[i] = saved
      Self.expectClose(dInput.pointer[i], numeric, "\(activation) input \(i)")
    }
  }

  #if arch(x86_64)
    @Test func bernoulliGradientIsTargetMinusSigmoid() {
      var logits: [Double] = [-30, -2.5, -0.1, 0, 0.3, 4, 35]
      let targets: [Double] = [0, 1, 1, 0, 1, 0, 1]
      func value() -> Double {
        var out = 0.0
        logits.withUnsafeBufferPointer { l in
          targets.withUnsafeBufferPointer { t in
            Double.bernoulliLogLikelihood(
              logits: l.baseAddress!, targets: t.baseAddress!, targetRowStride: 7, rows: 1, columns: 7, into: &out,
              gradient: nil, gradientScale: nil)
          }
        }
        return out
      }
      var grad = [Double](repeating: 0, count: 7)
      var out = 0.0
      logits.withUnsafeBufferPointer { l in
        targets.withUnsafeBufferPointer { t in
          grad.withUnsafeMutableBufferPointer { gp in
            Double.bernoulliLogLikelihood(
              logits: l.baseAddress!, targets: t.baseAddress!, targetRowStride: 7, rows: 1, columns: 7, into: &out,
              gradient: gp.baseAddress!, gradientScale: nil)
          }
        }
      }
      // The value itself: Σ log σ(ℓ) for t = 1, log(1 − σ(ℓ)) for t = 0, against Float80.
      var truth: Float80 = 0
      for (l, t) in zip(logits, targets) {
        let x = Float80(l)
        truth += t == 1 ? -Foundation.log1p(Foundation.exp(-x)) : -Foundation.log1p(Foundation.exp(x))
      }
      #expect(abs(out - Double(truth)) < 1e-13)
      for i in 0..<7 {
        let saved = logits[i]
        let numeric = Self.centralDifference(
          { v in
            logits[i] = v
            return value()
          }, at: saved)
        logits[i] = saved
        Self.expectClose(grad[i], numeric, "logit \(i)")
      }
    }
  #endif

  @Test(arguments: [(2, 4), (1, 6), (3, 5)])
  func jackknifeWeightsAreTheGradientOfTheEstimator(orderAndK: (Int, Int)) throws {
    let (m, k) = orderAndK
    var g = Xoshiro256StarStar(seed: UInt64(10 * m + k))
    for sigma in [0.5, 2.0] {
      var x = (0..<k).map { _ in sigma * Sampling.standardNormal(using: &g) - 50 }
      let w = try JackknifeGradientWeights(sampleCount: k, order: m)
      var out = [Double](repeating: 0, count: k), scratch = [Double](repeating: 0, count: 3 * k)
      x.withUnsafeBufferPointer { p in
        out.withUnsafeMutableBufferPointer { o in
          scratch.withUnsafeMutableBufferPointer { w.weights(p, into: o, scratch: $0) }
        }
      }
      #expect(abs(out.reduce(0, +) - 1) < 1e-12)
      for i in 0..<k {
        let saved = x[i]
        let numeric = Self.centralDifference(
          { v in
            x[i] = v
            return (try? Jackknife.value(x, order: m)) ?? .nan
          }, at: saved)
        x[i] = saved
        Self.expectClose(out[i], numeric, "m=\(m) K=\(k) σ=\(sigma) weight \(i)")
      }
    }
    // Order 0: the IWAE weights.
    let x = [0.0, -1, -2]
    var out = [0.0, 0, 0], scratch = [Double](repeating: 0, count: 6)
    let w0 = try JackknifeGradientWeights(sampleCount: 3, order: 0)
    x.withUnsafeBufferPointer { p in
      out.withUnsafeMutableBufferPointer { o in
        scratch.withUnsafeMutableBufferPointer { w0.weights(p, into: o, scratch: $0) }
      }
    }
    let total = 1 + exp(-1.0) + exp(-2.0)
    #expect(abs(out[0] - 1 / total) < 1e-15 && abs(out[2] - exp(-2.0) / total) < 1e-15)
  }

  static let objectives: [(VAEObjective, Int)] = [
    (.elboMonteCarlo, 1), (.elboMonteCarlo, 3), (.elboAnalyticKL, 3), (.iwae, 4), (.jackknife(order: 1), 4),
    (.jackknife(order: 2), 5), (.jackknife(order: 3), 6), (.miwae(groups: 2), 4), (.miwae(groups: 3), 6),
    (.ciwae(beta: 0.3), 4), (.renyi(alpha: 0.5), 4), (.renyi(alpha: -1), 3), (.renyi(alpha: 1), 3),
    (.renyi(alpha: 2.5), 3),
  ]

  /// The whole loss −(1/B) Σ_b objective_b of a tiny VAE, with the noise ε held fixed.
  @Test(arguments: Self.objectives)
  func vaeObjectiveGradientsMatchFiniteDifferences(objective: VAEObjective, k: Int) throws {
    for activation in [Activation.tanh, .softplus] {
      let model = GaussianVAE(
        VAEArchitecture(inputSize: 7, hiddenSizes: [5, 4], latentSize: 3, activation: activation))
      let params = model.initialParameters(seed: 3, as: Double.self)
      var g = Xoshiro256StarStar(seed: 4)
      for i in 0..<model.parameterCount { params.pointer[i] += 0.2 * (Sampling.uniform(using: &g) - 0.5) }
      let images = 3
      let x = (0..<(images * 7)).map { _ in Sampling.uniform(using: &g) < 0.4 ? 1.0 : 0.0 }
      let state = GaussianVAEBatchState<Double>(model, maximumImages: images, samples: k)
      var noise = Xoshiro256StarStar(seed: 5)
      state.drawNoise(images: images, latentSize: 3, using: &noise)
      let lossScale = 1.0 / Double(images)
      func loss() throws -> Double {
        try x.withUnsafeBufferPointer { xp in
          -lossScale
            * (try model.objective(
              objective, images: xp.baseAddress!, count: images, parameters: params.pointer, state: state))
            .objectiveSum
        }
      }
      let grads = ScalarBuffer<Double>(count: model.parameterCount)
      _ = try x.withUnsafeBufferPointer { xp in
        try model.objective(
          objective, images: xp.baseAddress!, count: images, parameters: params.pointer, state: state,
          gradients: grads.pointer, lossScale: lossScale)
      }
      for i in 0..<model.parameterCount {
        let saved = params.pointer[i]
        let numeric = Self.centralDifference(
          { v in
            params.pointer[i] = v
            return (try? loss()) ?? .nan
          }, at: saved)
        params.pointer[i] = saved
        Self.expectClose(
          grads.pointer[i], numeric,
          "\(objective) k=\(k) \(activation) parameter \(i) (\(model.layout.tensors.last { $0.offset <= i }!.name))")
      }
    }
  }
}
