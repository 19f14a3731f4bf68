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
