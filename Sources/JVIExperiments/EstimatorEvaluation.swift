import JVICore

/// The per-instance results of several estimators on one matrix, computed in parallel over
/// rows (bit-identical for any thread count).
public struct EstimatorEvaluation: Sendable {
  public struct Result: Sendable {
    public var name: String
    public var order: Int
    /// Samples per estimate.
    public var sampleCount: Int
    public var blockCount: Int
    public var estimates: [Double]
    public var summary: SampleSummary
  }

  public var results: [Result]

  /// Evaluates `estimators` on `matrix` with `threads` workers.
  ///
  /// - Throws: `EstimatorError` (the first failing row in row order, whatever the threads).
  public init(_ estimators: [any BoundEstimator], on matrix: LogWeightMatrix, threads: Int) throws(EstimatorError) {
    for e in estimators { try e.validate(for: matrix) }
    var results: [Result] = []
    for e in estimators {
      let n = matrix.rowCount
      let box = ResultBox(count: n)
      ParallelRows.forEachChunk(count: n, threads: threads) { _, rows in
        let workspace = EstimatorWorkspace()
        do throws(EstimatorError) {
          let r = try e.evaluate(matrix, rows: rows, workspace: workspace)
          box.store(r.estimates, at: rows.lowerBound)
        } catch {
          box.fail(error, firstRow: rows.lowerBound)
        }
      }
      if let error = box.firstError { throw error }
      let estimates = box.values
      let k = e.blockWidth(for: matrix)
      results.append(
        Result(
          name: e.name, order: e.order, sampleCount: k, blockCount: matrix.columnCount / k, estimates: estimates,
          summary: SampleSummary(estimates)))
    }
    self.results = results
  }
}

/// Per-row result slots shared by the workers; each worker writes disjoint rows.
final class ResultBox: @unchecked Sendable {
  private let buffer: UnsafeMutableBufferPointer<Double>
  private var error: (row: Int, error: EstimatorError)?
  private let lock = Lock()

  init(count: Int) {
    buffer = .allocate(capacity: count)
    buffer.initialize(repeating: .nan)
  }

  deinit { buffer.deallocate() }

  func store(_ values: [Double], at start: Int) {
    for (i, v) in values.enumerated() { buffer[start + i] = v }
  }

  func fail(_ e: EstimatorError, firstRow: Int) {
    lock.withLock {
      if let existing = error, existing.row <= firstRow { return }
      error = (firstRow, e)
    }
  }

  var firstError: EstimatorError? { lock.withLock { error?.error } }
  var values: [Double] { Array(buffer) }
}

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A pthread mutex (JVIExperiments keeps to the toolchain's libraries).
final class Lock: @unchecked Sendable {
  private let mutex: UnsafeMutablePointer<pthread_mutex_t> = .allocate(capacity: 1)
  init() { pthread_mutex_init(mutex, nil) }
  deinit {
    pthread_mutex_destroy(mutex)
    mutex.deallocate()
  }
  func withLock<T>(_ body: () -> T) -> T {
    pthread_mutex_lock(mutex)
    defer { pthread_mutex_unlock(mutex) }
    return body()
  }
}
