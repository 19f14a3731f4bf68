import JVICore

extension DiscreteVAE: TrainableImageModel {
  public var inputSize: Int { architecture.inputSize }
  public var description: String { "discrete-vae \(architecture.description) tau=\(temperature)" }
  /// Every objective but ELBO-B (no analytic KL) and PIWAE (whose encoder and decoder need
  /// separate sample weights, which this model's single backward pass does not split).
  public func supports(_ objective: VAEObjective) -> Bool {
    if case .piwae = objective { return false }
    return objective != .elboAnalyticKL
  }
  /// The standard estimator only: the relaxed posterior is not a location-scale Gaussian.
  public func supports(_ gradient: VAEGradientEstimator) -> Bool { gradient == .standard }

  public func initialParameters(seed: UInt64, scheme: Initialization) -> ScalarBuffer<Float> {
    initialParameters(seed: seed, scheme: scheme, as: Float.self)
  }

  public func makeTrainingState(maximumImages: Int, samples: Int) -> DiscreteVAEBatchState<Float> {
    DiscreteVAEBatchState(self, maximumImages: maximumImages, samples: samples)
  }

  public func drawTrainingNoise(
    _ state: DiscreteVAEBatchState<Float>, images: Int, using g: inout Xoshiro256StarStar
  ) {
    state.drawNoise(offset: 0, count: images * state.samples * architecture.latentSize, using: &g)
  }

  public func drawEvaluationNoise(
    _ state: DiscreteVAEBatchState<Float>, slot j: Int, using g: inout Xoshiro256StarStar
  ) {
    let n = state.samples * architecture.latentSize
    state.drawNoise(offset: j * n, count: n, using: &g)
  }

  public func trainingObjective(
    _ objective: VAEObjective, gradient: VAEGradientEstimator, images: UnsafePointer<Float>, count: Int,
    parameters: UnsafePointer<Float>, state: DiscreteVAEBatchState<Float>, gradients: UnsafeMutablePointer<Float>?,
    lossScale: Double, jackknifeWeights: JackknifeGradientWeights?
  ) throws(EstimatorError) -> ObjectiveValue {
    precondition(gradient == .standard, "the discrete VAE implements the standard gradient only")
    return try self.objective(
      objective, images: images, count: count, parameters: parameters, state: state, gradients: gradients,
      lossScale: lossScale, jackknifeWeights: jackknifeWeights)
  }

  /// The model with the temperature of optimiser step `step`.
  public func atStep(_ step: Int) -> DiscreteVAE {
    schedule.decayRate == 0 ? self : DiscreteVAE(architecture, schedule: schedule, step: step)
  }
}
