/// N instances × K samples of log importance weights, log w = log p(x, z) − log q(z | x),
/// in `Double`, row-major and contiguous.
///
/// Every estimator reads this one matrix. −∞ is a legal entry (a zero weight); NaN and +∞
/// are rejected when the matrix is built, naming the row and column, so the kernels never
/// test for them. It may also carry the two inputs of the analytic-KL ELBO (ELBO-B): an N × K
/// matrix of log p(x | z_k) for the same samples, and an N-vector of KL(q(z | x) ‖ p(z)).
public struct LogWeightMatrix: Sendable, Equatable {
  /// N, the number of instances (data points).
  public let rowCount: Int
  /// K, the number of samples per instance.
  public let columnCount: Int
  /// Row-major values: entry (i, k) at `i * columnCount + k`.
  public let values: [Double]
  /// log p(x_i | z_ik), row-major N × K, when known.
  public private(set) var logLikelihood: [Double]?
  /// KL(q(z | x_i) ‖ p(z)) per instance, when known.
  public private(set) var klDivergence: [Double]?
  /// The global index of row 0: the matrix may hold a block of a larger set of instances (a
  /// shard, `rows(_:)`). Randomised estimators seed each instance by its global index, so an
  /// instance's estimate does not depend on how the instances were split.
  public var instanceOffset = 0

  /// A matrix from row-major values.
  ///
  /// - Throws: `LogWeightMatrixError` if N or K is 0, the count is not N·K, or an entry is
  ///   NaN or +∞ (the error names its row and column).
  public init(rowCount: Int, columnCount: Int, values: [Double]) throws(LogWeightMatrixError) {
    guard rowCount > 0, columnCount > 0 else {
      throw .empty(rowCount: rowCount, columnCount: columnCount)
    }
    guard values.count == rowCount * columnCount else {
      throw .shapeMismatch(field: "log-weights", expected: rowCount * columnCount, actual: values.count)
    }
    try LogWeightMatrix.validate(values, columnCount: columnCount, field: "log-weight")
    self.rowCount = rowCount
    self.columnCount = columnCount
    self.values = values
  }

  /// A matrix from rows of equal length.
  public init(rows: [[Double]]) throws(LogWeightMatrixError) {
    let k = rows.first?.count ?? 0
    for (i, r) in rows.enumerated() where r.count != k {
      throw .raggedRow(row: i, expected: k, actual: r.count)
    }
    try self.init(rowCount: rows.count, columnCount: k, values: rows.flatMap { $0 })
  }

  /// This matrix with the ELBO-B inputs attached.
  ///
  /// - Parameters:
  ///   - logLikelihood: N × K values of log p(x | z) (finite or −∞).
  ///   - klDivergence: N finite values of KL(q(z | x) ‖ p(z)).
  public func withAnalyticKLInputs(logLikelihood: [Double], klDivergence: [Double]) throws(LogWeightMatrixError)
    -> LogWeightMatrix
  {
    guard logLikelihood.count == values.count else {
      throw .shapeMismatch(field: "log-likelihood", expected: values.count, actual: logLikelihood.count)
    }
    guard klDivergence.count == rowCount else {
      throw .shapeMismatch(field: "KL divergence", expected: rowCount, actual: klDivergence.count)
    }
    try LogWeightMatrix.validate(logLikelihood, columnCount: columnCount, field: "log-likelihood")
    for (i, v) in klDivergence.enumerated() where !v.isFinite {
      throw .invalidValue(field: "KL divergence", row: i, column: nil, value: v)
    }
    var copy = self
    copy.logLikelihood = logLikelihood
    copy.klDivergence = klDivergence
    return copy
  }

  /// True when the ELBO-B inputs are present.
  public var hasAnalyticKLInputs: Bool { logLikelihood != nil && klDivergence != nil }

  public subscript(row: Int, column: Int) -> Double {
    values[row * columnCount + column]
  }

  /// Calls `body` with the log-weights of one row restricted to `columns`.
  @inlinable
  public func withRow<R, E: Error>(
    _ row: Int, columns: Range<Int>, _ body: (UnsafeBufferPointer<Double>) throws(E) -> R
  ) throws(E) -> R {
    precondition(row >= 0 && row < rowCount, "row \(row) of a matrix of \(rowCount) rows")
    precondition(
      columns.lowerBound >= 0 && columns.upperBound <= columnCount, "columns \(columns) of a matrix of \(columnCount)")
    return try values.withUnsafeBufferPointer { (all) throws(E) -> R in
      try body(
        UnsafeBufferPointer(
          rebasing: all[(row * columnCount + columns.lowerBound)..<(row * columnCount + columns.upperBound)]))
    }
  }

  /// The rows `rows` as a new matrix (ELBO-B inputs included).
  public func rows(_ rows: Range<Int>) -> LogWeightMatrix {
    precondition(!rows.isEmpty, "an empty row range")
    precondition(rows.lowerBound >= 0 && rows.upperBound <= rowCount, "rows \(rows) of a matrix of \(rowCount) rows")
    let range = (rows.lowerBound * columnCount)..<(rows.upperBound * columnCount)
    var block = LogWeightMatrix(
      unchecked: rows.count, columnCount, Array(values[range]),
      logLikelihood.map { Array($0[range]) }, klDivergence.map { Array($0[rows]) })
    block.instanceOffset = instanceOffset + rows.lowerBound
    return block
  }

  init(unchecked n: Int, _ k: Int, _ v: [Double], _ ll: [Double]?, _ kl: [Double]?) {
    rowCount = n
    columnCount = k
    values = v
    logLikelihood = ll
    klDivergence = kl
  }

  static func validate(_ v: [Double], columnCount: Int, field: String) throws(LogWeightMatrixError) {
    for (i, x) in v.enumerated() where x.isNaN || x == .infinity {
      throw .invalidValue(field: field, row: i / columnCount, column: i % columnCount, value: x)
    }
  }
}

/// Why a `LogWeightMatrix` could not be built.
public enum LogWeightMatrixError: Error, Equatable, Sendable, CustomStringConvertible {
  case empty(rowCount: Int, columnCount: Int)
  case shapeMismatch(field: String, expected: Int, actual: Int)
  case raggedRow(row: Int, expected: Int, actual: Int)
  /// NaN or +∞ at a 0-based row (and column, for matrices).
  case invalidValue(field: String, row: Int, column: Int?, value: Double)

  public var description: String { formatted() }

  /// The message; formatting is a cold path, kept out of the kernels that throw.
  @inline(never)
  func formatted() -> String {
    switch self {
    case .empty(let n, let k):
      return "the matrix is empty (\(n) rows × \(k) columns); at least one instance and one sample are needed"
    case .shapeMismatch(let field, let expected, let actual):
      return "\(field): expected \(expected) values, got \(actual)"
    case .raggedRow(let row, let expected, let actual):
      return "row \(row) has \(actual) values; expected \(expected) like row 0"
    case .invalidValue(let field, let row, let column, let value):
      let what = value.isNaN ? "NaN" : (value > 0 ? "+inf" : "-inf")
      guard let column else { return "\(field) at row \(row) (0-based) is \(what); it must be finite" }
      return "\(field) at row \(row), column \(column) (0-based) is \(what); "
        + "only finite values and -inf (a zero weight) are allowed"
    }
  }
}
