#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The weights g_i with ∇ JVI_{K,m} = Σ_i g_i ∇ log w_i (the gradient of the jackknife
/// objective, the normalised weights of every subset held constant as in IWAE):
///
///     JVI = Σ_j c_j Lbar_{K−j},  ∇Lbar_{K−j} = Σ_i a_i^(j) ∇ log w_i,
///     a_i^(j) = (1/C(K, j)) Σ_{|T| = j, i ∉ T} u_i/ρ_T,
///
/// computed centred on the IWAE weights u_i = w_i/S (Σ_j c_j = 1):
///
///     g_i = u_i + Σ_{j≥1} c_j (a_i^(j) − u_i),
///     a_i^(j) − u_i = (u_i/C(K, j)) Σ_{T ∌ i} (K·U_T − j)/((K − j)·ρ_T),
///
/// with U_T = Σ_{t∈T} u_t summed directly and ρ_T = 1 − U_T (or, when U_T > 1/2, the sum over
/// the complement). Σ_i g_i = 1. m = 0 gives the IWAE weights.
///
/// Cost: linear in K. Order 1 by prefix and suffix sums of the single-sample terms (`firstOrder`,
/// O(K)); orders m ≥ 2 by the heavy/light series (`JackknifeGradientSeries`: K = 64, m = 2
/// about 60,000 multiply-adds per instance); the rows it leaves (≤ m non-zero weights, or no
/// convergent split for a large order) by enumerating the left-out sets, Σ_{j≤m} C(K, j)·K
/// operations, within `maximumSubsets`.
public struct JackknifeGradientWeights: Sendable {
  public static let maximumSubsets = 5_000_000.0

  /// How orders m ≥ 2 are summed.
  public enum Precision: Sendable {
    /// Double where the alternating coefficients amplify rounding by at most 200 (m = 2 with
    /// K ≤ 100, m ≥ 3 with K ≤ 10) and the row's a-posteriori error bound is ≤ 1e−11 of max u^p;
    /// double-double otherwise. For training, where speed matters more than the last digits.
    case automatic
    /// Double-double throughout (about 10× the time): the double nearest the definition, to
    /// ~1e−16 of max u^p. For weights handed to users (`jvi-eval --gradient-weights`).
    case extended
  }

  public let sampleCount: Int
  public let order: Int
  /// c_j / C(K, j), j = 0…m.
  let scaledCoefficients: [Double]
  var series: JackknifeGradientSeries?
  let enumerates: Bool
  let enumeratesAlways: Bool

  /// - Throws: `EstimatorError.invalidConfiguration` unless 0 ≤ m < K, and when the order is so
  ///   large that neither the series is sure to converge (its heavy set may hold
  ///   Σ_{t≤m} C(h, t) ≤ 20,000 removal sets: h ≥ 1.84·m is needed) nor the enumeration stays
  ///   within `maximumSubsets` (e.g. m = 8 with k ≥ 20).
  /// `enumerating`: every row by enumeration of the left-out sets (benchmarks, as the reference
  /// the linear-time sums replace).
  public init(
    sampleCount k: Int, order m: Int, precision: Precision = .automatic, enumerating: Bool = false
  ) throws(EstimatorError) {
    guard m >= 0 && m < k else {
      throw .invalidConfiguration("the jackknife objective of order \(m) needs more than \(m) samples, got k = \(k)")
    }
    sampleCount = k
    order = m
    enumeratesAlways = enumerating
    let c = JackknifeCoefficients.values(sampleCount: k, order: m)
    let alpha = (0...m).map { c[$0] / JackknifeGradientWeights.binomial(k, $0) }
    scaledCoefficients = alpha
    enumerates =
      JackknifeGradientWeights.subsetCount(sampleCount: k, order: m) <= JackknifeGradientWeights.maximumSubsets
    series =
      m >= 2 && !enumerating
      ? JackknifeGradientSeries(
        sampleCount: k, order: m, scaledCoefficients: alpha, alwaysExtended: precision == .extended)
      : nil
    if enumerating && !enumerates {
      throw .invalidConfiguration(
        "enumerating the left-out sets of order \(m) with k = \(k) takes over \(Int(JackknifeGradientWeights.maximumSubsets)) subsets per instance"
      )
    }
    if !enumerates, let s = series, Double(s.heavyCap) < 1.84 * Double(m) {
      throw .invalidConfiguration(
        "the gradient of the jackknife objective of order \(m) with k = \(k) samples is out of reach: "
          + "the series may need more than \(s.heavyCap) heavy weights and enumeration \(Int(JackknifeGradientWeights.subsetCount(sampleCount: k, order: m))) "
          + "subsets per instance; use a lower order")
    }
  }

  /// One row by the series, else by enumeration (`enumerate`), else zeros (a row with ≤ m
  /// non-zero weights, whose estimate is undefined, too large to enumerate).
  func evaluate(
    _ x: UnsafeBufferPointer<Double>, power: Int, into out: UnsafeMutableBufferPointer<Double>,
    enumerate: () -> Void
  ) {
    if order >= 2, let series, series.evaluate(x, power: power, into: out) { return }
    if enumerates {
      enumerate()
    } else {
      for i in 0..<sampleCount { out[i] = 0 }
    }
  }

  /// Subsets enumerated for (K, m).
  public static func subsetCount(sampleCount k: Int, order m: Int) -> Double {
    var total = 0.0, c = 1.0
    if m >= 1 {
      for j in 1...m {
        c = c * Double(k - j + 1) / Double(j)
        total += c
      }
    }
    return total
  }

  /// Writes g_0…g_{K−1} for one instance's K log-weights into `out`; `scratch` holds ≥ 3K doubles.
  ///
  /// Edge cases: an all −∞ row gives g = 0 (no gradient).
  public func weights(
    _ x: UnsafeBufferPointer<Double>, into out: UnsafeMutableBufferPointer<Double>,
    scratch: UnsafeMutableBufferPointer<Double>
  ) {
    guard normalize(x, into: out) else { return }
    if order == 0 { return }
    if order == 1 && !enumeratesAlways {
      let k = sampleCount
      precondition(scratch.count >= 3 * k, "scratch holds \(scratch.count) entries; 3K = \(3 * k) needed")
      let u = UnsafeMutableBufferPointer(rebasing: scratch[(2 * k)..<(3 * k)])
      for i in 0..<k { u[i] = out[i] }
      firstOrder(x, UnsafeBufferPointer(u), power: 1, into: out, scratch: scratch)
      return
    }
    evaluate(x, power: 1, into: out) {
      _ = normalize(x, into: out)
      // g_i = u_i + u_i Σ_j (c_j/C(K, j)) Σ_{T ∌ i} (K U_T − j)/((K − j) ρ_T).
      let k = sampleCount
      let (correction, direct) = corrections(
        UnsafeBufferPointer(out), x, power: 1, scratch: scratch,
        term: { ut, rho, j, kj in (Double(k) * ut - Double(j)) / (kj * rho) },
        numerator: { ut, _, j, kj in (Double(k) * ut - Double(j)) / kj })
      for i in 0..<k { out[i] += out[i] * correction[i] + (direct?[i] ?? 0) }
    }
  }

  /// The doubly reparameterised encoder weights of the jackknife objective (Tucker et al.'s
  /// identity applied to each subset's IWAE; docs/gradient-estimators.md):
  ///
  ///     d_i = Σ_j c_j b_i^(j),   b_i^(j) = (1/C(K, j)) Σ_{|T| = j, i ∉ T} (u_i/ρ_T)²,
  ///
  /// so that E[Σ_i d_i (∂log w_i/∂z_i)(∂z_i/∂φ)] = ∇_φ E[JVI]. Computed centred on the IWAE
  /// case d_i = u_i² (Σ_j c_j = 1):
  ///
  ///     d_i = u_i² + Σ_{j≥1} c_j (b_i^(j) − u_i²),
  ///     b_i^(j) − u_i² = (u_i²/C(K, j)) Σ_{T ∌ i} (K U_T (1 + ρ_T) − j)/((K − j) ρ_T²),
  ///
  /// with U_T and ρ_T as in `weights` (ρ_T summed over the complement when U_T > 1/2). m = 0
  /// gives u_i². Cost and limits as `weights`; `scratch` holds ≥ 3K doubles.
  ///
  /// The formulas above are the enumeration's; `JackknifeGradientSeries` computes the same sums
  /// in time linear in K.
  public func doublyReparameterized(
    _ x: UnsafeBufferPointer<Double>, into out: UnsafeMutableBufferPointer<Double>,
    scratch: UnsafeMutableBufferPointer<Double>
  ) {
    let k = sampleCount
    precondition(scratch.count >= 3 * k, "scratch holds \(scratch.count) entries; 3K = \(3 * k) needed")
    let u = UnsafeMutableBufferPointer(rebasing: scratch[(2 * k)..<(3 * k)])
    guard normalize(x, into: u) else {
      for i in 0..<k { out[i] = 0 }
      return
    }
    for i in 0..<k { out[i] = u[i] * u[i] }
    if order == 0 { return }
    if order == 1 && !enumeratesAlways {
      firstOrder(x, UnsafeBufferPointer(u), power: 2, into: out, scratch: scratch)
      return
    }
    evaluate(x, power: 2, into: out) {
      for i in 0..<k { out[i] = u[i] * u[i] }
      let (correction, direct) = corrections(
        UnsafeBufferPointer(u), x, power: 2, scratch: scratch,
        term: { ut, rho, j, kj in (Double(k) * ut * (1 + rho) - Double(j)) / (kj * rho * rho) },
        numerator: { ut, rho, j, kj in (Double(k) * ut * (1 + rho) - Double(j)) / kj })
      for i in 0..<k { out[i] += out[i] * correction[i] + (direct?[i] ?? 0) }
    }
  }

  /// u_i = w_i/Σ w into `out`; false (and zeros) for an all −∞ row.
  func normalize(_ x: UnsafeBufferPointer<Double>, into out: UnsafeMutableBufferPointer<Double>) -> Bool {
    let k = sampleCount
    precondition(x.count == k, "a row of \(x.count) log-weights for weights of K = \(k)")
    precondition(out.count >= k, "out holds \(out.count) entries; K = \(k) needed")
    let mx = LogSpace.maximum(x)
    if mx == -.infinity {
      for i in 0..<k { out[i] = 0 }
      return false
    }
    var s = 0.0
    for i in 0..<k {
      out[i] = exp(x[i] - mx)
      s += out[i]
    }
    for i in 0..<k { out[i] /= s }
    return true
  }

  static func binomial(_ n: Int, _ k: Int) -> Double {
    var r = 1.0
    if k > 0 { for i in 1...k { r = r * Double(n - k + i) / Double(i) } }
    return r
  }
}
