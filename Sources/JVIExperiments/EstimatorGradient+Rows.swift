import JVICore
import JVIModels

extension EstimatorGradient {
  /// G[n, i] = ∂ estimate_n/∂ log w_{n,i} for every row of `block` (row-major, N × K), in
  /// parallel over rows: bit-identical for any thread count. `defined[n]` is false where the
  /// row's weights mean nothing: an estimate of one of its blocks of `width` columns is
  /// undefined (JVI of order m with at most m non-zero weights), or a weight came out non-finite.
  /// The caller decides what such a row holds (`jvi-eval --gradient-weights` writes zeros).
  /// A caller that has evaluated the estimates already (and treats their undefined rows itself)
  /// passes `checkingEstimates: false`, and only non-finite weights clear `defined`.
  package func rowWeights(_ block: LogWeightMatrix, blockWidth width: Int, threads: Int, checkingEstimates: Bool = true)
    -> (weights: ScalarBuffer<Double>, defined: [Bool])
  {
    let n = block.rowCount, k = block.columnCount
    let out = ScalarBuffer<Double>(count: n * k)
    let flags = ScalarBuffer<Double>(count: n, repeating: 1)
    let gradient = self
    ParallelRows.forEachChunk(count: n, chunkSize: 16, threads: threads) { _ in
      (scratch: ScalarBuffer<Double>(count: 3 * width), workspace: EstimatorWorkspace())
    } _: { worker, rows in
      for r in rows {
        let target = UnsafeMutableBufferPointer(start: out.pointer + r * k, count: k)
        block.withRow(r, columns: 0..<k) { x in
          gradient.weights(x, blockWidth: width, into: target, scratch: worker.scratch.buffer)
        }
        // The weights of an undefined estimate mean nothing.
        for b in 0..<(checkingEstimates ? k / width : 0) {
          let value = try? gradient.estimator.estimate(
            block, row: r, columns: (b * width)..<((b + 1) * width), workspace: worker.workspace)
          if let value, Jackknife.isDefined(value) { continue }
          flags.pointer[r] = 0
        }
        if !target.allSatisfy({ $0.isFinite }) { flags.pointer[r] = 0 }
      }
    }
    return (out, (0..<n).map { flags.pointer[$0] == 1 })
  }
}
