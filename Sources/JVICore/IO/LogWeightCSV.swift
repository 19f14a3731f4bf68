/// Reading matrices from CSV text: N lines of K comma-separated numbers, no header.
///
/// Cells may carry surrounding spaces; lines may end in "\n" or "\r\n"; a final newline is
/// optional. `-inf` (also `-Infinity`) is a zero weight. Errors name the file, the 1-based line
/// and column, and the cell: an empty or non-numeric cell, NaN, +inf, a ragged line, an empty line.
public enum LogWeightCSV {
  /// Parses `bytes` into (rows, columns, row-major values).
  ///
  /// - Parameter allowNegativeInfinity: whether `-inf` is a legal value (true for log-weights
  ///   and log-likelihoods, false for KL values).
  public static func parse(_ bytes: [UInt8], source: String, allowNegativeInfinity: Bool = true)
    throws(InputFileError) -> (rows: Int, columns: Int, values: [Double])
  {
    @inline(never) func fail(_ problem: String) -> InputFileError { InputFileError(path: source, problem: problem) }
    var start = 0
    if bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF { start = 3 }
    var values: [Double] = []
    var columns = -1
    var line = 0
    var i = start
    let n = bytes.count
    while i < n {
      line += 1
      var end = i
      while end < n && bytes[end] != 0x0A { end += 1 }
      var lineEnd = end
      if lineEnd > i && bytes[lineEnd - 1] == 0x0D { lineEnd -= 1 }
      if lineEnd == i || bytes[i..<lineEnd].allSatisfy({ $0 == 0x20 || $0 == 0x09 }) {
        // A blank line is allowed only at the very end of the file.
        var rest = end + 1
        while rest < n && (bytes[rest] == 0x0A || bytes[rest] == 0x0D || bytes[rest] == 0x20 || bytes[rest] == 0x09) {
          rest += 1
        }
        if rest >= n { break }
        throw fail("line \(line) is empty; expected \(columns > 0 ? String(columns) : "some") comma-separated numbers")
      }
      var count = 0
      var cellStart = i
      var column = 0
      while cellStart <= lineEnd {
        column += 1
        var cellEnd = cellStart
        while cellEnd < lineEnd && bytes[cellEnd] != UInt8(ascii: ",") { cellEnd += 1 }
        var a = cellStart, b = cellEnd
        while a < b && (bytes[a] == 0x20 || bytes[a] == 0x09) { a += 1 }
        while b > a && (bytes[b - 1] == 0x20 || bytes[b - 1] == 0x09) { b -= 1 }
        let text = String(decoding: bytes[a..<b], as: UTF8.self)
        guard !text.isEmpty else { throw fail("line \(line), column \(column): empty cell") }
        guard let v = Double(text) else {
          throw fail("line \(line), column \(column): '\(text.prefix(40))' is not a number")
        }
        if v.isNaN {
          throw fail("line \(line), column \(column): '\(text)' is NaN; only finite values and -inf are allowed")
        }
        if v == .infinity {
          throw fail("line \(line), column \(column): '\(text)' is +inf; only finite values and -inf are allowed")
        }
        if v == -.infinity && !allowNegativeInfinity {
          throw fail("line \(line), column \(column): '\(text)' is -inf; values here must be finite")
        }
        values.append(v)
        count += 1
        cellStart = cellEnd + 1
      }
      if columns < 0 {
        columns = count
      } else if count != columns {
        throw fail("line \(line) has \(count) values; expected \(columns) like line 1")
      }
      i = end + 1
    }
    if columns <= 0 { throw fail("no data: the file is empty") }
    return (values.count / columns, columns, values)
  }
}

extension LogWeightMatrix {
  /// Loads log-weights from a `.npy` (float64 or float32, 2-D N × K, C or Fortran order) or
  /// `.csv` (N lines of K numbers, no header) file, chosen by the file's extension.
  ///
  /// - Throws: `InputFileError` naming the file and the problem (bad magic, bad header, wrong
  ///   dtype, truncated data, wrong rank, a bad CSV cell with its line and column, NaN or +∞
  ///   with its row and column).
  public init(contentsOf path: String) throws(InputFileError) {
    let (n, k, v) = try LogWeightMatrix.loadMatrixValues(path, field: "log-weight")
    do {
      try self.init(rowCount: n, columnCount: k, values: v)
    } catch {
      throw InputFileError(path: path, problem: error.description)
    }
  }

  /// Attaches ELBO-B inputs read from files: an N × K log p(x | z) matrix and N KL values
  /// (`.npy` of shape (N,) or (N, 1), or CSV with one value per line).
  public func withAnalyticKLInputs(logLikelihoodFile: String, klFile: String) throws(InputFileError) -> LogWeightMatrix
  {
    let (n, k, ll) = try LogWeightMatrix.loadMatrixValues(logLikelihoodFile, field: "log-likelihood")
    guard n == rowCount && k == columnCount else {
      throw InputFileError(
        path: logLikelihoodFile,
        problem: "shape (\(n), \(k)) does not match the log-weights' (\(rowCount), \(columnCount))")
    }
    let kl = try LogWeightMatrix.loadKLValues(klFile, count: rowCount)
    do {
      return try withAnalyticKLInputs(logLikelihood: ll, klDivergence: kl)
    } catch {
      let path: String
      if case .invalidValue(let field, _, _, _) = error, field == "KL divergence" {
        path = klFile
      } else {
        path = logLikelihoodFile
      }
      throw InputFileError(path: path, problem: error.description)
    }
  }

  /// N KL values from a `.npy` of shape (N,) or (N, 1), or a CSV with one value per line.
  static func loadKLValues(_ klFile: String, count: Int) throws(InputFileError) -> [Double] {
    let kl: [Double]
    if klFile.lowercased().hasSuffix(".npy") {
      let array = try NPYArray(bytes: FileIO.read(klFile), source: klFile)
      guard array.shape.count == 1 || (array.shape.count == 2 && array.shape[1] == 1) else {
        throw InputFileError(
          path: klFile, problem: "expected shape (N,) or (N, 1), got \(NPYHeader.shapeText(array.shape))")
      }
      kl = array.values
    } else {
      let (_, columns, values) = try LogWeightCSV.parse(
        FileIO.read(klFile), source: klFile, allowNegativeInfinity: false)
      guard columns == 1 else {
        throw InputFileError(path: klFile, problem: "expected one value per line, got \(columns)")
      }
      kl = values
    }
    guard kl.count == count else {
      throw InputFileError(path: klFile, problem: "has \(kl.count) values; the log-weights have \(count) instances")
    }
    return kl
  }

  /// The index of the first NaN or +∞, if any. Four lanes at a time: d = x − x is NaN exactly
  /// for NaN and ±∞ (a lane with d ≠ d), and only such groups are looked at one by one, where −∞
  /// (a zero weight) passes.
  static func firstInvalid(_ v: [Double]) -> Int? {
    v.withUnsafeBufferPointer { p in
      guard let base = p.baseAddress else { return nil }
      var i = 0
      while i + 4 <= p.count {
        let x = UnsafeRawPointer(base + i).loadUnaligned(as: SIMD4<Double>.self)
        let d = x - x
        if any(d .!= d) {
          for j in i..<(i + 4) where base[j].isNaN || base[j] == .infinity { return j }
        }
        i += 4
      }
      for j in i..<p.count where base[j].isNaN || base[j] == .infinity { return j }
      return nil
    }
  }

  static func loadMatrixValues(_ path: String, field: String) throws(InputFileError) -> (Int, Int, [Double]) {
    let lower = path.lowercased()
    if lower.hasSuffix(".npy") {
      // Read through the block reader (the same checks of rank, size and values, by name).
      let file = try LogWeightFile(path: path, field: field)
      return (file.rowCount, file.columnCount, try file.values(0..<file.rowCount))
    }
    let bytes = try FileIO.read(path)
    if lower.hasSuffix(".csv") || lower.hasSuffix(".txt") {
      let (n, k, v) = try LogWeightCSV.parse(bytes, source: path)
      return (n, k, v)
    }
    throw InputFileError(path: path, problem: "unknown file type; expected a .npy or .csv file")
  }

  /// This matrix's log-weights as a float64 `.npy` file.
  public func npyBytes() -> [UInt8] { NPYArray.float64Bytes(shape: [rowCount, columnCount], values: values) }
}
