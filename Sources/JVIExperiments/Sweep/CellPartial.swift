import JVICore
import JVIModels

/// One cell's results on a block of instances — what a shard computes and a merge joins.
///
/// Everything the cell's statistics and bootstrap interval need is a function of per-instance
/// quantities: the instances' `InstanceCellTerms` (summed in instance order by
/// `CellStatistics(terms:)`) and the bootstrap's fixed-point shifts (`BiasBootstrap.shifts`,
/// exact integer sums). Joining the blocks of every shard in instance order therefore gives
/// exactly the numbers one run over all instances gives, at any shard count.
///
/// File (`<run>.shard-I-of-N/cells/<index>.csv`, written atomically once the cell is done):
///
///     # jvi-sweep cell 17 (iwae order 0 k 64), instances 250..<500, replicates 64, resamples 2000, seconds 0.81
///     instance,mean,bias,bias_variance,variance,variance_variance,mse,mse_variance
///     250,-240.71…,…                      (one line per instance, shortest round-trip doubles)
///     …
///     bootstrap fixed-point shifts (2^-83)
///     -1234567890123456789                (one signed integer per resample b = 0…B−1)
///     …
public struct CellPartial: Sendable, Equatable {
  /// The cell's index in the plan.
  public var cell: Int
  public var key: CellKey
  public var instances: Range<Int>
  public var replicates: Int
  public var terms: [InstanceCellTerms]
  public var shifts: [Int128]
  /// Compute time of the cell on these instances.
  public var seconds: Double

  public init(
    cell: Int, key: CellKey, instances: Range<Int>, replicates: Int, terms: [InstanceCellTerms], shifts: [Int128],
    seconds: Double
  ) {
    self.cell = cell
    self.key = key
    self.instances = instances
    self.replicates = replicates
    self.terms = terms
    self.shifts = shifts
    self.seconds = seconds
  }

  /// The cell on `draws` (whose instances are `instances`) against the block's reference.
  public static func compute(
    _ cell: SweepPlan.Cell, plan: SweepPlan, draws: ReplicateDraws, reference: ReferenceEvidence,
    instances: Range<Int>, resamples: Int, threads: Int
  ) throws(SweepError) -> CellPartial {
    let t0 = monotonicSeconds()
    let estimates = try draws.estimates(
      of: cell.estimator, k: cell.k, threads: threads, seeds: { plan.estimatorSeed($0) })
    let r = draws.replicates(k: cell.k)
    return estimates.withUnsafeBufferPointer { e in
      let terms = (0..<instances.count).map { i in
        InstanceCellTerms(
          replicates: UnsafeBufferPointer(rebasing: e[(i * r)..<((i + 1) * r)]), reference: reference.values[i],
          referenceVariance: reference.variances[i])
      }
      let shifts = BiasBootstrap.shifts(
        estimates: e, replicates: r, reference: reference.values, referenceVariance: reference.variances,
        instances: instances, resamples: resamples, seed: plan.bootstrapSeed, stream: UInt64(cell.index),
        threads: threads)
      return CellPartial(
        cell: cell.index, key: CellKey(cell), instances: instances, replicates: r, terms: terms, shifts: shifts,
        seconds: monotonicSeconds() - t0)
    }
  }

  /// The blocks of one cell joined in instance order (they must tile a range without gaps).
  public static func joined(_ parts: [CellPartial]) throws(SweepError) -> CellPartial {
    guard var whole = parts.first else { throw SweepError("no parts to join") }
    for p in parts.dropFirst() {
      guard p.cell == whole.cell, p.key == whole.key else {
        throw SweepError("parts of cells \(whole.key) and \(p.key) cannot be joined")
      }
      guard p.instances.lowerBound == whole.instances.upperBound else {
        throw SweepError(
          "cell \(whole.key): instances \(whole.instances) are followed by \(p.instances), not by \(whole.instances.upperBound)"
        )
      }
      guard p.replicates == whole.replicates, p.shifts.count == whole.shifts.count else {
        throw SweepError("cell \(whole.key): the parts disagree on replicates or bootstrap resamples")
      }
      whole.instances = whole.instances.lowerBound..<p.instances.upperBound
      whole.terms += p.terms
      for b in whole.shifts.indices { whole.shifts[b] += p.shifts[b] }
      whole.seconds += p.seconds
    }
    return whole
  }

  /// The cell's CSV row and bias interval; `reference` covers the same instances.
  public func finish(reference: ReferenceEvidence, labels: (model: String, dataset: String)) -> (SweepRow, IntervalRow)
  {
    let statistics = CellStatistics(
      terms: terms, replicates: replicates, reference: reference.values, referenceVariance: reference.variances)
    let interval = BiasBootstrap.interval(bias: statistics.bias, shifts: shifts, instances: terms.count)
    return (
      SweepRow(
        model: labels.model, dataset: labels.dataset, estimator: key.estimator, order: key.order, k: key.k,
        statistics: statistics, seconds: seconds),
      IntervalRow(key: key, level: 0.95, lower: interval.lower, upper: interval.upper)
    )
  }

  public static let bootstrapLine = "bootstrap fixed-point shifts (2^-83)"

  /// The cell file's text (see the type's comment).
  public var text: String {
    var out =
      "# jvi-sweep cell \(cell) (\(key.estimator) order \(key.order) k \(key.k)), instances "
      + "\(instances.lowerBound)..<\(instances.upperBound), replicates \(replicates), resamples \(shifts.count), "
      + "seconds \(SweepRow.format(seconds))\n"
    out += "instance," + InstanceCellTerms.csvColumns + "\n"
    for (i, t) in terms.enumerated() {
      out += String(instances.lowerBound + i) + "," + t.fields.map(SweepRow.format).joined(separator: ",") + "\n"
    }
    out += Self.bootstrapLine + "\n"
    for s in shifts { out += String(s) + "\n" }
    return out
  }

  /// A cell file read back; `path` names it in errors.
  public init(text: String, path: String) throws(SweepError) {
    func fail(_ line: Int, _ problem: String) -> SweepError { SweepError("\(path):\(line): \(problem)") }
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    guard let header = lines.first, header.hasPrefix("# jvi-sweep cell ") else {
      throw fail(1, "not a jvi-sweep cell file")
    }
    let words = header.split(separator: " ").map(String.init)
    func after(_ word: String) -> String? {
      guard let i = words.firstIndex(of: word), i + 1 < words.count else { return nil }
      return String(words[i + 1].filter { $0 != "," && $0 != "(" && $0 != ")" })
    }
    guard words.count > 4, let cell = Int(words[3]), words[4].hasPrefix("("),
      let order = after("order").flatMap({ Int($0) }), let k = after("k").flatMap({ Int($0) }),
      let range = after("instances"), let replicates = after("replicates").flatMap({ Int($0) }),
      let resamples = after("resamples").flatMap({ Int($0) }), let seconds = after("seconds").flatMap({ Double($0) })
    else {
      throw fail(1, "malformed header '\(header)'")
    }
    let estimator = String(words[4].dropFirst())
    let bounds = range.split(separator: ".").compactMap { Int($0.filter { $0 != "<" }) }
    guard bounds.count == 2, bounds[0] <= bounds[1] else { throw fail(1, "malformed instance range '\(range)'") }
    let instances = bounds[0]..<bounds[1]
    guard lines.count >= 2, lines[1] == "instance," + InstanceCellTerms.csvColumns else {
      throw fail(2, "expected the header 'instance,\(InstanceCellTerms.csvColumns)'")
    }
    var terms: [InstanceCellTerms] = []
    var line = 2
    while line < lines.count && lines[line] != Self.bootstrapLine {
      let f = lines[line].split(separator: ",").map(String.init)
      guard f.count == 8, Int(f[0]) == instances.lowerBound + terms.count else {
        throw fail(line + 1, "expected instance \(instances.lowerBound + terms.count) and 7 values")
      }
      let v = f.dropFirst().compactMap { Double($0) }
      guard v.count == 7 else { throw fail(line + 1, "a value is not a number") }
      terms.append(
        InstanceCellTerms(
          mean: v[0], bias: v[1], biasVariance: v[2], variance: v[3], varianceVariance: v[4], meanSquaredError: v[5],
          meanSquaredErrorVariance: v[6]))
      line += 1
    }
    guard terms.count == instances.count else {
      throw fail(line + 1, "\(terms.count) instances, expected \(instances.count)")
    }
    guard line < lines.count else { throw fail(line + 1, "missing '\(Self.bootstrapLine)'") }
    var shifts: [Int128] = []
    for l in lines[(line + 1)...] where !l.isEmpty {
      guard let v = Int128(l) else { throw fail(line + 2 + shifts.count, "'\(l)' is not an integer") }
      shifts.append(v)
    }
    guard shifts.count == resamples else { throw fail(lines.count, "\(shifts.count) resamples, expected \(resamples)") }
    self.init(
      cell: cell, key: CellKey(estimator: estimator, order: order, k: k), instances: instances,
      replicates: replicates, terms: terms, shifts: shifts, seconds: seconds)
  }
}
