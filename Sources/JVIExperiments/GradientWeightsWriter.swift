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
    let n = block.rowCount, k = block.columnCount, width = blockWidth
    let out = ScalarBuffer<Double>(count: n * k)
    let gradient = self.gradient
    let defined = ScalarBuffer<Double>(count: n, repeating: 1)
    ParallelRows.forEachChunk(count: n, chunkSize: 16, threads: threads) { _ in
      (scratch: ScalarBuffer<Double>(count: 3 * width), workspace: EstimatorWorkspace())
    } _: { worker, rows in
      for r in rows {
        let target = UnsafeMutableBufferPointer(start: out.pointer + r * k, count: k)
        block.withRow(r, columns: 0..<k) { x in
          gradient.weights(x, blockWidth: width, into: target, scratch: worker.scratch.buffer)
        }
        // The weights of an undefined estimate mean nothing: the row is zeroed below.
        for b in 0..<(k / width) {
          let value = try? gradient.estimator.estimate(
            block, row: r, columns: (b * width)..<((b + 1) * width), workspace: worker.workspace)
          if let value, Jackknife.isDefined(value) { continue }
          defined.pointer[r] = 0
        }
      }
    }
    for r in 0..<n {
      let row = UnsafeMutableBufferPointer(start: out.pointer + r * k, count: k)
      if defined.pointer[r] == 1 && row.allSatisfy({ $0.isFinite }) { continue }
      for i in row.indices { row[i] = 0 }
      undefinedCount += 1
      if firstUndefined.count < 5 { firstUndefined.append(writer.rowsWritten + r) }
    }
    try writer.append(UnsafeBufferPointer(out.buffer))
  }

  /// Renames the file into place.
  public func commit() throws { try writer.commit() }
}
