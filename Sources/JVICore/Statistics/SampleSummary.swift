/// Mean and standard error of per-instance estimates across N instances:
///
///     mean = (1/N) Σ x_n,   std_error = sd(x)/√N,  sd² = Σ (x_n − mean)²/(N − 1).
///
/// Two passes, centred on the first value, so N equal values give that value exactly.
/// Edge cases: with N = 1 or any infinite value the standard error is +∞ (not estimable); the
/// mean of values with infinities follows IEEE arithmetic, and is NaN when they have both
/// signs (or a value is NaN) — callers that print must check `isDefined`.
public struct SampleSummary: Sendable, Equatable {
  public var count: Int
  public var mean: Double
  public var standardError: Double

  public init(_ values: [Double]) {
    count = values.count
    guard let first = values.first else {
      mean = .nan
      standardError = .infinity
      return
    }
    let n = Double(values.count)
    if values.contains(where: { !$0.isFinite }) {
      mean = values.reduce(0, +) / n
      standardError = .infinity
      return
    }
    var s = 0.0
    for x in values { s += x - first }
    mean = first + s / n
    if values.count < 2 {
      standardError = .infinity
      return
    }
    var ss = 0.0
    for x in values { ss += (x - mean) * (x - mean) }
    standardError = (ss / (n - 1) / n).squareRoot()
  }

  /// False when the mean is NaN (undefined).
  public var isDefined: Bool { !mean.isNaN }
}
