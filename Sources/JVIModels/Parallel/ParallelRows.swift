import Dispatch

/// Deterministic data parallelism over rows (instances, images, shards, parameter chunks).
///
/// Rows are cut into fixed chunks of `chunkSize`; worker w of W = min(threads, chunks) takes
/// chunks w, w + W, w + 2W, … Each row's result depends only on that row, so the output is
/// bit-identical for any thread count (and there is no reduction across workers). This is the
/// one scheduling loop of the project: every parallel path goes through it.
public enum ParallelRows {
  /// The number of online processors.
  public static var availableProcessors: Int { max(1, System.activeProcessorCount) }

  /// W, the workers `forEachChunk` uses for `count` rows in chunks of `chunkSize` on `threads`.
  public static func workerCount(count: Int, chunkSize: Int, threads: Int) -> Int {
    max(1, min(threads, (count + chunkSize - 1) / chunkSize))
  }

  /// Calls `body(workerIndex, rows)` for every chunk of `0..<count`, on `threads` workers.
  /// `body` must only write to its own rows' slots.
  public static func forEachChunk(
    count: Int, chunkSize: Int = 64, threads: Int, _ body: @Sendable (Int, Range<Int>) -> Void
  ) {
    forEachChunk(count: count, chunkSize: chunkSize, threads: threads, makeWorker: { $0 }, body)
  }

  /// As above, with state that each worker makes once (`makeWorker(workerIndex)`, on the worker's
  /// own thread) and passes to `body` for each of its chunks: scratch buffers, network states.
  public static func forEachChunk<Worker>(
    count: Int, chunkSize: Int, threads: Int, makeWorker: @Sendable (Int) -> Worker,
    _ body: @Sendable (Worker, Range<Int>) -> Void
  ) {
    let chunks = (count + chunkSize - 1) / chunkSize
    let workers = workerCount(count: count, chunkSize: chunkSize, threads: threads)
    @Sendable func run(_ w: Int) {
      let worker = makeWorker(w)
      var c = w
      while c < chunks {
        body(worker, (c * chunkSize)..<min(count, (c + 1) * chunkSize))
        c += workers
      }
    }
    if workers == 1 {
      run(0)
    } else {
      DispatchQueue.concurrentPerform(iterations: workers) { run($0) }
    }
  }
}

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

enum System {
  static var activeProcessorCount: Int { Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))) }
}
