/// One optimisation step as the trainer hands it to a task.
public struct TrainingStep: @unchecked Sendable {
  /// 1-based epoch.
  public var epoch: Int
  /// 0-based index of the minibatch within the epoch, and the number of minibatches per epoch.
  public var index: Int
  public var count: Int
  /// Adam steps taken before this one (0 for the first step of a run).
  public var globalIndex: Int
  /// The training examples of the minibatch.
  public var batch: UnsafeBufferPointer<Int>
  /// The factor between the objective and the loss: loss = −lossScale·objective.
  public var lossScale: Double
  /// Threads the task may use inside `beginStep` and `gradientParts` (results must not depend on it).
  public var threads: Int = 1
}

/// What `Trainer` trains: a model with its training data and per-shard work buffers.
///
/// A step is `beginStep` (once), then `runShard` for every shard (concurrently, each shard
/// writing only its own buffers), then `gradientParts`, whose buffers Adam sums in order. The
/// objective of the step is beginStep's value plus the shards' values; the loss minimised is
/// −lossScale × objective. Everything a step computes must depend only on the seed, the epoch,
/// the step and the shard, never on the thread that runs it.
public protocol TrainingTask: AnyObject, Sendable {
  /// "gaussian-vae 784-200-200-50 tanh, iwae k=5".
  var description: String { get }
  var parameterCount: Int { get }
  /// Training examples per epoch.
  var exampleCount: Int { get }
  var shardCount: Int { get }
  /// The parameters a new run starts from.
  func initialParameters() -> ScalarBuffer<Float>
  /// lossScale for a minibatch of `batchCount` examples.
  func lossScale(batchCount: Int) -> Double
  func beginStep(_ step: TrainingStep, parameters: UnsafePointer<Float>) throws -> Double
  func runShard(_ shard: Int, _ step: TrainingStep, parameters: UnsafePointer<Float>) throws -> Double
  /// The gradient buffers of the step, summed in this order by the optimiser.
  func gradientParts(_ step: TrainingStep, parameters: UnsafePointer<Float>) -> [UnsafePointer<Float>]
  /// A line for the progress report after an epoch ("validation ELBO -250.1"), if there is one.
  func epochSummary(parameters: UnsafePointer<Float>, threads: Int) throws -> String?
  /// The name of the training objective in progress lines ("iwae", "bbb cost").
  var objectiveName: String { get }
}

extension TrainingTask {
  public func beginStep(_ step: TrainingStep, parameters: UnsafePointer<Float>) throws -> Double { 0 }
}
