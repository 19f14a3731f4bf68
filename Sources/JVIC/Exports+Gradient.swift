import JVICore
import JVIExperiments

/// The estimates and their derivatives G = ∂value/∂log w for iwae, jvi-M and vr (jvi.h):
/// `extended` = 1 gives the bits of `jvi-eval --gradient-weights`, 0 the training path's
/// `JackknifeGradientWeights.Precision.automatic`. A row whose estimate is undefined, or whose
/// weights are not finite, is NaN in both outputs.
@c(jvi_value_and_grad)
public func valueAndGradient(
  _ method: UnsafePointer<CChar>?, _ logw: UnsafePointer<Double>?, _ rows: Int64, _ columns: Int64, _ k: Int64,
  _ extended: Int32, _ threads: Int32, _ values: UnsafeMutablePointer<Double>?,
  _ gradient: UnsafeMutablePointer<Double>?, _ undefinedRows: UnsafeMutablePointer<Int64>?,
  _ message: UnsafeMutablePointer<CChar>?, _ capacity: Int64
) -> Int32 {
  CallGuard.run(message: message, capacity: capacity) {
    let valuesOut = try CallGuard.output(values, "values")
    let gradientOut = try CallGuard.output(gradient, "gradient")
    guard extended == 0 || extended == 1 else { throw Refusal("extended must be 0 or 1, got \(extended)") }
    let workers = try CallGuard.threads(threads)
    let width = try CallGuard.blockWidth(k, columns: columns)
    let estimator = try CallGuard.estimator(method, k: width, seed: 0)
    let matrix = try CallGuard.matrix(logw, rows: rows, columns: columns)
    try estimator.validate(for: matrix)
    let blockWidth = estimator.blockWidth(for: matrix)
    let g = try EstimatorGradient(
      estimator, blockWidth: blockWidth, precision: extended == 1 ? .extended : .automatic)
    var (estimates, undefined) = try EstimatorEvaluation.evaluate(estimator, on: matrix, threads: workers)
    let (weights, defined) = g.rowWeights(matrix, blockWidth: blockWidth, threads: workers, checkingEstimates: false)
    let n = matrix.rowCount, kk = matrix.columnCount
    var undefinedRowSet = Set(undefined.map(\.row))
    for r in 0..<n where !defined[r] && !undefinedRowSet.contains(r) {
      undefined.append(UndefinedInstance(row: r, reason: "its gradient weights are not finite"))
      undefinedRowSet.insert(r)
    }
    undefined.sort { $0.row < $1.row }
    for r in 0..<n {
      let bad = undefinedRowSet.contains(r)
      valuesOut[r] = bad ? .nan : estimates[r]
      for i in 0..<kk { gradientOut[r * kk + i] = bad ? .nan : weights.pointer[r * kk + i] }
    }
    undefinedRows?.pointee = Int64(undefined.count)
    return CallGuard.undefinedNote(undefined)
  }
}
