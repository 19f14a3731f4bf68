import JVICore
import JVIExperiments

/// One estimate per row of an N × K matrix, by any estimator jvi-eval names: the bits of
/// `jvi-eval --estimator … --per-instance` on the same matrix (jvi.h states the contract), with
/// ELBO-B's inputs when both are given.
@c(jvi_estimate)
public func estimate(
  _ method: UnsafePointer<CChar>?, _ logw: UnsafePointer<Double>?, _ rows: Int64, _ columns: Int64,
  _ logLikelihood: UnsafePointer<Double>?, _ kl: UnsafePointer<Double>?, _ k: Int64,
  _ seed: UInt64, _ threads: Int32, _ values: UnsafeMutablePointer<Double>?,
  _ undefinedRows: UnsafeMutablePointer<Int64>?, _ message: UnsafeMutablePointer<CChar>?, _ capacity: Int64
) -> Int32 {
  CallGuard.run(message: message, capacity: capacity) {
    let out = try CallGuard.output(values, "values")
    let workers = try CallGuard.threads(threads)
    let width = try CallGuard.blockWidth(k, columns: columns)
    let estimator = try CallGuard.estimator(method, k: width, seed: seed)
    var matrix = try CallGuard.matrix(logw, rows: rows, columns: columns)
    switch (logLikelihood, kl) {
    case (nil, nil): break
    case (let ll?, let kl?):
      let n = matrix.rowCount, count = n * matrix.columnCount
      matrix = try matrix.withAnalyticKLInputs(
        logLikelihood: Array(UnsafeBufferPointer(start: ll, count: count)),
        klDivergence: Array(UnsafeBufferPointer(start: kl, count: n)))
    default: throw Refusal("log_likelihood and kl are elbo-b's inputs: give both or neither")
    }
    let (estimates, undefined) = try EstimatorEvaluation.evaluate(estimator, on: matrix, threads: workers)
    for (i, v) in estimates.enumerated() { out[i] = v }
    undefinedRows?.pointee = Int64(undefined.count)
    return CallGuard.undefinedNote(undefined)
  }
}
