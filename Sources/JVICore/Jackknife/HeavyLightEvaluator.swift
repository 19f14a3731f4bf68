#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The per-row work of the heavy/light method exceeded its budget.
public struct JackknifeCostError: Error, Sendable, CustomStringConvertible {
  public var target: SubsetSumTarget
  public var sampleCount: Int
  public var nonZeroCount: Int
  public var subsetEvaluations: Double
  public var limit: Double

  public var description: String {
    let what: String
    switch target {
    case .jackknife(let m): what = "JVI of order \(m)"
    case .leaveOutMean(let j): what = "the leave-\(j)-out mean"
    }
    return "\(what) on a row with K = \(sampleCount) (\(nonZeroCount) non-zero weights) would need "
      + "\(Int(subsetEvaluations)) subset evaluations, over the limit of \(Int(limit)); "
      + "no heavy/light split of this row converges. Use a lower order."
  }
}

/// How a row was evaluated (for tests and benchmarks).
public struct HeavyLightDiagnostics: Sendable, Equatable {
  public enum Mode: Sendable, Equatable {
    /// No work: m = 0, an all-zero row, or fewer than m + 1 non-zero weights.
    case trivial
    /// Light power-series method.
    case series
    /// Exact enumeration of the light subsets.
    case enumeration
  }
  public var mode: Mode = .trivial
  /// Heavy-set size h.
  public var heavyCount = 0
  /// Series order R (0 for enumeration).
  public var seriesOrder = 0
  /// The convergence bound θ(h) of the chosen split.
  public var theta = Double.nan
  public init() {}
}

/// Exact evaluation of `SubsetSumTarget`s (JVI of order m ≥ 2, leave-j-out means) by the
/// heavy/light method of ../shared/docs/jackknife-math.md §2.
///
/// Per row: the h largest non-zero weights are "heavy" and every subset of them of size ≤ m is
/// handled explicitly, with exact pre-aggregated coefficients (`HeavyLightTable`); the
/// remaining n "light" weights enter only through power sums of their centred shares
/// ν_i = w_i/W_L − 1/n and Newton's identities, so no sum over light subsets is formed.
/// h is the smallest value whose convergence bound θ(h) ≤ 0.2 with n ≥ 2m + 2 (cap 64);
/// the series order R is the smallest with θ^(R−1)/((R+1)(1−θ)(1/2−θ/3)) < 1e−17.
/// Rows where no such h exists (K' ≤ 2m + 1, very sparse rows) use exact enumeration of the
/// light subsets inside the same formula; a row whose enumeration would exceed
/// `hardEnumerationBudget` subsets (and no θ < 0.6 split exists) throws `JackknifeCostError`.
///
/// Error bound (measured in the notes, reproduced by the Float80 and 50-digit tests):
/// ≤ 1.2e−14·max(1, |result|) for m ≤ 3; the combination amplifies rounding of the light
/// terms by ≈ K^(m−2)·CV_L², so for m ≥ 4 expect ≈ K^(m−2)·1e−16 relative.
///
/// Cost per row: O(K) for the max, one exp per weight (two when h > 0), the top-(h + m)
/// selection, 2R multiply-adds per light weight for q_2…q_R, O(m²R²) for Newton's identities,
/// and Σ_{t≤m} C(h, t) heavy removal sets of O(h + mR) each. About 2–4 µs at K = 256.
public struct HeavyLightEvaluator: Sendable {
  public let target: SubsetSumTarget
  /// The largest heavy-set size considered: 64, reduced for large m so that
  /// Σ_{t≤m} C(h, t) ≤ 50,000 heavy removal sets.
  public let heavyCap: Int

  public static let thetaTarget = 0.2
  public static let thetaFallback = 0.6
  public static let enumerationBudget = 2_000_000.0
  public static let hardEnumerationBudget = 50_000_000.0

  public init(target: SubsetSumTarget) {
    self.target = target
    let m = target.maximumRemoved
    var cap = 64
    while cap > 1 && HeavyLightEvaluator.heavySetCount(h: cap, m: m) > 50_000 { cap -= 1 }
    heavyCap = cap
  }

  static func heavySetCount(h: Int, m: Int) -> Double {
    var total = 0.0, c = 1.0
    for t in 0...min(m, h) {
      total += c
      c = c * Double(h - t) / Double(t + 1)
    }
    return total
  }

  /// The IEEE value of the definition when only K' ≤ m weights are non-zero (K' ≥ 1):
  /// Lbar_{K−j} = −∞ exactly for j ≥ K'. For JVI one infinite term (K' = m) gives
  /// −sign(c_m)·∞ = (−1)^(m+1)·∞; two or more give NaN (∞ − ∞).
  public func degenerateValue(nonZeroCount kp: Int) -> Double {
    switch target {
    case .leaveOutMean: return -.infinity
    case .jackknife(let m):
      if kp == 0 { return -.infinity }
      if m - kp + 1 >= 2 { return .nan }
      return m % 2 == 0 ? -.infinity : .infinity
    }
  }

  /// The target for one row of K log-weights (finite or −∞).
  public func evaluate(
    _ x: UnsafeBufferPointer<Double>, workspace ws: EstimatorWorkspace,
    diagnostics: UnsafeMutablePointer<HeavyLightDiagnostics>? = nil
  ) throws(JackknifeCostError) -> Double {
    let k = x.count
    let m = target.maximumRemoved
    precondition(m >= 1 && m < k, "need 1 ≤ m < K")
    ws.reserve(rowLength: k, order: m)
    let mx = LogSpace.maximum(x)
    if mx == -.infinity { return -.infinity }
    // The non-zero log-weights shifted by the maximum: everything below depends only on
    // differences, and stays accurate whatever the magnitude of the log-weights.
    let fin = ws.finite
    var kp = 0
    for v in x where v > -.infinity {
      fin[kp] = v - mx
      kp += 1
    }
    if kp <= m { return degenerateValue(nonZeroCount: kp) }
    let f = UnsafeBufferPointer(start: fin, count: kp)
    let a = UnsafeMutableBufferPointer(start: ws.expValues, count: kp)
    let total = LogSpace.storeExpShifted(f, shift: 0, into: a).sum
    let logTotal = log(total)
    let row = RowSummary(
      sampleCount: k, nonZeroCount: kp, maximum: 0, total: total,
      logS: logTotal, iwae: mx + (logTotal - log(Double(k))))
    let split = try chooseSplit(f, a, row, ws)
    let d = combineTerms(f, a, row, split, ws)
    if let diagnostics {
      diagnostics.pointee = HeavyLightDiagnostics(
        mode: split.mode, heavyCount: split.heavyCount, seriesOrder: split.seriesOrder, theta: split.theta)
    }
    return row.iwae + d
  }

  /// One row, in log-weights shifted by the row maximum M (so `maximum` is 0 and `logS` is
  /// log S − M); only `iwae` is in absolute terms.
  struct RowSummary {
    var sampleCount: Int
    var nonZeroCount: Int
    var maximum: Double
    /// Σ exp(f_i − maximum).
    var total: Double
    var logS: Double
    var iwae: Double
  }

  struct Split {
    var heavyCount: Int
    var mode: HeavyLightDiagnostics.Mode
    var theta: Double
    var seriesOrder: Int
  }

  /// Smallest R ≥ 4 with θ^(R−1)/((R+1)(1−θ)(1/2−θ/3)) ≤ 1e−17 (relative truncation of Ψ_l).
  static func seriesOrder(theta: Double) -> Int {
    var r = 4
    while r < EstimatorWorkspace.maximumSeriesOrder
      && pow(theta, Double(r - 1)) / (Double(r + 1) * (1 - theta) * (0.5 - theta / 3)) > 1e-17
    {
      r += 1
    }
    return r
  }
}

extension HeavyLightDiagnostics {
  init(mode: Mode, heavyCount: Int, seriesOrder: Int, theta: Double) {
    self.mode = mode
    self.heavyCount = heavyCount
    self.seriesOrder = seriesOrder
    self.theta = theta
  }
}
