import JVICore
import JVIModels

/// AIS and bidirectional Monte Carlo runs summarised per instance, for `jvi-ais` and the sweep's
/// AIS reference.
///
/// Per instance, from C chains: lower = log mean_c w_c (forward AIS; IWAE over the chains) with
/// its delta-method standard error √(ŝ₂/C), ŝ₂ = C/ESS − 1; for BDMC also upper = −log mean_c e^{r_c}
/// (reverse AIS from the simulated z) with the same kind of SE, and gap = upper − lower.
public struct AnnealingReport: Sendable {
  public struct Row: Sendable, Equatable {
    public var temperatures: Int
    public var instance: Int
    public var lower: Double
    public var lowerSE: Double
    public var upper: Double?
    public var upperSE: Double?
    public var exact: Double?
    public var seconds: Double
  }

  public var rows: [Row] = []
  public init() {}

  /// log mean e^x over a row and √(ŝ₂/C).
  static func summarise(_ m: LogWeightMatrix, row: Int, negate: Bool = false) -> (value: Double, se: Double) {
    let c = m.columnCount
    let scratch = UnsafeMutableBufferPointer<Double>.allocate(capacity: c)
    defer { scratch.deallocate() }
    return m.withRow(row, columns: 0..<c) { x in
      let d = WeightDiagnostics(x, scratch: scratch)
      let se = d.iwaeVariance(sampleCount: c).squareRoot()
      return (negate ? -d.iwae : d.iwae, se)
    }
  }

  /// Forward AIS on instances `rows` of `model`; returns the log-weight matrix too.
  public mutating func addForward(
    model: any AnnealableModel, settings: AISSettings, rows: Range<Int>, chains: Int, seed: UInt64, threads: Int,
    exact: [Double]?
  ) throws -> LogWeightMatrix {
    let start = monotonicSeconds()
    let m = try AnnealedImportanceSampler(settings).logWeights(
      model: model, rows: rows, chains: chains, seed: seed, threads: threads)
    let seconds = monotonicSeconds() - start
    for r in 0..<m.rowCount {
      let (value, se) = Self.summarise(m, row: r)
      self.rows.append(
        Row(
          temperatures: settings.temperatures, instance: rows.lowerBound + r, lower: value, lowerSE: se,
          exact: exact?[r], seconds: seconds / Double(m.rowCount)))
    }
    return m
  }

  /// BDMC on `count` simulated instances; `exact(x)` gives log p(x) when the model has it.
  public mutating func addBidirectional(
    model: any AnnealableModel, settings: AISSettings, count: Int, chains: Int, seed: UInt64, threads: Int,
    exact: (([Double]) -> Double)?
  ) throws {
    let start = monotonicSeconds()
    let result = try AnnealedImportanceSampler(settings).bidirectional(
      model: model, count: count, chains: chains, seed: seed, threads: threads)
    let seconds = monotonicSeconds() - start
    for i in 0..<count {
      let lower = Self.summarise(result.forward, row: i)
      let upper = Self.summarise(result.reverse, row: i, negate: true)
      var exactValue: Double? = nil
      if let exact {
        var g = Xoshiro256StarStar(seed: AnnealedImportanceSampler.simulationSeed(seed), stream: UInt64(i))
        exactValue = exact(model.simulate(using: &g).observation)
      }
      rows.append(
        Row(
          temperatures: settings.temperatures, instance: i, lower: lower.value, lowerSE: lower.se, upper: upper.value,
          upperSE: upper.se, exact: exactValue, seconds: seconds / Double(count)))
    }
  }

  public static let csvHeader = "temperatures,instance,lower,lower_se,upper,upper_se,gap,exact,seconds"

  /// One line per row; empty fields where a value does not apply.
  public var csv: String {
    var out = Self.csvHeader + "\n"
    func f(_ x: Double?) -> String { x.map(SweepRow.format) ?? "" }
    for r in rows {
      let gap = r.upper.map { $0 - r.lower }
      out +=
        "\(r.temperatures),\(r.instance),\(f(r.lower)),\(f(r.lowerSE)),\(f(r.upper)),\(f(r.upperSE)),\(f(gap)),"
        + "\(f(r.exact)),\(SweepRow.format((r.seconds * 1e4).rounded() / 1e4))\n"
    }
    return out
  }

  /// Per number of temperatures: means over instances of lower, upper, gap (with the SE of the
  /// mean gap from its spread), lower − exact, and seconds per 1000 instances.
  public var summary: String {
    var out = ""
    let ts = rows.map(\.temperatures).reduce(into: [Int]()) { if !$0.contains($1) { $0.append($1) } }
    for t in ts {
      let rs = rows.filter { $0.temperatures == t }
      let n = Double(rs.count)
      func mean(_ xs: [Double]) -> Double { xs.reduce(0, +) / Double(max(1, xs.count)) }
      func se(_ xs: [Double]) -> Double {
        guard xs.count > 1 else { return 0 }
        let m = mean(xs)
        return (xs.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(xs.count - 1) / Double(xs.count)).squareRoot()
      }
      var line = "T=\(t): \(rs.count) instances, mean lower \(fixed(mean(rs.map(\.lower))))"
      let uppers = rs.compactMap(\.upper)
      if uppers.count == rs.count {
        let gaps = rs.map { $0.upper! - $0.lower }
        line += ", upper \(fixed(mean(uppers))), gap \(fixed(mean(gaps))) ± \(fixed(se(gaps)))"
      }
      let exact = rs.compactMap { r in r.exact.map { r.lower - $0 } }
      if exact.count == rs.count { line += ", lower − exact \(fixed(mean(exact))) ± \(fixed(se(exact)))" }
      line += ", \(fixed(1000 * rs.map(\.seconds).reduce(0, +) / n)) s per 1000 instances\n"
      out += line
    }
    return out
  }

  func fixed(_ x: Double) -> String {
    let r = (x * 10_000).rounded() / 10_000
    return String(describing: r)
  }
}
