/// N instances of i.i.d. weights from a `SyntheticWeightLaw`, as a `LogWeightSource`: every
/// instance has the same exact log p(x), the law's. Instance i draws from stream i of the seed.
public struct SyntheticWeightSource: LogWeightSource {
  public let law: SyntheticWeightLaw
  public let instanceCount: Int

  public init(law: SyntheticWeightLaw, instances: Int) {
    precondition(instances >= 1, "instances must be at least 1, got \(instances)")
    self.law = law
    instanceCount = instances
  }

  public var name: String { "\(law)" }

  /// Sampling is cheap next to the estimators, so it runs on one thread whatever `threads` is.
  public func logWeights(samples: Int, rows: Range<Int>, seed: UInt64, threads: Int) throws -> LogWeightMatrix {
    law.sample(rows: rows, columns: samples, seed: seed)
  }

  public func exactLogEvidence(rows: Range<Int>) -> [Double]? {
    [Double](repeating: law.logEvidence, count: rows.count)
  }
}
