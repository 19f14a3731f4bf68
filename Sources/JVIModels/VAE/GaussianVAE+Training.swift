import JVICore

extension GaussianVAE: TrainableImageModel {
  public var inputSize: Int { architecture.inputSize }
  public var description: String { "gaussian-vae \(architecture.description)" }
  public func supports(_ objective: VAEObjective) -> Bool { true }
  public func supports(_ gradient: VAEGradientEstimator) -> Bool { true }

  public func initialParameters(seed: UInt64, scheme: Initialization) -> ScalarBuffer<Float> {
    initialParameters(seed: seed, scheme: scheme, as: Float.self)
  }

  public func makeTrainingState(maximumImages: Int, samples: Int) -> GaussianVAEBatchState<Float> {
    GaussianVAEBatchState(self, maximumImages: maximumImages, samples: samples)
  }

  /// ε ~ N(0, I), drawn in Box–Muller pairs across the shard.
  public func drawTrainingNoise(_ state: GaussianVAEBatchState<Float>, images: Int, using g: inout Xoshiro256StarStar) {
    state.drawNoise(images: images, latentSize: architecture.latentSize, using: &g)
  }

  /// ε ~ N(0, I) for every sample of one slot, one normal at a time.
  public func drawEvaluationNoise(_ state: GaussianVAEBatchState<Float>, slot j: Int, using g: inout Xoshiro256StarStar)
  {
    let n = state.samples * architecture.latentSize
    for q in 0..<n { state.epsilon.pointer[j * n + q] = Float(Sampling.standardNormal(using: &g)) }
  }

  public func trainingObjective(
    _ objective: VAEObjective, gradient: VAEGradientEstimator, images: UnsafePointer<Float>, count: Int,
    parameters: UnsafePointer<Float>, state: GaussianVAEBatchState<Float>, gradients: UnsafeMutablePointer<Float>?,
    lossScale: Double, jackknifeWeights: JackknifeGradientWeights?
  ) throws(EstimatorError) -> ObjectiveValue {
    try self.objective(
      objective, gradient: gradient, images: images, count: count, parameters: parameters, state: state,
      gradients: gradients, lossScale: lossScale, jackknifeWeights: jackknifeWeights)
  }
}
