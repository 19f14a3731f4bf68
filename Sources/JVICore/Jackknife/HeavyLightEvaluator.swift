#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A row the heavy/light method refuses to evaluate, rather than hang or print a wrong number.
public struct JackknifeRowError: Error, Sendable, CustomStringConvertible {
  public enum Reason: Sendable, Equatable {
    /// Exact enumeration would exceed the work budget (no heavy/light split converges).
    case cost(subsetEvaluations: Double, limit: Double)
    /// Even in double-double the rounding-error bound exceeds the accepted relative error.
    case accuracy(errorBound: Double, value: Double)
  }

  public var target: SubsetSumTarget
  public var sampleCount: Int
  public var nonZeroCount: Int
  public var reason: Reason

  public var description: String { formatted() }

  /// The message; formatting is a cold path, kept out of the kernels that throw.
  @inline(never)
  func formatted() -> String {
    let what: String
    switch target {
    case .jackknife(let m): what = "JVI of order \(m)"
    case .leaveOutMean(let j): what = "the leave-\(j)-out mean"
    }
    switch reason {
    case .cost(let subsets, let limit):
      return "\(what) on a row with K = \(sampleCount) (\(nonZeroCount) non-zero weights) would need "
        + "\(Int(subsets)) subset evaluations, over the limit of \(Int(limit)); no heavy/light split of this "
        + "row converges. Use a lower order."
    case .accuracy(let bound, let value):
      return "\(what) on a row with K = \(sampleCount) cannot be computed accurately: its terms cancel so much "
        + "that even in double-double arithmetic the rounding error may reach \(shortText(bound)) (the estimate "
        + "is about \(shortText(value))), above the accepted \(shortText(HeavyLightEvaluator.refusalThreshold)) "
        + "relative. The error grows like K^(m-2): use a lower order or fewer samples per estimate."
    }
  }

  func shortText(_ x: Double) -> String {
    if x == 0 || !x.isFinite { return String(describing: x) }
    let e = Int((log10(abs(x))).rounded(.down))
    let mantissa = (x / pow(10, Double(e)) * 10).rounded() / 10
    return "\(mantissa)e\(e)"
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
  /// Σ |terms| of the sum formed in double: how much the combination cancels.
  public var termMagnitude = 0.0
  /// Whether the light terms were formed in double-double.
  public var extendedPrecision = false
  /// The bound on |computed − exact| (see `TermSum.errorBound`).
  public var errorBound = 0.0
  public init() {}
}

/// Exact evaluation of `SubsetSumTarget`s (JVI of order m ≥ 2, leave-j-out means) by the
/// heavy/light method of docs/jackknife-math.md §2.
///
/// Per row: the h largest non-zero weights are "heavy" and every subset of them of size ≤ m is
/// handled explicitly, with exact pre-aggregated coefficients (`HeavyLightTable`); the
/// remaining n "light" weights enter only through power sums of their centred shares
/// ν_i = w_i/W_L − 1/n and Newton's identities, so no sum over light subsets is formed.
/// h is the smallest value whose convergence bound θ(h) ≤ 0.2 with n ≥ 2m + 2 (cap 64);
/// the series order R is the smallest with θ^(R−1)/((R+1)(1−θ)(1/2−θ/3)) < 1e−17.
/// Rows where no such h exists (K' ≤ 2m + 1, very sparse rows) use exact enumeration of the
/// light subsets inside the same formula; a row whose enumeration would exceed
/// `hardEnumerationBudget` subsets (and no θ < 0.6 split exists), or whose rounding-error bound stays above `refusalThreshold`
/// relative even with the light terms in double-double, throws `JackknifeRowError`.
///
/// Error bound: the terms are summed with a compensated sum that also records Σ|terms|, giving
/// the a-posteriori bound ε(4|result| + max(R, 8)·Σ|terms|) (+ 8·max(R, 8)·2^−104·Σ|terms in
/// double-double|), calibrated against Float80 brute force (actual errors ≤ 0.27 of it).
/// For m ≤ 3 it is ≤ 1e−13 relative in every tested regime (measured errors ≤ 1.9e−15·max(1, |result|)
/// against 40-digit references); the combination of light terms amplifies rounding by
/// ≈ K^(m−2)·CV_L², so for higher orders the light terms switch to double-double
/// (`extendedPrecisionThreshold`) and rows still above `refusalThreshold` are refused.
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
  /// Bound/|result| above which the light terms are recomputed in double-double.
  public static let extendedPrecisionThreshold = 1e-13
  /// Bound/|result| above which a row is refused (`JackknifeRowError.Reason.accuracy`).
  public static let refusalThreshold = 1e-9

  /// Testing hooks: force the heavy-set size (the split must exist, θ < 0.6) and the
  /// double-double light terms. Results are mathematically independent of both.
  var forcedHeavyCount: Int? = nil
  var forcesExtendedPrecision = false

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
  ) throws(JackknifeRowError) -> Double {
    let k = x.count
    let m = target.maximumRemoved
    precondition(m >= 1, "the heavy/light method removes at least 1 weight, got m = \(m)")
    precondition(m < k, "removing m = \(m) of K = \(k) weights leaves none")
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
    let f = UnsafeBufferPointer(fin.leading(kp))
    let a = ws.expValues.leading(kp)
    let total = LogSpace.storeExpShifted(f, shift: 0, into: a).sum
    let logTotal = log(total)
    let row = RowSummary(
      sampleCount: k, nonZeroCount: kp, maximum: 0, total: total,
      logS: logTotal, iwae: mx + (logTotal - log(Double(k))))
    let split = try chooseSplit(f, a, row, ws)
    var terms = combineTerms(f, a, row, split, ws, extended: false)
    var value = row.iwae + terms.value
    var bound = terms.errorBound(result: value, seriesOrder: split.seriesOrder)
    var extended = false
    if split.mode == .series
      && (forcesExtendedPrecision
        || !(bound <= HeavyLightEvaluator.extendedPrecisionThreshold * Swift.max(1, abs(value))))
    {
      terms = combineTermsExtended(f, a, row, split, ws)
      value = row.iwae + terms.value
      bound = terms.errorBound(result: value, seriesOrder: split.seriesOrder)
      extended = true
    }
    if let diagnostics {
      diagnostics.pointee = HeavyLightDiagnostics(
        mode: split.mode, heavyCount: split.heavyCount, seriesOrder: split.seriesOrder, theta: split.theta,
        termMagnitude: terms.double.magnitude, extendedPrecision: extended, errorBound: bound)
    }
    guard bound <= HeavyLightEvaluator.refusalThreshold * Swift.max(1, abs(value)) else {
      throw JackknifeRowError(
        target: target, sampleCount: k, nonZeroCount: kp, reason: .accuracy(errorBound: bound, value: value))
    }
    return value
  }

  /// `combineTerms` with the light terms in double-double: the rare rows whose a-posteriori
  /// bound is above `extendedPrecisionThreshold`, kept out of line (a cold path).
  @inline(never)
  func combineTermsExtended(
    _ f: UnsafeBufferPointer<Double>, _ a: UnsafeMutableBufferPointer<Double>, _ row: RowSummary, _ split: Split,
    _ ws: EstimatorWorkspace
  ) -> TermSum {
    combineTerms(f, a, row, split, ws, extended: true)
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
  init(
    mode: Mode, heavyCount: Int, seriesOrder: Int, theta: Double, termMagnitude: Double, extendedPrecision: Bool,
    errorBound: Double
  ) {
    self.mode = mode
    self.heavyCount = heavyCount
    self.seriesOrder = seriesOrder
    self.theta = theta
    self.termMagnitude = termMagnitude
    self.extendedPrecision = extendedPrecision
    self.errorBound = errorBound
  }
}
