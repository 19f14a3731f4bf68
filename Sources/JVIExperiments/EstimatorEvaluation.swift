import JVICore
import JVIModels

/// The per-instance results of several estimators on one matrix, computed in parallel over
/// rows (bit-identical for any thread count).
public struct EstimatorEvaluation: Sendable {
  public struct Result: Sendable {
    public var name: String
    public var order: Int
    /// Samples per estimate.
    public var sampleCount: Int
    public var blockCount: Int
    /// One per instance; NaN for an undefined instance.
    public var estimates: [Double]
    /// The undefined instances, in row order.
    public var undefined: [UndefinedInstance]
    /// Mean and standard error over the defined instances (`count` is how many there are).
    public var summary: SampleSummary
  }

  public var results: [Result]

  /// Evaluates `estimators` on `matrix` with `threads` workers. An instance whose estimate is
  /// undefined is recorded in its result's `undefined` and left out of the summary.
  ///
  /// - Throws: `EstimatorError` for a mismatch between an estimator and the matrix.
  public init(_ estimators: [any BoundEstimator], on matrix: LogWeightMatrix, threads: Int) throws(EstimatorError) {
    for e in estimators { try e.validate(for: matrix) }
    var results: [Result] = []
    for e in estimators {
      let n = matrix.rowCount
      let out = ScalarBuffer<Double>(count: n, repeating: .nan)
      let failure = FirstFailure<EstimatorError>()
      let undefined = ChunkCollector<UndefinedInstance>()
      ParallelRows.forEachChunk(count: n, threads: threads) { _, rows in
        let workspace = EstimatorWorkspace()
        do throws(EstimatorError) {
          let r = try e.evaluate(matrix, rows: rows, workspace: workspace)
          out.store(r.estimates, at: rows.lowerBound)
          undefined.add(r.undefined, chunk: rows.lowerBound)
        } catch {
          failure.record(row: rows.lowerBound, error)
        }
      }
      if let error = failure.first { throw error }
      let estimates = out.array
      let k = e.blockWidth(for: matrix)
      results.append(
        Result(
          name: e.name, order: e.order, sampleCount: k, blockCount: matrix.columnCount / k, estimates: estimates,
          undefined: undefined.inChunkOrder, summary: SampleSummary(estimates.filter { !$0.isNaN })))
    }
    self.results = results
  }
}
