import JVICore
import JVIExperiments

/// Each row's importance diagnostics, the six fields of `jvi-eval --diagnostics --per-instance`
/// (`DiagnosticsReport`; jvi.h).
@c(jvi_diagnostics)
public func diagnostics(
  _ logw: UnsafePointer<Double>?, _ rows: Int64, _ columns: Int64, _ k: Int64, _ threads: Int32,
  _ fields: UnsafeMutablePointer<Double>?, _ message: UnsafeMutablePointer<CChar>?, _ capacity: Int64
) -> Int32 {
  CallGuard.run(message: message, capacity: capacity) {
    let out = try CallGuard.output(fields, "fields")
    let workers = try CallGuard.threads(threads)
    let width = try CallGuard.blockWidth(k, columns: columns)
    let matrix = try CallGuard.matrix(logw, rows: rows, columns: columns)
    let report = try DiagnosticsReport(matrix, k: width, threads: workers)
    var next = 0
    try report.forEachChunk { chunk in
      for d in chunk {
        for v in d.fields {
          out[next] = v
          next += 1
        }
      }
    }
    return nil
  }
}
