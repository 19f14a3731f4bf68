import Synchronization

// The Sendable escape hatches of the library. Each is `@unchecked Sendable` for one reason:
// worker threads of `ParallelRows`, `GEMM` or the trainer share memory that they only read, or of
// which each writes its own disjoint slots (its rows, its shard, its chunk), and the results are
// combined in a fixed order afterwards. Anything else that crosses threads goes through a `Mutex`
// (Synchronization): `FirstFailure` and `ChunkCollector` below, which are plainly `Sendable`.
//
// This file holds the five wrappers whose only job is the crossing (`SharedMutablePointer`,
// `SharedPointer`, `UncheckedBox`, `SharedTrainerStep`, `SharedAdamStep`). Fifteen domain types of
// this module own such memory and are `@unchecked Sendable` on the same terms, each in its own
// file: `ScalarBuffer`, `SpinningWorkers`, `GEMMWorkspace`, `MLPState`, `Adam`, `Trainer`,
// `TrainingStep`, `ImageModelTask`, `BayesByBackpropTask`, `ImageModelBatchState` and its
// Gaussian and discrete subclasses, and the log-weight sources of the Gaussian VAE, the discrete
// VAE and Bayes by Backprop. (jvi-bench has one more, for a benchmark's trainer.)

/// The failure of the lowest row among parallel workers, so that the error reported does not
/// depend on the thread count or on which worker finished first.
public final class FirstFailure<Failure: Sendable>: Sendable {
  private let earliest = Mutex<(row: Int, failure: Failure)?>(nil)

  public init() {}

  /// Keeps `failure` unless a failure of a lower or the same row was recorded.
  public func record(row: Int, _ failure: Failure) {
    earliest.withLock { e in
      if let e, e.row <= row { return }
      e = (row, failure)
    }
  }

  /// The failure of the lowest row, if any.
  public var first: Failure? { earliest.withLock { $0?.failure } }
}

/// Lists that parallel workers report per chunk of rows, joined in chunk order whatever the
/// thread count (the undefined instances of an evaluation).
public final class ChunkCollector<Item: Sendable>: Sendable {
  private let chunks = Mutex<[(start: Int, items: [Item])]>([])

  public init() {}

  /// Records the items of the chunk that starts at row `chunk`.
  public func add(_ items: [Item], chunk: Int) {
    if items.isEmpty { return }
    chunks.withLock { $0.append((chunk, items)) }
  }

  /// Every item, chunks in row order.
  public var inChunkOrder: [Item] { chunks.withLock { $0.sorted { $0.start < $1.start }.flatMap(\.items) } }
}

/// Pointers handed to worker threads that write disjoint parts of the memory they point to.
struct SharedMutablePointer<T>: @unchecked Sendable {
  let pointer: UnsafeMutablePointer<T>
  init(_ p: UnsafeMutablePointer<T>) { pointer = p }
}

/// Read-only memory handed to worker threads.
struct SharedPointer<T>: @unchecked Sendable {
  let pointer: UnsafePointer<T>
  init(_ p: UnsafePointer<T>) { pointer = p }
}

/// A value handed to concurrent workers that only read it (the log-weight sources' closures: each
/// worker writes only its own images' slots).
public struct UncheckedBox<T>: @unchecked Sendable {
  public let value: T
  public init(_ value: T) { self.value = value }
}

/// One step's shared inputs for the shard workers; each writes only its own shard's slots.
struct SharedTrainerStep: @unchecked Sendable {
  let task: any TrainingTask
  let step: TrainingStep
  let parameters: UnsafePointer<Float>
  let results: ScalarBuffer<Double>
  let failure: FirstFailure<Error>

  func runShard(_ s: Int) {
    results.pointer[s] = 0
    do {
      results.pointer[s] = try task.runShard(s, step, parameters: parameters)
    } catch {
      failure.record(row: s, error)
    }
  }
}

/// The inputs of a parallel Adam update.
struct SharedAdamStep: @unchecked Sendable {
  let optimizer: Adam
  let parameters: UnsafeMutablePointer<Float>
  let parts: [UnsafePointer<Float>]
  let flags: ScalarBuffer<Double>

  func run(range: Range<Int>, worker: Int) {
    parts.withUnsafeBufferPointer { p in
      flags.pointer[worker] = optimizer.update(range: range, parameters: parameters, gradientParts: p) ? 1 : 0
    }
  }
}
