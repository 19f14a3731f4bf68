import JVICore

/// A latent-variable model of binarised images that the trainer can fit by the VAE objectives:
/// the Gaussian VAE and the discrete-latent (Binary Concrete) VAE.
///
/// The model owns how its reparameterisation noise is drawn and how the objectives and their
/// gradients are computed from it (`objective`); `ImageModelTask` owns the data, the shards and
/// the streams of random numbers.
public protocol TrainableImageModel: Sendable {
  associatedtype TrainingState: AnyObject
  var inputSize: Int { get }
  var parameterCount: Int { get }
  /// "gaussian-vae 784-200-200-50 tanh".
  var description: String { get }
  /// The objectives it can be trained by (ELBO-B needs an analytic KL).
  func supports(_ objective: VAEObjective) -> Bool
  /// The estimators of the encoder's gradient it implements (STL and DReG need a reparameterised
  /// Gaussian q).
  func supports(_ gradient: VAEGradientEstimator) -> Bool
  func initialParameters(seed: UInt64, scheme: Initialization) -> ScalarBuffer<Float>
  func makeTrainingState(maximumImages: Int, samples: Int) -> TrainingState
  /// The noise of a training shard of `images` images, from `generator`.
  func drawTrainingNoise(_ state: TrainingState, images: Int, using generator: inout Xoshiro256StarStar)
  /// The noise of batch slot `slot` (all its samples), from `generator` (one stream per image).
  func drawEvaluationNoise(_ state: TrainingState, slot: Int, using generator: inout Xoshiro256StarStar)
  /// The objective on `count` images with the noise in `state`, and with `gradients` the
  /// gradient of −lossScale·Σ objective accumulated into it.
  func trainingObjective(
    _ objective: VAEObjective, gradient: VAEGradientEstimator, images: UnsafePointer<Float>, count: Int,
    parameters: UnsafePointer<Float>, state: TrainingState, gradients: UnsafeMutablePointer<Float>?,
    lossScale: Double, jackknifeWeights: JackknifeGradientWeights?
  ) throws(EstimatorError) -> ObjectiveValue
  /// The model as it is at optimiser step `step` (a temperature schedule); itself by default.
  func atStep(_ step: Int) -> Self
}

extension TrainableImageModel {
  public func atStep(_ step: Int) -> Self { self }

  /// The mean over the first `images` images of a split of the objective with k samples, with the
  /// fixed binarisation and noise from stream i of `seed` for image i: the per-epoch validation
  /// figure. Float network (the training precision), sums in Double; any thread count gives the
  /// same result.
  public func meanObjective(
    _ objective: VAEObjective, samples k: Int, parameters: UnsafePointer<Float>, data: ImageDataset,
    split: ImageDataset.Split, images: Int, seed: UInt64, threads: Int
  ) throws -> ObjectiveValue {
    let perTask = 100
    let tasks = (images + perTask - 1) / perTask
    let results = ScalarBuffer<Double>(count: tasks), elbos = ScalarBuffer<Double>(count: tasks)
    let failure = FirstFailure<Error>()
    let model = self
    let params = SharedPointer(parameters)
    ParallelRows.forEachChunk(count: images, chunkSize: perTask, threads: threads) { _ in
      (
        state: model.makeTrainingState(maximumImages: perTask, samples: k),
        pixels: ScalarBuffer<Float>(count: perTask * model.inputSize)
      )
    } _: { worker, chunk in
      let task = chunk.lowerBound / perTask, pixels = worker.pixels.pointer
      for (j, i) in chunk.enumerated() {
        data.binarizeFixed(i, of: split, into: pixels + j * model.inputSize)
        var g = Xoshiro256StarStar(seed: seed, stream: UInt64(i))
        model.drawEvaluationNoise(worker.state, slot: j, using: &g)
      }
      do {
        let v = try model.trainingObjective(
          objective, gradient: .standard, images: pixels, count: chunk.count, parameters: params.pointer,
          state: worker.state, gradients: nil, lossScale: 1, jackknifeWeights: nil)
        results.pointer[task] = v.objectiveSum
        elbos.pointer[task] = v.elboSum
      } catch {
        failure.record(row: task, error)
      }
    }
    if let e = failure.first { throw e }
    var value = ObjectiveValue(images: images)
    for t in 0..<tasks {
      value.objectiveSum += results.pointer[t]
      value.elboSum += elbos.pointer[t]
    }
    return value
  }
}
