import JVICore
import JVIModels

/// `jvi-eval --gradient-weights G.npy`: G[n, i] = ∂ estimate_n/∂ log w_{n,i} of one estimator
/// (`EstimatorGradient`), an N × K float64 `.npy` streamed a block of rows at a time as the
/// log-weights are read, in parallel over rows (bit-identical for any thread count), written
/// atomically. A row whose estimate is undefined (JVI of order m with at most m non-zero weights
/// in a block) or whose weights come out non-finite is written as zeros and counted, never as NaN.
public final class GradientWeightsWriter {
  let gradient: EstimatorGradient
  let blockWidth: Int
  let writer: NPYMatrixWriter
  /// Rows written as zeros because their weights were not finite: how many, and the first few.
  public private(set) var undefinedCount = 0
  public private(set) var firstUndefined: [Int] = []

  public init(_ gradient: EstimatorGradient, blockWidth: Int, rows: Int, columns: Int, path: String) throws {
    self.gradient = gradient
    self.blockWidth = blockWidth
    writer = try NPYMatrixWriter(path: path, rowCount: rows, columnCount: columns)
  }

  /// Appends the weights of `block`'s rows (the next rows of the file).
  public func append(_ block: LogWeightMatrix, threads: Int) throws {
    let n = block.rowCount, k = block.columnCount
    let (out, defined) = gradient.rowWeights(block, blockWidth: blockWidth, threads: threads)
    for r in 0..<n where !defined[r] {
      for i in 0..<k { out.pointer[r * k + i] = 0 }
      undefinedCount += 1
      if firstUndefined.count < 5 { firstUndefined.append(writer.rowsWritten + r) }
    }
    try writer.append(UnsafeBufferPointer(out.buffer))
  }

  /// Renames the file into place.
  public func commit() throws { try writer.commit() }
}
