import JVICore
import JVIModels

/// Pareto-smoothed, truncated and normalised log-weights and k̂ of every row, as ArviZ's
/// `psislw` (`ParetoSmoothing.smoothedLogWeights`; jvi.h).
@c(jvi_psis)
public func paretoSmoothedLogWeights(
  _ logw: UnsafePointer<Double>?, _ rows: Int64, _ columns: Int64, _ threads: Int32,
  _ smoothed: UnsafeMutablePointer<Double>?, _ khat: UnsafeMutablePointer<Double>?,
  _ message: UnsafeMutablePointer<CChar>?, _ capacity: Int64
) -> Int32 {
  CallGuard.run(message: message, capacity: capacity) {
    let out = try CallGuard.output(smoothed, "smoothed_log_weights")
    let shapes = try CallGuard.output(khat, "khat")
    let workers = try CallGuard.threads(threads)
    let matrix = try CallGuard.matrix(logw, rows: rows, columns: columns)
    let k = matrix.columnCount
    let target = UncheckedBox((out, shapes))
    ParallelRows.forEachChunk(count: matrix.rowCount, chunkSize: 16, threads: workers) { _ in
      ScalarBuffer<Double>(count: k)
    } _: { scratch, rows in
      let (out, shapes) = target.value
      for r in rows {
        shapes[r] = matrix.withRow(r, columns: 0..<k) { x in
          ParetoSmoothing.smoothedLogWeights(
            x, into: UnsafeMutableBufferPointer(start: out + r * k, count: k), scratch: scratch.buffer)
        }
      }
    }
    return nil
  }
}
