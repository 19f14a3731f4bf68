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
