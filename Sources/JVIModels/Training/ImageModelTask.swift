import JVICore

/// Training a `TrainableImageModel` (Gaussian or discrete-latent VAE) on dynamically binarised
/// images by ELBO-A, ELBO-B, IWAE-k or JVI.
///
/// Image i of epoch e is binarised from stream (e, i) of the seed; shard s of step t draws its
/// noise from stream (e, t, s). Each shard writes its own gradient buffer; Adam sums them in
/// shard order. The loss is the mean over the minibatch of −objective.
public final class ImageModelTask<Model: TrainableImageModel>: TrainingTask, @unchecked Sendable {
  public let configuration: TrainingConfiguration
  public let model: Model
  public let data: ImageDataset
  /// The model at the current step (a temperature schedule may change it); set by `beginStep`
  /// before the shards run, read by them.
  private(set) var current: Model
  let shardGradients: [ScalarBuffer<Float>]
  let shardStates: [Model.TrainingState]
  let shardImages: [ScalarBuffer<Float>]
  let jackknifeWeights: JackknifeGradientWeights?

  public init(model: Model, configuration c: TrainingConfiguration, data: ImageDataset) throws(EstimatorError) {
    guard model.inputSize == data.pixels else {
      throw .invalidConfiguration(
        "the model has \(model.inputSize) inputs but the images in \(data.directory) have \(data.pixels) pixels")
    }
    guard model.supports(c.objective) else {
      if case .piwae = c.objective {
        throw .invalidConfiguration(
          "piwae trains the encoder and the decoder on different sample weights, which \(model.description) "
            + "does not implement; train it by miwae, iwae or jvi")
      }
      throw .invalidConfiguration(
        "\(c.objective.name) needs an analytic KL(q(z|x) || p(z)), which \(model.description) does not have "
          + "(a relaxed Bernoulli posterior against a logistic prior); train it by elbo-a, iwae or jvi")
    }
    try c.checkObjective()
    guard model.supports(c.gradient) else {
      throw .invalidConfiguration(
        "the \(c.gradient.rawValue) gradient needs a reparameterised Gaussian q(z|x); \(model.description) "
          + "trains with the standard one")
    }
    configuration = c
    self.model = model
    current = model
    self.data = data
    let perShard = (c.batchSize + c.shards - 1) / c.shards
    shardGradients = (0..<c.shards).map { _ in ScalarBuffer(count: model.parameterCount) }
    shardStates = (0..<c.shards).map { _ in model.makeTrainingState(maximumImages: perShard, samples: c.samples) }
    shardImages = (0..<c.shards).map { _ in ScalarBuffer(count: perShard * model.inputSize) }
    if case .jackknife(let m) = c.objective {
      jackknifeWeights = try JackknifeGradientWeights(sampleCount: c.samples, order: m)
    } else {
      jackknifeWeights = nil
    }
  }

  public var description: String {
    "\(model.description), \(configuration.objective) k=\(configuration.samples)"
      + (configuration.gradient == .standard ? "" : ", \(configuration.gradient.rawValue) gradient")
  }
  public var objectiveName: String { configuration.objective.name }
  public var parameterCount: Int { model.parameterCount }
  public var exampleCount: Int { min(configuration.limit ?? Int.max, data.count(.train)) }
  public var shardCount: Int { configuration.shards }

  public func initialParameters() -> ScalarBuffer<Float> {
    model.initialParameters(seed: configuration.seed, scheme: configuration.initialization)
  }

  public func lossScale(batchCount: Int) -> Double { 1 / Double(batchCount) }

  public func beginStep(_ step: TrainingStep, parameters: UnsafePointer<Float>) throws -> Double {
    current = model.atStep(step.globalIndex)
    return 0
  }

  /// Binarises shard `s`'s images, draws its noise, and computes its objective and gradient.
  public func runShard(_ s: Int, _ step: TrainingStep, parameters: UnsafePointer<Float>) throws -> Double {
    let c = configuration
    let lo = step.batch.count * s / c.shards, hi = step.batch.count * (s + 1) / c.shards
    let grads = shardGradients[s]
    grads.fill(0)
    if lo == hi { return 0 }
    let input = model.inputSize
    let images = shardImages[s].pointer
    for (j, index) in UnsafeBufferPointer(rebasing: step.batch[lo..<hi]).enumerated() {
      var g = Xoshiro256StarStar(seed: c.seed ^ 0xB1A5_E0F1, stream: UInt64(step.epoch) << 32 | UInt64(index))
      data.binarize(index, of: .train, into: images + j * input, using: &g)
    }
    let state = shardStates[s]
    var noise = Xoshiro256StarStar(
      seed: c.seed ^ 0x5EED_0015E, stream: (UInt64(step.epoch) << 40) | (UInt64(step.index) << 8) | UInt64(s))
    current.drawTrainingNoise(state, images: hi - lo, using: &noise)
    let v = try current.trainingObjective(
      c.objective, gradient: c.gradient, images: images, count: hi - lo, parameters: parameters, state: state,
      gradients: grads.pointer, lossScale: step.lossScale, jackknifeWeights: jackknifeWeights)
    return v.objectiveSum
  }

  public func gradientParts(_ step: TrainingStep, parameters: UnsafePointer<Float>) -> [UnsafePointer<Float>] {
    shardGradients.map { UnsafePointer($0.pointer) }
  }

  /// The validation ELBO (k = 1, fixed binarisation, seed 7) when images are held out.
  public func epochSummary(parameters: UnsafePointer<Float>, threads: Int) throws -> String? {
    guard data.count(.validation) > 0 else { return nil }
    let v = try current.meanObjective(
      .elboMonteCarlo, samples: 1, parameters: parameters, data: data, split: .validation,
      images: data.count(.validation), seed: 7, threads: threads)
    return "validation ELBO \(TrainingReport.format(v.elboSum / Double(v.images)))"
  }
}

/// Number formatting for progress lines.
public enum TrainingReport {
  /// Rounded to `digits` decimals, shortest form ("-250.123").
  public static func format(_ x: Double, digits: Int = 3) -> String {
    var p = 1.0
    for _ in 0..<digits { p *= 10 }
    return String(describing: (x * p).rounded() / p)
  }
}
