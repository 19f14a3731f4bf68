import Foundation
import JVICore
import Testing

@testable import JVIModels

/// The Bernoulli VAE's VIMCO gradient: unbiased for ∇E[IWAE_k], checked exactly by enumerating
/// every configuration of the k samples' binary latents (d = 3: 8^k configurations) — the
/// expected VIMCO gradient, Σ_configs Π_s q(b_s|x)·gradient(b), against central differences of
/// the exact expectation Σ_configs Π_s q(b_s|x)·IWAE_k(b) — and its control variates against
/// their definition.
struct BernoulliVAETests {
  static let architecture = VAEArchitecture(inputSize: 5, hiddenSizes: [4], latentSize: 3, activation: .tanh)

  static func setup(seed: UInt64) -> (BernoulliVAE, ScalarBuffer<Double>, [Double]) {
    let model = BernoulliVAE(architecture)
    let params = model.network.initialParameters(seed: seed, scheme: .glorot, as: Double.self)
    var g = Xoshiro256StarStar(seed: seed + 1)
    for i in 0..<model.parameterCount { params.pointer[i] += 0.5 * (Sampling.uniform(using: &g) - 0.5) }
    let x = (0..<5).map { _ in Sampling.uniform(using: &g) < 0.5 ? 1.0 : 0.0 }
    return (model, params, x)
  }

  /// Forces sample s's latents to the bits of configuration `config` (3 bits per sample) through
  /// logistic noise far beyond the logits.
  static func force(_ state: DiscreteVAEBatchState<Double>, config: Int, k: Int) {
    for s in 0..<k {
      for j in 0..<3 { state.noise.pointer[s * 3 + j] = (config >> (3 * s + j)) & 1 == 1 ? 60 : -60 }
    }
  }

  /// Σ_configs Π_s q(b_s|x)·IWAE_k(b): the exact expected objective.
  static func expectedObjective(_ model: BernoulliVAE, _ p: UnsafePointer<Double>, _ x: [Double], k: Int) -> Double {
    let state = DiscreteVAEBatchState<Double>(model.network, maximumImages: 1, samples: k)
    var total = 0.0
    for config in 0..<(1 << (3 * k)) {
      force(state, config: config, k: k)
      let value = x.withUnsafeBufferPointer {
        model.objective(images: $0.baseAddress!, count: 1, parameters: p, state: state)
      }
      total += probability(state, config: config, k: k) * value.objectiveSum
    }
    return total
  }

  /// Π_s q(b_s | x) from the encoder's logits G in `state` (after a forward pass).
  static func probability(_ state: DiscreteVAEBatchState<Double>, config: Int, k: Int) -> Double {
    let logits = state.encoder.preActivations[state.encoder.preActivations.count - 1].pointer
    var p = 1.0
    for s in 0..<k {
      for j in 0..<3 {
        let sign = (config >> (3 * s + j)) & 1 == 1 ? 1.0 : -1.0
        p *= 1 / (1 + exp(-sign * logits[j]))
      }
    }
    return p
  }

  @Test(arguments: [2, 3])
  func vimcoIsUnbiasedForTheIWAEGradientByEnumeration(k: Int) throws {
    let (model, params, x) = Self.setup(seed: UInt64(20 + k))
    let state = DiscreteVAEBatchState<Double>(model.network, maximumImages: 1, samples: k)
    let n = model.parameterCount
    var expected = [Double](repeating: 0, count: n)
    let grads = ScalarBuffer<Double>(count: n)
    for config in 0..<(1 << (3 * k)) {
      Self.force(state, config: config, k: k)
      grads.fill(0)
      _ = x.withUnsafeBufferPointer {
        model.objective(
          images: $0.baseAddress!, count: 1, parameters: params.pointer, state: state, gradients: grads.pointer)
      }
      let p = Self.probability(state, config: config, k: k)
      for i in 0..<n { expected[i] += p * grads.pointer[i] }
    }
    // The loss is −IWAE: its exact gradient is −∇E[IWAE_k].
    for i in 0..<n {
      let saved = params.pointer[i], h = 1e-5
      params.pointer[i] = saved + h
      let up = Self.expectedObjective(model, params.pointer, x, k: k)
      params.pointer[i] = saved - h
      let down = Self.expectedObjective(model, params.pointer, x, k: k)
      params.pointer[i] = saved
      GradientCheckTests.expectClose(expected[i], -(up - down) / (2 * h), "k=\(k) parameter \(i)")
    }
  }

  #if arch(x86_64)
    /// L − L̂_{−s} against its definition: log of the mean over the k weights minus the log of the
    /// mean with w_s replaced by the geometric mean of the others, in Float80.
    @Test func controlVariatesMatchTheirDefinition() {
      var g = Xoshiro256StarStar(seed: 5)
      for spread in [0.1, 2.0, 30.0] {
        for k in [2, 3, 7] {
          let x = (0..<k).map { _ in spread * Sampling.standardNormal(using: &g) - 100 }
          var weights = [Double](repeating: 0, count: k), scores = weights, scratch = weights
          let iwae = x.withUnsafeBufferPointer { row in
            weights.withUnsafeMutableBufferPointer { w in
              scores.withUnsafeMutableBufferPointer { c in
                scratch.withUnsafeMutableBufferPointer {
                  BernoulliVAE.vimcoWeights(row, sampleWeights: w, scoreWeights: c, scratch: $0)
                }
              }
            }
          }
          let e = x.map { Foundation.exp(Float80($0 + 100)) }
          let total = e.reduce(0, +)
          #expect(abs(iwae - (Double(Foundation.log(total / Float80(k))) - 100)) <= 1e-12)
          for s in 0..<k {
            let others = (0..<k).filter { $0 != s }
            let geometric = Foundation.exp(others.map { Float80(x[$0] + 100) }.reduce(0, +) / Float80(k - 1))
            let replaced = others.map { e[$0] }.reduce(0, +) + geometric
            let truth = Double(Foundation.log(total) - Foundation.log(replaced)) - Double(e[s] / total)
            #expect(
              abs(scores[s] - truth) <= 1e-12 * max(1, abs(truth)),
              "spread \(spread) k \(k) s \(s): \(scores[s]) vs \(truth)")
          }
        }
      }
    }
  #endif
}
