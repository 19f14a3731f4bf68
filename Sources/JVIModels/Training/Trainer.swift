import Dispatch
import JVICore

/// Trains a `GaussianVAE` in Float on binarised images.
///
/// Each epoch shuffles the training images (stream 2e + 1 of the seed, e = epoch), binarises
/// each image afresh (stream of (epoch, image)), and for every minibatch splits it into
/// `shards` fixed parts. Each part's loss gradient is computed into its own buffer (noise from
/// the stream of (epoch, step, shard)); the parts' gradients are summed in order and Adam takes
/// one step. Threads take whole shards, so results are bit-identical for any thread count.
/// Nothing is allocated inside the loop.
public final class Trainer: @unchecked Sendable {
  public let configuration: TrainingConfiguration
  public let model: GaussianVAE
  public let data: ImageDataset
  public let threads: Int
  public let parameters: ScalarBuffer<Float>
  public let optimizer: Adam
  public private(set) var epochsCompleted: Int
  let gradients: ScalarBuffer<Float>
  let shardGradients: [ScalarBuffer<Float>]
  let shardStates: [VAEBatchState<Float>]
  let shardImages: [ScalarBuffer<Float>]
  let jackknifeWeights: JackknifeGradientWeights?

  /// The number of training images used (all 50,000 after the validation hold-out, or `limit`).
  public var trainingImages: Int { min(configuration.limit ?? Int.max, data.count(.train)) }

  /// A new run, or one resumed from `checkpoint`.
  public init(
    configuration c: TrainingConfiguration, data: ImageDataset, threads: Int, resumeFrom checkpoint: Checkpoint? = nil
  )
    throws(EstimatorError)
  {
    guard c.architecture.inputSize == data.pixels else {
      throw .invalidConfiguration(
        "the model has \(c.architecture.inputSize) inputs but the images in \(data.directory) have"
          + " \(data.pixels) pixels")
    }
    configuration = c
    self.data = data
    self.threads = max(1, threads)
    model = GaussianVAE(c.architecture)
    let n = model.parameterCount
    if let checkpoint {
      parameters = ScalarBuffer(count: n)
      for i in 0..<n { parameters.pointer[i] = checkpoint.parameters[i] }
      optimizer = Adam(count: n, learningRate: c.learningRate, epsilon: c.adamEpsilon, step: checkpoint.adamStep)
      for i in 0..<n {
        optimizer.m.pointer[i] = checkpoint.adamM[i]
        optimizer.v.pointer[i] = checkpoint.adamV[i]
      }
      epochsCompleted = checkpoint.epochsCompleted
    } else {
      parameters = model.initialParameters(seed: c.seed, scheme: c.initialization, as: Float.self)
      optimizer = Adam(count: n, learningRate: c.learningRate, epsilon: c.adamEpsilon)
      epochsCompleted = 0
    }
    gradients = ScalarBuffer(count: n)
    let perShard = (c.batchSize + c.shards - 1) / c.shards
    shardGradients = (0..<c.shards).map { _ in ScalarBuffer(count: n) }
    shardStates = (0..<c.shards).map { _ in
      VAEBatchState(GaussianVAE(c.architecture), maximumImages: perShard, samples: c.samples)
    }
    shardImages = (0..<c.shards).map { _ in ScalarBuffer(count: perShard * c.architecture.inputSize) }
    if case .jackknife(let m) = c.objective {
      jackknifeWeights = try JackknifeGradientWeights(sampleCount: c.samples, order: m)
    } else {
      jackknifeWeights = nil
    }
  }

  /// The result of one epoch.
  public struct EpochReport: Sendable {
    public var epoch: Int
    /// Mean training objective per image over the epoch.
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
    let start = monotonicSeconds()
    var order = Array(0..<trainingImages)
    var shuffler = Xoshiro256StarStar(seed: c.seed, stream: UInt64(2 * epoch + 1))
    Sampling.shuffle(&order, using: &shuffler)
    let steps = (order.count + c.batchSize - 1) / c.batchSize
    var total = 0.0
    let results = ShardResults(count: c.shards)
    try order.withUnsafeBufferPointer { (indices) throws -> Void in
      for step in 0..<steps {
        let batch = UnsafeBufferPointer(
          rebasing: indices[(step * c.batchSize)..<min(indices.count, (step + 1) * c.batchSize)])
        let lossScale = 1 / Double(batch.count)
        let shared = SharedTrainerStep(
          trainer: self, batch: batch, epoch: epoch, step: step, lossScale: lossScale, results: results)
        let workers = min(threads, c.shards)
        if workers == 1 {
          for s in 0..<c.shards { shared.runShard(s) }
        } else {
          DispatchQueue.concurrentPerform(iterations: workers) { w in
            var s = w
            while s < c.shards {
              shared.runShard(s)
              s += workers
            }
          }
        }
        if let error = results.firstError() { throw error }
        var stepObjective = 0.0
        for s in 0..<c.shards { stepObjective += results.values[s] }
        let loss = -stepObjective * lossScale
        if !loss.isFinite { throw Failure.nonFiniteLoss(epoch: epoch, step: step + 1, value: loss) }
        // Adam on the shards' gradients, summed in shard order inside the update; threads take
        // fixed parameter ranges (elementwise, so the partition does not change the result).
        optimizer.beginStep()
        let finite = updateParameters()
        if !finite { throw Failure.nonFiniteLoss(epoch: epoch, step: step + 1, value: .nan) }
        total += stepObjective
      }
    }
    epochsCompleted = epoch
    return EpochReport(epoch: epoch, objective: total / Double(order.count), seconds: monotonicSeconds() - start)
  }

  /// One Adam update from the shard gradients, split across threads; false if not finite.
  func updateParameters() -> Bool {
    let n = model.parameterCount
    let parts = shardGradients.map { UnsafePointer($0.pointer) }
    let workers = n >= 65_536 ? threads : 1
    let flags = ShardResults(count: workers)
    let shared = SharedAdamStep(optimizer: optimizer, parameters: parameters.pointer, parts: parts, flags: flags)
    parts.withUnsafeBufferPointer { p in
      if workers == 1 {
        flags.values[0] = optimizer.update(range: 0..<n, parameters: parameters.pointer, gradientParts: p) ? 1 : 0
      } else {
        DispatchQueue.concurrentPerform(iterations: workers) { w in
          let lo = (n * w / workers) & ~7, hi = w == workers - 1 ? n : (n * (w + 1) / workers) & ~7
          shared.run(range: lo..<hi, worker: w)
        }
      }
    }
    for w in 0..<workers where flags.values[w] == 0 { return false }
    return true
  }

  /// The checkpoint of the current state.
  public func checkpoint() -> Checkpoint {
    Checkpoint(
      configuration: configuration, epochsCompleted: epochsCompleted, adamStep: optimizer.step,
      trainingImages: trainingImages, parameters: parameters.array, adamM: optimizer.m.array, adamV: optimizer.v.array)
  }
}

/// One step's shared inputs for the shard workers; each writes only its own shard's slots.
struct SharedTrainerStep: @unchecked Sendable {
  let trainer: Trainer
  let batch: UnsafeBufferPointer<Int>
  let epoch: Int
  let step: Int
  let lossScale: Double
  let results: ShardResults

  /// Binarises shard `s`'s images, draws its noise, and computes its objective and gradient.
  func runShard(_ s: Int) {
    let t = trainer, c = t.configuration
    let shards = c.shards
    let lo = batch.count * s / shards, hi = batch.count * (s + 1) / shards
    let grads = t.shardGradients[s]
    grads.fill(0)
    results.values[s] = 0
    if lo == hi { return }
    let input = c.architecture.inputSize
    let images = t.shardImages[s].pointer
    for (j, index) in UnsafeBufferPointer(rebasing: batch[lo..<hi]).enumerated() {
      var g = Xoshiro256StarStar(seed: c.seed ^ 0xB1A5_E0F1, stream: UInt64(epoch) << 32 | UInt64(index))
      t.data.binarize(index, of: .train, into: images + j * input, using: &g)
    }
    let state = t.shardStates[s]
    var noise = Xoshiro256StarStar(
      seed: c.seed ^ 0x5EED_0015E, stream: (UInt64(epoch) << 40) | (UInt64(step) << 8) | UInt64(s))
    state.drawNoise(images: hi - lo, latentSize: c.architecture.latentSize, using: &noise)
    do {
      let v = try t.model.objective(
        c.objective, images: images, count: hi - lo, parameters: t.parameters.pointer, state: state,
        gradients: grads.pointer, lossScale: lossScale, jackknifeWeights: t.jackknifeWeights)
      results.values[s] = v.objectiveSum
    } catch {
      results.record(error, shard: s)
    }
  }
}

/// The inputs of a parallel Adam update.
struct SharedAdamStep: @unchecked Sendable {
  let optimizer: Adam
  let parameters: UnsafeMutablePointer<Float>
  let parts: [UnsafePointer<Float>]
  let flags: ShardResults

  func run(range: Range<Int>, worker: Int) {
    parts.withUnsafeBufferPointer { p in
      flags.values[worker] = optimizer.update(range: range, parameters: parameters, gradientParts: p) ? 1 : 0
    }
  }
}

/// Per-shard results of a step: each worker writes only its own shard's slot (raw memory, so
/// concurrent writes to different slots are not accesses to one Swift property).
final class ShardResults: @unchecked Sendable {
  let values: UnsafeMutablePointer<Double>
  private let errors: UnsafeMutablePointer<Error?>
  let count: Int

  init(count: Int) {
    self.count = count
    values = .allocate(capacity: count)
    values.initialize(repeating: 0, count: count)
    errors = .allocate(capacity: count)
    errors.initialize(repeating: nil, count: count)
  }

  deinit {
    values.deallocate()
    errors.deinitialize(count: count)
    errors.deallocate()
  }

  func record(_ e: Error, shard: Int) { errors[shard] = e }

  func firstError() -> Error? {
    for s in 0..<count { if let e = errors[s] { return e } }
    return nil
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
