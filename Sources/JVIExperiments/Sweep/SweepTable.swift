/// One row of a sweep's CSV: one (model, estimator, order, K) cell. Tidy, fixed columns:
///
///     model,dataset,estimator,order,k,n_instances,replicates,mean,reference,reference_se,
///     bias,bias_se,variance,variance_se,mse,mse_se,seconds
///
/// Doubles in shortest round-trip form; `seconds` is the cell's compute time (estimates,
/// statistics and bootstrap; not the draws). `model` and `dataset` are labels without commas.
public struct SweepRow: Sendable, Equatable {
  public var model: String
  public var dataset: String
  public var estimator: String
  public var order: Int
  public var k: Int
  public var statistics: CellStatistics
  public var seconds: Double

  public static let header =
    "model,dataset,estimator,order,k,n_instances,replicates,mean,reference,reference_se,bias,bias_se,variance,"
    + "variance_se,mse,mse_se,seconds"

  public init(
    model: String, dataset: String, estimator: String, order: Int, k: Int, statistics: CellStatistics, seconds: Double
  ) {
    self.model = model
    self.dataset = dataset
    self.estimator = estimator
    self.order = order
    self.k = k
    self.statistics = statistics
    self.seconds = seconds
  }

  /// The cell key (estimator, order, k).
  public var key: CellKey { CellKey(estimator: estimator, order: order, k: k) }

  public var csvLine: String {
    let s = statistics
    let numbers = [
      s.mean, s.reference, s.referenceStandardError, s.bias, s.biasStandardError, s.variance, s.varianceStandardError,
      s.meanSquaredError, s.meanSquaredErrorStandardError,
    ].map(SweepRow.format)
    return
      ([model, dataset, estimator, String(order), String(k), String(s.instances), String(s.replicates)] + numbers
      + [SweepRow.format((seconds * 1000).rounded() / 1000)]).joined(separator: ",")
  }

  /// Shortest round-trip text ("0.25", "1e-05", "inf").
  public static func format(_ x: Double) -> String { String(describing: x) }

  /// Parses a CSV line written by `csvLine` (resume, merge, figures).
  public init(csvLine: String, path: String, line: Int) throws(SweepError) {
    let f = csvLine.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
    func fail(_ what: String) -> SweepError { SweepError("\(path):\(line): \(what)") }
    guard f.count == 17 else { throw fail("expected 17 comma-separated fields, got \(f.count)") }
    func int(_ i: Int, _ name: String) throws(SweepError) -> Int {
      guard let v = Int(f[i]) else { throw fail("field \(name) is not an integer: '\(f[i])'") }
      return v
    }
    func double(_ i: Int, _ name: String) throws(SweepError) -> Double {
      guard let v = Double(f[i]), !v.isNaN else { throw fail("field \(name) is not a number: '\(f[i])'") }
      return v
    }
    model = f[0]
    dataset = f[1]
    estimator = f[2]
    order = try int(3, "order")
    k = try int(4, "k")
    let n = try int(5, "n_instances"), r = try int(6, "replicates")
    statistics = CellStatistics(
      instances: n, replicates: r, mean: try double(7, "mean"), reference: try double(8, "reference"),
      referenceStandardError: try double(9, "reference_se"), bias: try double(10, "bias"),
      biasStandardError: try double(11, "bias_se"), variance: try double(12, "variance"),
      varianceStandardError: try double(13, "variance_se"), meanSquaredError: try double(14, "mse"),
      meanSquaredErrorStandardError: try double(15, "mse_se"))
    seconds = try double(16, "seconds")
  }
}

/// (estimator, order, k): what identifies a cell within one run.
public struct CellKey: Sendable, Hashable, CustomStringConvertible {
  public var estimator: String
  public var order: Int
  public var k: Int

  public init(estimator: String, order: Int, k: Int) {
    self.estimator = estimator
    self.order = order
    self.k = k
  }

  public init(_ cell: SweepPlan.Cell) {
    self.init(estimator: cell.estimator.name, order: cell.estimator.order, k: cell.k)
  }

  public var description: String { estimator == "jvi" ? "jvi-\(order) k=\(k)" : "\(estimator) k=\(k)" }
}

/// One row of the companion `<run>.intervals.csv`: the percentile bootstrap interval of the bias.
public struct IntervalRow: Sendable, Equatable {
  public var key: CellKey
  public var level: Double
  public var lower: Double
  public var upper: Double

  public static let header = "estimator,order,k,level,bias_low,bias_high"

  public init(key: CellKey, level: Double, lower: Double, upper: Double) {
    self.key = key
    self.level = level
    self.lower = lower
    self.upper = upper
  }

  public var csvLine: String {
    "\(key.estimator),\(key.order),\(key.k),\(SweepRow.format(level)),\(SweepRow.format(lower)),"
      + SweepRow.format(upper)
  }

  public init(csvLine: String, path: String, line: Int) throws(SweepError) {
    let f = csvLine.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
    guard f.count == 6, let order = Int(f[1]), let k = Int(f[2]), let level = Double(f[3]), let lo = Double(f[4]),
      let hi = Double(f[5])
    else { throw SweepError("\(path):\(line): expected estimator,order,k,level,bias_low,bias_high") }
    self.init(key: CellKey(estimator: f[0], order: order, k: k), level: level, lower: lo, upper: hi)
  }
}

extension CellStatistics {
  /// Values read back from a CSV row.
  public init(
    instances: Int, replicates: Int, mean: Double, reference: Double, referenceStandardError: Double, bias: Double,
    biasStandardError: Double, variance: Double, varianceStandardError: Double, meanSquaredError: Double,
    meanSquaredErrorStandardError: Double
  ) {
    self.instances = instances
    self.replicates = replicates
    self.mean = mean
    self.reference = reference
    self.referenceStandardError = referenceStandardError
    self.bias = bias
    self.biasStandardError = biasStandardError
    self.variance = variance
    self.varianceStandardError = varianceStandardError
    self.meanSquaredError = meanSquaredError
    self.meanSquaredErrorStandardError = meanSquaredErrorStandardError
  }
}

/// Reads a CSV file of rows with a known header: the data lines with their 1-based line numbers.
enum CSVFile {
  static func dataLines(_ text: String, header: String, path: String) throws(SweepError) -> [(Int, String)] {
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    guard lines.first == header else {
      throw SweepError("\(path):1: expected the header '\(header)'")
    }
    var out: [(Int, String)] = []
    for (i, line) in lines.enumerated().dropFirst() where !line.isEmpty { out.append((i + 1, line)) }
    return out
  }
}
