import Dispatch

/// Deterministic data parallelism over rows.
///
/// Rows are cut into fixed chunks of `chunkSize`; worker w of T takes chunks w, w + T, …
/// Each row's result depends only on that row, so the output is bit-identical for any thread
/// count (and there is no reduction across workers).
public enum ParallelRows {
  /// The number of online processors.
  public static var availableProcessors: Int { max(1, System.activeProcessorCount) }

  /// Calls `body(workerIndex, rows)` for every chunk of `0..<count`, on `threads` workers.
  /// `body` must only write to its own rows' slots.
  public static func forEachChunk(
    count: Int, chunkSize: Int = 64, threads: Int, _ body: @Sendable (Int, Range<Int>) -> Void
  ) {
    let chunks = (count + chunkSize - 1) / chunkSize
    let workers = max(1, min(threads, chunks))
    if workers == 1 {
      for c in 0..<chunks { body(0, (c * chunkSize)..<min(count, (c + 1) * chunkSize)) }
      return
    }
    DispatchQueue.concurrentPerform(iterations: workers) { w in
      var c = w
      while c < chunks {
        body(w, (c * chunkSize)..<min(count, (c + 1) * chunkSize))
        c += workers
      }
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
