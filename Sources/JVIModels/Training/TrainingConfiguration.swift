/// Everything that determines a training run's numbers. The thread count is not here: results
/// are bit-identical for any number of threads. `shards` is: each minibatch is split into this
/// many fixed parts whose gradients are summed in order, and threads take whole shards.
public struct TrainingConfiguration: Sendable, Equatable {
  public var architecture = VAEArchitecture()
  public var objective = VAEObjective.iwae
  /// k, samples per image.
  public var samples = 5
  public var epochs = 10
  public var batchSize = 100
  public var learningRate = 1e-3
  public var adamEpsilon = 1e-8
  public var seed: UInt64 = 1
  public var initialization = Initialization.glorot
  public var shards = 2
  /// Train on the first `limit` training images only.
  public var limit: Int? = nil
  /// Training images held out for validation (0: train on all of them).
  public var validationCount = ImageDataset.defaultValidationCount
  public var dataDirectory = ImageDataset.defaultDirectory

  public init() {}
}
