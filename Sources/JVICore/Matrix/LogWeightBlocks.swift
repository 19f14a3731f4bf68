/// N × K log-weights served a block of rows at a time, so that estimators, diagnostics and
/// per-instance output run in memory bounded by one block whatever N·K is. Row i of the whole
/// is row i − rows.lowerBound of `block(rows)`, whose `instanceOffset` is i's global index: the
/// randomised estimators seed instances by it, so any blocking gives the same bits.
public protocol LogWeightBlockSource {
  var rowCount: Int { get }
  var columnCount: Int { get }
  /// True when the blocks carry ELBO-B's inputs (log p(x | z) and the KL).
  var hasAnalyticKLInputs: Bool { get }
  /// Rows `rows` (a subrange of 0 ..< rowCount) as a matrix.
  func block(_ rows: Range<Int>) throws -> LogWeightMatrix
  /// Rows per block (by default about 4 Mi doubles, 32 MiB, and at least 1 row).
  var rowsPerBlock: Int { get }
}

extension LogWeightBlockSource {
  /// The default block: `blockValues` doubles' worth of rows, at least 1.
  public var rowsPerBlock: Int { max(1, Self.blockValues / max(1, columnCount)) }

  /// About 4 Mi doubles (32 MiB) per block: large enough that reading and threading costs vanish,
  /// small enough that a block and its spools stay far below the 512 MiB the tools promise.
  public static var blockValues: Int { 1 << 22 }

  /// The blocks of `rowsPerBlock` rows, in order.
  public var blockRanges: [Range<Int>] {
    let size = rowsPerBlock
    return stride(from: 0, to: rowCount, by: size).map { $0..<min(rowCount, $0 + size) }
  }
}

extension LogWeightMatrix: LogWeightBlockSource {
  public func block(_ rows: Range<Int>) -> LogWeightMatrix {
    rows == 0..<rowCount ? self : self.rows(rows)
  }
}

/// A log-weight file as blocks: a `.npy` is read a block at a time (`NPYMatrixReader`, nothing
/// else held); a `.csv` (text, read whole) is parsed once. With ELBO-B's inputs, the N × K
/// log-likelihood file is read alongside in the same way and the N KL values are held.
public final class LogWeightFile: LogWeightBlockSource {
  public let path: String
  public let rowCount: Int
  public let columnCount: Int
  let reader: NPYMatrixReader?
  let whole: LogWeightMatrix?
  var analyticKL: (logLikelihood: LogWeightFile, kl: [Double])?

  /// Opens `path` (.npy or .csv by extension), reading a .npy's header only.
  ///
  /// - Throws: `InputFileError` naming the file and the problem (see `LogWeightMatrix(contentsOf:)`).
  public convenience init(path: String) throws(InputFileError) {
    try self.init(path: path, field: "log-weight")
  }

  init(path: String, field: String) throws(InputFileError) {
    self.path = path
    if path.lowercased().hasSuffix(".npy") {
      let r = try NPYMatrixReader(path: path)
      reader = r
      whole = nil
      rowCount = r.rowCount
      columnCount = r.columnCount
    } else {
      let (n, k, v) = try LogWeightMatrix.loadMatrixValues(path, field: field)
      reader = nil
      whole = LogWeightMatrix.trusted(rowCount: n, columnCount: k, values: v)
      rowCount = n
      columnCount = k
    }
    self.field = field
  }

  let field: String

  public var hasAnalyticKLInputs: Bool { analyticKL != nil }

  /// Attaches ELBO-B's inputs: an N × K log p(x | z) file and N KL values (see
  /// `LogWeightMatrix.withAnalyticKLInputs(logLikelihoodFile:klFile:)`).
  public func attachAnalyticKLInputs(logLikelihoodFile: String, klFile: String) throws(InputFileError) {
    let ll = try LogWeightFile(path: logLikelihoodFile, field: "log-likelihood")
    guard ll.rowCount == rowCount && ll.columnCount == columnCount else {
      throw InputFileError(
        path: logLikelihoodFile,
        problem:
          "shape (\(ll.rowCount), \(ll.columnCount)) does not match the log-weights' (\(rowCount), \(columnCount))")
    }
    let kl = try LogWeightMatrix.loadKLValues(klFile, count: rowCount)
    for (i, v) in kl.enumerated() where !v.isFinite {
      throw InputFileError(
        path: klFile,
        problem: LogWeightMatrixError.invalidValue(field: "KL divergence", row: i, column: nil, value: v).description)
    }
    analyticKL = (ll, kl)
  }

  /// The values of `rows`, checked for NaN and +∞ (named by their global row and column).
  func values(_ rows: Range<Int>) throws(InputFileError) -> [Double] {
    if let whole {
      let range = (rows.lowerBound * columnCount)..<(rows.upperBound * columnCount)
      return Array(whole.values[range])
    }
    guard let reader else { preconditionFailure("a LogWeightFile holds a reader or a matrix") }
    var v = [Double](repeating: 0, count: rows.count * columnCount)
    var failure: InputFileError? = nil
    v.withUnsafeMutableBufferPointer { p in
      do throws(InputFileError) { try reader.readRows(rows, into: p.baseAddress!) } catch { failure = error }
    }
    if let failure { throw failure }
    if let bad = LogWeightMatrix.firstInvalid(v) {
      throw InputFileError(
        path: path,
        problem: LogWeightMatrixError.invalidValue(
          field: field, row: rows.lowerBound + bad / columnCount, column: bad % columnCount, value: v[bad]
        ).description)
    }
    return v
  }

  public func block(_ rows: Range<Int>) throws -> LogWeightMatrix {
    precondition(!rows.isEmpty, "an empty row range")
    precondition(rows.upperBound <= rowCount, "rows \(rows) of a matrix of \(rowCount) rows")
    // Both files' values are checked as they are read and the KL values when attached.
    return LogWeightMatrix.trusted(
      rowCount: rows.count, columnCount: columnCount, values: try values(rows),
      logLikelihood: try analyticKL?.logLikelihood.values(rows), klDivergence: analyticKL.map { Array($0.kl[rows]) },
      instanceOffset: rows.lowerBound)
  }
}
