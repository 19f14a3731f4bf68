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

extension SampleSummary {
  /// The summary of the values `forEachChunk` yields (in order, NaN left out), computed in two
  /// passes over them with exactly the operations of `init(_:)`: the same bits as
  /// `SampleSummary(all values without NaN)`, with memory bounded by one chunk.
  public init(streaming forEachChunk: ((UnsafeBufferPointer<Double>) -> Void) throws -> Void) rethrows {
    var n = 0, first = Double.nan, plain = 0.0, shifted = 0.0, finite = true
    try forEachChunk { chunk in
      for x in chunk where !x.isNaN {
        if n == 0 { first = x }
        n += 1
        plain += x
        shifted += x - first
        if !x.isFinite { finite = false }
      }
    }
    count = n
    guard n > 0 else {
      mean = .nan
      standardError = .infinity
      return
    }
    if !finite {
      mean = plain / Double(n)
      standardError = .infinity
      return
    }
    let m = first + shifted / Double(n)
    mean = m
    if n < 2 {
      standardError = .infinity
      return
    }
    var ss = 0.0
    try forEachChunk { chunk in
      for x in chunk where !x.isNaN { ss += (x - m) * (x - m) }
    }
    standardError = (ss / (Double(n) - 1) / Double(n)).squareRoot()
  }
}
