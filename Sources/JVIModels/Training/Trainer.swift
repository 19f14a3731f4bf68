import Dispatch
import JVICore

/// Trains a `TrainingTask` in Float with Adam.
///
/// Each epoch shuffles the training examples (stream 2e + 1 of the seed, e = epoch) and cuts
/// them into minibatches. A step runs the task's shards (threads take whole shards), sums the
/// shards' gradients in order inside the Adam update, and checks that the loss and every
/// gradient are finite. Results are bit-identical for any thread count. Nothing is allocated
/// inside the loop.
public final class Trainer: @unchecked Sendable {
  public let configuration: TrainingConfiguration
  public let task: any TrainingTask
  public let threads: Int
  public let parameters: ScalarBuffer<Float>
  public let optimizer: Adam
  public private(set) var epochsCompleted: Int

  /// Training examples per epoch (images, or points of a regression data set).
  public var trainingExamples: Int { task.exampleCount }

  /// A new run, or one resumed from `checkpoint`, of the task the configuration describes.
  ///
  /// - Parameter data: the image data set; nil for tasks that make their own data (regression).
  public convenience init(
    configuration c: TrainingConfiguration, data: ImageDataset?, threads: Int, resumeFrom checkpoint: Checkpoint? = nil
  ) throws(EstimatorError) {
    try self.init(
      configuration: c, task: try TrainingTasks.make(c, data: data), threads: threads, resumeFrom: checkpoint)
  }

  public init(
    configuration c: TrainingConfiguration, task: any TrainingTask, threads: Int,
    resumeFrom checkpoint: Checkpoint? = nil
  ) throws(EstimatorError) {
    configuration = c
    self.task = task
    self.threads = max(1, threads)
    let n = task.parameterCount
    if let checkpoint {
      guard checkpoint.parameters.count == n else {
        throw .invalidConfiguration("the checkpoint has \(checkpoint.parameters.count) parameters; the model \(n)")
      }
      parameters = ScalarBuffer(count: n)
      for i in 0..<n { parameters.pointer[i] = checkpoint.parameters[i] }
      optimizer = Adam(count: n, learningRate: c.learningRate, epsilon: c.adamEpsilon, step: checkpoint.adamStep)
      for i in 0..<n {
        optimizer.m.pointer[i] = checkpoint.adamM[i]
        optimizer.v.pointer[i] = checkpoint.adamV[i]
      }
      epochsCompleted = checkpoint.epochsCompleted
    } else {
      parameters = task.initialParameters()
      optimizer = Adam(count: n, learningRate: c.learningRate, epsilon: c.adamEpsilon)
      epochsCompleted = 0
    }
  }

  /// The result of one epoch.
  public struct EpochReport: Sendable {
    public var epoch: Int
    /// Mean training objective per example over the epoch.
    public var objective: Double
    public var seconds: Double
  }

  public enum Failure: Error, CustomStringConvertible {
    case nonFiniteLoss(epoch: Int, step: Int, value: Double)
    public var description: String {
      switch self {
      case .nonFiniteLoss(let epoch, let step, let value):
        return "the training loss became \(value) at epoch \(epoch), step \(step)"
      }
    }
  }

  /// Trains one more epoch. On a non-finite loss it stops before updating the parameters and
  /// throws (the parameters are those after the last good step).
  public func trainEpoch() throws -> EpochReport {
    let c = configuration
    let epoch = epochsCompleted + 1
    optimizer.learningRate = c.schedule.learningRate(base: c.learningRate, epoch: epoch)
    let start = monotonicSeconds()
    var order = Array(0..<task.exampleCount)
    var shuffler = Xoshiro256StarStar(seed: c.seed, stream: UInt64(2 * epoch + 1))
    Sampling.shuffle(&order, using: &shuffler)
    let steps = (order.count + c.batchSize - 1) / c.batchSize
    let shards = task.shardCount
    var total = 0.0
    let results = ScalarBuffer<Double>(count: shards)
    let failure = FirstFailure<Error>()
    try order.withUnsafeBufferPointer { (indices) throws -> Void in
      for index in 0..<steps {
        let batch = UnsafeBufferPointer(
          rebasing: indices[(index * c.batchSize)..<min(indices.count, (index + 1) * c.batchSize)])
        let step = TrainingStep(
          epoch: epoch, index: index, count: steps, globalIndex: optimizer.step, batch: batch,
          lossScale: task.lossScale(batchCount: batch.count), threads: threads)
        var stepObjective = try task.beginStep(step, parameters: parameters.pointer)
        let shared = SharedTrainerStep(
          task: task, step: step, parameters: parameters.pointer, results: results, failure: failure)
        ParallelRows.forEachChunk(count: shards, chunkSize: 1, threads: threads) { _, shard in
          shared.runShard(shard.lowerBound)
        }
        if let error = failure.first { throw error }
        for s in 0..<shards { stepObjective += results.pointer[s] }
        let loss = -stepObjective * step.lossScale
        if !loss.isFinite { throw Failure.nonFiniteLoss(epoch: epoch, step: index + 1, value: loss) }
        // Adam on the task's gradient parts, summed in order inside the update; threads take
        // fixed parameter ranges (elementwise, so the partition does not change the result).
        let parts = task.gradientParts(step, parameters: parameters.pointer)
        optimizer.beginStep()
        let finite = updateParameters(parts)
        if !finite { throw Failure.nonFiniteLoss(epoch: epoch, step: index + 1, value: .nan) }
        total += stepObjective
      }
    }
    epochsCompleted = epoch
    return EpochReport(epoch: epoch, objective: total / Double(order.count), seconds: monotonicSeconds() - start)
  }

  /// One Adam update from the gradient parts, split across threads; false if not finite.
  func updateParameters(_ parts: [UnsafePointer<Float>]) -> Bool {
    let n = task.parameterCount
    let workers = n >= 65_536 ? threads : 1
    let flags = ScalarBuffer<Double>(count: workers)
    let shared = SharedAdamStep(optimizer: optimizer, parameters: parameters.pointer, parts: parts, flags: flags)
    parts.withUnsafeBufferPointer { p in
      if workers == 1 {
        flags.pointer[0] = optimizer.update(range: 0..<n, parameters: parameters.pointer, gradientParts: p) ? 1 : 0
      } else {
        DispatchQueue.concurrentPerform(iterations: workers) { w in
          let lo = (n * w / workers) & ~7, hi = w == workers - 1 ? n : (n * (w + 1) / workers) & ~7
          shared.run(range: lo..<hi, worker: w)
        }
      }
    }
    for w in 0..<workers where flags.pointer[w] == 0 { return false }
    return true
  }

  /// The checkpoint of the current state.
  public func checkpoint() -> Checkpoint {
    Checkpoint(
      configuration: configuration, epochsCompleted: epochsCompleted, adamStep: optimizer.step,
      trainingExamples: trainingExamples, parameters: parameters.array, adamM: optimizer.m.array,
      adamV: optimizer.v.array)
  }
}

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

public func monotonicSeconds() -> Double {
  var t = timespec()
  clock_gettime(CLOCK_MONOTONIC, &t)
  return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}
