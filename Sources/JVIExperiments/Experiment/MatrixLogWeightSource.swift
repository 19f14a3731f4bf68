import JVICore

/// `model = matrix`: a user's log-weights, N × C (`.npy`, float64 or float32, or `.csv`), each
/// row's C values independent draws log p(x, z_c) − log q(z_c | x) for one instance. A sweep
/// reads them instead of drawing:
///
/// - replicate set s of a sweep with K_max samples is the column block [s·K_max, (s+1)·K_max);
/// - a sampled reference (jvi-1 or iwae of K_ref samples) is the last K_ref columns,
///   [C − K_ref, C), which no replicate set may reach (`ExperimentSpecification` checks
///   C ≥ S·K_max + K_ref before anything runs).
///
/// So a file for S replicate sets up to K_max, with a held-out reference of K_ref samples, needs
/// C ≥ S·K_max + K_ref columns. The first `instances` rows are used (all by default). Seeds do not
/// apply: the draws are the file's.
public struct MatrixLogWeightSource: LogWeightSource {
  public let path: String
  let matrix: LogWeightMatrix

  /// The first `instances` rows of the file at `path` (all when nil).
  ///
  /// - Throws: `InputFileError` for a file that cannot be read or holds NaN or +∞ (naming its row
  ///   and column), `SweepError` for more instances than rows.
  public init(path: String, instances: Int? = nil) throws {
    let file = try LogWeightFile(path: path)
    let n = instances ?? file.rowCount
    guard n >= 1, n <= file.rowCount else {
      throw SweepError("\(path) has \(file.rowCount) rows (instances); \(n) were asked for")
    }
    self.path = path
    matrix = try file.block(0..<n)
  }

  public var instanceCount: Int { matrix.rowCount }
  /// C, the columns of the file.
  public var columnCount: Int { matrix.columnCount }
  /// "matrix logw.npy (1000 x 5120)": the file's name (not its folder) and shape.
  public var name: String {
    "matrix \(path.split(separator: "/").last.map(String.init) ?? path) (\(matrix.rowCount) x \(matrix.columnCount))"
  }

  /// The first `samples` columns (as replicate set 0).
  public func logWeights(samples: Int, rows: Range<Int>, seed: UInt64, threads: Int) throws -> LogWeightMatrix {
    try columns(0..<samples, rows: rows, for: "the first \(samples) samples")
  }

  public func replicateLogWeights(set: Int, samples: Int, rows: Range<Int>, seed: UInt64, threads: Int) throws
    -> LogWeightMatrix
  {
    try columns((set * samples)..<((set + 1) * samples), rows: rows, for: "replicate set \(set)")
  }

  public func referenceLogWeights(samples: Int, rows: Range<Int>, seed: UInt64, threads: Int) throws
    -> LogWeightMatrix
  {
    try columns((matrix.columnCount - samples)..<matrix.columnCount, rows: rows, for: "the reference")
  }

  /// Rows `rows` of columns `range`, numbered as instances from rows.lowerBound.
  func columns(_ range: Range<Int>, rows: Range<Int>, for what: String) throws -> LogWeightMatrix {
    checkRequest(samples: range.count, rows: rows)
    guard range.lowerBound >= 0, range.upperBound <= matrix.columnCount else {
      throw SweepError(
        "\(path) is \(matrix.rowCount) x \(matrix.columnCount); \(what) needs columns \(range.lowerBound)..<"
          + "\(range.upperBound)")
    }
    var values: [Double] = []
    values.reserveCapacity(rows.count * range.count)
    for r in rows {
      let start = r * matrix.columnCount
      values.append(contentsOf: matrix.values[(start + range.lowerBound)..<(start + range.upperBound)])
    }
    return .trusted(
      rowCount: rows.count, columnCount: range.count, values: values, instanceOffset: rows.lowerBound)
  }
}
