import JVICore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A VAE with binary latents b ∈ {0, 1}^d, trained by VIMCO (Mnih & Rezende 2016):
///
///     prior b ~ Bernoulli(logits = 0),  q(b | x) = Π_j Bernoulli(b_j | σ(G_φ(x)_j)),
///     p(x | b) = Bernoulli(x | F_θ(b)) on logits,  w = p(x | b) p(b)/q(b | x).
///
/// The networks are the discrete-latent VAE's (`DiscreteVAE`, the same layout and the same
/// evaluation of the binary model: `DiscreteVAE.LatentKind.discrete`), so a model trained by the
/// Binary Concrete relaxation and one trained by VIMCO are compared on the same footing. Samples
/// are drawn as b = 1[G + L > 0] with logistic noise L (exactly Bernoulli(σ(G))).
///
/// The objective is IWAE_k = log (1/k) Σ_s w_s. Its gradient cannot pass through b, so VIMCO
/// writes it as score functions with a leave-one-out control variate per sample:
///
///     ∇ = Σ_s w̃_s ∇_θ log p(x | b_s)  +  Σ_s (L − L̂_{−s} − w̃_s) ∇_φ log q(b_s | x),
///     L̂_{−s} = log (1/k)(Σ_{t≠s} w_t + exp(mean_{t≠s} log w_t)),
///
/// sample s's weight replaced by the geometric mean of the others. The control variate does not
/// depend on b_s, so the estimator is unbiased for ∇E[IWAE_k] (checked exactly, by enumeration,
/// on a model with 3 binary latents). ∂log q(b | x)/∂G_j = b_j − σ(G_j).
///
/// L − L̂_{−s} = −log(ρ_s + exp(ḡ_{−s} − log W)) with ρ_s = Σ_{t≠s} w_t/W from
/// `LogSpace.leaveOneOutLogShares` (never 1 − w̃_s) and ḡ_{−s} from prefix and suffix sums of the
/// log-weights (no subtraction from a total). Needs k ≥ 2.
public struct BernoulliVAE: Sendable, Equatable {
  public let network: DiscreteVAE

  public init(_ architecture: VAEArchitecture) {
    network = DiscreteVAE(architecture, schedule: TemperatureSchedule())
  }

  public var architecture: VAEArchitecture { network.architecture }
  public var parameterCount: Int { network.parameterCount }

  /// VIMCO's weights for one image's k log-weights: w̃_s into `sampleWeights` and the score
  /// coefficients L − L̂_{−s} − w̃_s into `scoreWeights`; returns IWAE_k. `scratch` holds ≥ k.
  static func vimcoWeights(
    _ x: UnsafeBufferPointer<Double>, sampleWeights: UnsafeMutableBufferPointer<Double>,
    scoreWeights: UnsafeMutableBufferPointer<Double>, scratch: UnsafeMutableBufferPointer<Double>
  ) -> Double {
    let k = x.count
    precondition(k >= 2, "VIMCO needs at least 2 samples per image, got \(k)")
    let iwae = LogSpace.logMeanExp(x)
    LogSpace.normalizedWeights(x, into: sampleWeights)
    let logW = iwae + log(Double(k))
    let logShares = UnsafeMutableBufferPointer(rebasing: scratch[0..<k])
    LogSpace.leaveOneOutLogShares(x, into: logShares)
    // ḡ_{−s} = (Σ_{t<s} ℓ_t + Σ_{t>s} ℓ_t)/(k − 1): suffix sums in scoreWeights, prefix running.
    var suffix = 0.0
    for s in stride(from: k - 1, through: 0, by: -1) {
      scoreWeights[s] = suffix
      suffix += x[s]
    }
    var prefix = 0.0
    for s in 0..<k {
      let geometric = (prefix + scoreWeights[s]) / Double(k - 1) - logW
      prefix += x[s]
      // −log(ρ_s + e^{geometric}), in log space.
      let a = logShares[s], b = geometric
      let hi = max(a, b), lo = min(a, b)
      let logSum = hi == -.infinity ? -Double.infinity : hi + log1p(exp(lo - hi))
      scoreWeights[s] = -logSum - sampleWeights[s]
    }
    return iwae
  }

  /// IWAE_k on `count` images with the logistic noise in `state.noise` and, with `gradients`,
  /// VIMCO's gradient of −lossScale·Σ IWAE_k accumulated into it.
  public func objective<T: NetworkScalar>(
    images x: UnsafePointer<T>, count: Int, parameters: UnsafePointer<T>, state: DiscreteVAEBatchState<T>,
    gradients: UnsafeMutablePointer<T>? = nil, lossScale: Double = 1
  ) -> ObjectiveValue {
    let d = architecture.latentSize, input = architecture.inputSize, k = state.samples
    network.forward(
      images: x, count: count, parameters: parameters, state: state, latent: .discrete,
      keepGradients: gradients != nil)
    var value = ObjectiveValue(images: count)
    let lw = state.logWeights.pointer, g = state.sampleWeights.pointer, c = state.encoderWeights.pointer
    let scratch = state.weightScratch.buffer
    for b in 0..<count {
      let row = UnsafeBufferPointer(start: lw + b * k, count: k)
      value.elboSum += LogSpace.shiftedMean(row)
      value.objectiveSum += Self.vimcoWeights(
        row, sampleWeights: UnsafeMutableBufferPointer(start: g + b * k, count: k),
        scoreWeights: UnsafeMutableBufferPointer(start: c + b * k, count: k), scratch: scratch)
    }
    guard let gradients else { return value }
    // Decoder: −lossScale·w̃_s·(x − σ(logits)) per row, parameters only (b is not differentiable).
    let rows = count * k, dLogits = state.dLogits.pointer
    for r in 0..<rows {
      let scale = T(-lossScale * g[r])
      let p = dLogits + r * input
      for j in 0..<input { p[j] *= scale }
    }
    network.decoder.backward(
      outputGradient: dLogits, rows: rows, parameters: parameters, gradients: gradients, inputGradient: nil,
      state: state.decoder)
    // Encoder: ∂loss/∂G_j = −lossScale Σ_s c_s (b_sj − σ(G_j)).
    let logits = state.encoder.preActivations[network.encoder.layers.count - 1].pointer
    let sigma = state.scratchB.pointer, bits = state.latent.pointer, dEnc = state.dEncoderOutput.pointer
    T.sigmoid(UnsafePointer(logits), sigma, count: count * d)
    for image in 0..<count {
      for j in 0..<d {
        var total = 0.0
        for s in 0..<k {
          let r = image * k + s
          total += c[r] * (Double(bits[r * d + j]) - Double(sigma[image * d + j]))
        }
        dEnc[image * d + j] = T(-lossScale * total)
      }
    }
    network.encoder.backward(
      outputGradient: dEnc, rows: count, parameters: parameters, gradients: gradients, inputGradient: nil,
      state: state.encoder)
    return value
  }
}

extension BernoulliVAE: TrainableImageModel {
  public var inputSize: Int { architecture.inputSize }
  public var description: String { "bernoulli-vae \(architecture.description)" }
  public func supports(_ objective: VAEObjective) -> Bool { objective == .vimco }
  public func supports(_ gradient: VAEGradientEstimator) -> Bool { gradient == .standard }

  // Parameters, states and noise are the discrete VAE's (the same networks and logistic noise).
  public func initialParameters(seed: UInt64, scheme: Initialization) -> ScalarBuffer<Float> {
    network.initialParameters(seed: seed, scheme: scheme)
  }

  public func makeTrainingState(maximumImages: Int, samples: Int) -> DiscreteVAEBatchState<Float> {
    network.makeTrainingState(maximumImages: maximumImages, samples: samples)
  }

  public func drawTrainingNoise(_ state: DiscreteVAEBatchState<Float>, images: Int, using g: inout Xoshiro256StarStar) {
    network.drawTrainingNoise(state, images: images, using: &g)
  }

  public func drawEvaluationNoise(
    _ state: DiscreteVAEBatchState<Float>, slot j: Int, using g: inout Xoshiro256StarStar
  ) {
    network.drawEvaluationNoise(state, slot: j, using: &g)
  }

  /// VIMCO for `.vimco`; the per-epoch validation figure asks for the ELBO, which is the mean of
  /// the same log-weights.
  public func trainingObjective(
    _ objective: VAEObjective, gradient: VAEGradientEstimator, images: UnsafePointer<Float>, count: Int,
    parameters: UnsafePointer<Float>, state: DiscreteVAEBatchState<Float>, gradients: UnsafeMutablePointer<Float>?,
    lossScale: Double, jackknifeWeights: JackknifeGradientWeights?
  ) throws(EstimatorError) -> ObjectiveValue {
    if objective != .vimco {
      guard gradients == nil else {
        throw .invalidConfiguration("the bernoulli-vae trains by vimco only, not \(objective.name)")
      }
      network.forward(images: images, count: count, parameters: parameters, state: state, latent: .discrete)
      return try VAEObjectiveWeights.evaluate(
        objective, logWeights: state.logWeights.pointer, images: count, samples: state.samples, weights: nil,
        scratch: state.weightScratch.buffer, workspace: state.estimatorWorkspace, jackknifeWeights: nil)
    }
    return self.objective(
      images: images, count: count, parameters: parameters, state: state, gradients: gradients, lossScale: lossScale)
  }
}
