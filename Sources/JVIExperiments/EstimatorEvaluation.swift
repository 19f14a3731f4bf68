import JVICore
import JVIModels

/// The per-instance results of several estimators on log-weights served in blocks of rows
/// (`LogWeightBlockSource`: a matrix in memory, a `.npy` read a block at a time, a model's draws).
/// Each block is evaluated in parallel over its rows, each estimator's estimates are spooled in
/// row order (`DoubleSpool`), and the summary is computed over the spool with `SampleSummary`'s
/// own operations: the same bits as one evaluation of the whole matrix, for any block size and
/// thread count, in memory bounded by one block (plus a spool's 8 MiB).
public struct EstimatorEvaluation {
  public struct Result {
    public var name: String
    public var order: Int
    /// Samples per estimate.
    public var sampleCount: Int
    public var blockCount: Int
    /// One per instance, in row order; NaN for an undefined instance.
    public var estimates: DoubleSpool
    /// How many instances are undefined, and the first few (global rows) with their reasons.
    public var undefinedCount = 0
    public var firstUndefined: [UndefinedInstance] = []
    /// Mean and standard error over the defined instances (`count` is how many there are).
    public var summary = SampleSummary([])
  }

  /// How many undefined instances a result names.
  public static let undefinedNamed = 5

  public var results: [Result]

  /// Evaluates `estimators` on every block of `source` with `threads` workers; `eachBlock` sees
  /// every block after it is evaluated (to save it, or count what it holds). An undefined
  /// instance is counted in its result and left out of the summary.
  ///
  /// - Throws: `EstimatorError` for a mismatch between an estimator and the log-weights; whatever
  ///   reading a block or `eachBlock` throws.
  public init(
    _ estimators: [any BoundEstimator], on source: any LogWeightBlockSource, threads: Int,
    eachBlock: (LogWeightMatrix) throws -> Void = { _ in }
  ) throws {
    var results: [Result] = []
    var validated = false
    for rows in source.blockRanges {
      let block = try source.block(rows)
      if !validated {
        for e in estimators { try e.validate(for: block) }
        results = estimators.map { e in
          let k = e.blockWidth(for: block)
          return Result(
            name: e.name, order: e.order, sampleCount: k, blockCount: source.columnCount / k, estimates: DoubleSpool())
        }
        validated = true
      }
      for (i, e) in estimators.enumerated() {
        let (estimates, undefined) = try Self.evaluate(e, on: block, threads: threads)
        try results[i].estimates.append(estimates)
        results[i].undefinedCount += undefined.count
        let room = Self.undefinedNamed - results[i].firstUndefined.count
        results[i].firstUndefined += undefined.prefix(max(0, room)).map {
          UndefinedInstance(row: rows.lowerBound + $0.row, reason: $0.reason)
        }
      }
      try eachBlock(block)
    }
    for i in results.indices {
      let spool = results[i].estimates
      results[i].summary = try SampleSummary { body in try spool.forEachChunk { body($0) } }
    }
    self.results = results
  }

  /// One estimator on one block, in parallel over its rows: the estimates (NaN where undefined)
  /// and the undefined rows of the block, in row order.
  package static func evaluate(_ e: any BoundEstimator, on block: LogWeightMatrix, threads: Int) throws(EstimatorError)
    -> ([Double], [UndefinedInstance])
  {
    let n = block.rowCount
    let out = ScalarBuffer<Double>(count: n, repeating: .nan)
    let failure = FirstFailure<EstimatorError>()
    let undefined = ChunkCollector<UndefinedInstance>()
    ParallelRows.forEachChunk(count: n, threads: threads) { _, rows in
      let workspace = EstimatorWorkspace()
      do throws(EstimatorError) {
        let r = try e.evaluate(block, rows: rows, workspace: workspace)
        out.store(r.estimates, at: rows.lowerBound)
        undefined.add(r.undefined, chunk: rows.lowerBound)
      } catch {
        failure.record(row: rows.lowerBound, error)
      }
    }
    if let error = failure.first { throw error }
    return (out.array, undefined.inChunkOrder)
  }
}
