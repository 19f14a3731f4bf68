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
/// Cost: Σ_{j≤m} C(K, j)·j per instance, by enumeration: meant for training-size K
/// (K = 50, m = 3: 2e4 subsets). `maximumSubsets` guards it.
public struct JackknifeGradientWeights: Sendable {
  public static let maximumSubsets = 5_000_000.0

  public let sampleCount: Int
  public let order: Int
  /// c_j / C(K, j), j = 0…m.
  let scaledCoefficients: [Double]

  /// - Throws: `EstimatorError.invalidConfiguration` unless 0 ≤ m < K and the enumeration
  ///   stays within `maximumSubsets`.
  public init(sampleCount k: Int, order m: Int) throws(EstimatorError) {
    guard m >= 0 && m < k else {
      throw .invalidConfiguration("the jackknife objective of order \(m) needs more than \(m) samples, got k = \(k)")
    }
    let subsets = JackknifeGradientWeights.subsetCount(sampleCount: k, order: m)
    guard subsets <= JackknifeGradientWeights.maximumSubsets else {
      throw .invalidConfiguration(
        "the gradient of the jackknife objective of order \(m) with k = \(k) samples enumerates \(Int(subsets)) "
          + "subsets per instance, over the limit of \(Int(JackknifeGradientWeights.maximumSubsets)); "
          + "use a lower order or fewer samples")
    }
    sampleCount = k
    order = m
    let c = JackknifeCoefficients.values(sampleCount: k, order: m)
    scaledCoefficients = (0...m).map { c[$0] / JackknifeGradientWeights.binomial(k, $0) }
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

  /// Writes g_0…g_{K−1} for one instance's K log-weights into `out`; `scratch` holds ≥ 2K doubles.
  ///
  /// Edge cases: an all −∞ row gives g = 0 (no gradient).
  public func weights(
    _ x: UnsafeBufferPointer<Double>, into out: UnsafeMutableBufferPointer<Double>,
    scratch: UnsafeMutableBufferPointer<Double>
  ) {
    guard normalize(x, into: out) else { return }
    if order == 0 { return }
    // g_i = u_i + u_i Σ_j (c_j/C(K, j)) Σ_{T ∌ i} (K U_T − j)/((K − j) ρ_T).
    let k = sampleCount
    let (correction, direct) = corrections(
      UnsafeBufferPointer(out), x, power: 1, scratch: scratch,
      term: { ut, rho, j, kj in (Double(k) * ut - Double(j)) / (kj * rho) },
      numerator: { ut, _, j, kj in (Double(k) * ut - Double(j)) / kj })
    for i in 0..<k { out[i] += out[i] * correction[i] + (direct?[i] ?? 0) }
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
    let (correction, direct) = corrections(
      UnsafeBufferPointer(u), x, power: 2, scratch: scratch,
      term: { ut, rho, j, kj in (Double(k) * ut * (1 + rho) - Double(j)) / (kj * rho * rho) },
      numerator: { ut, rho, j, kj in (Double(k) * ut * (1 + rho) - Double(j)) / kj })
    for i in 0..<k { out[i] += out[i] * correction[i] + (direct?[i] ?? 0) }
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

  /// Σ_{j=1…m} (c_j/C(K, j)) Σ_{|T| = j, T ∌ i} term(U_T, ρ_T, j, K − j) for every i, by enumerating
  /// the subsets T; in the first K entries of `scratch` (which holds ≥ 2K). The caller multiplies
  /// entry i by u_i^power.
  ///
  /// A subset T whose complement holds almost none of the mass (ρ_T < 2⁻⁵⁰⁰: one or a few weights
  /// dominate the rest by hundreds of nats) would make u_i/ρ_T a product of an underflowed u_i and
  /// an overflowing 1/ρ_T. Its terms are formed instead from r_i = u_i/ρ_T = w_i/W_S computed
  /// in log space (W_S the complement's own log-sum-exp) and returned apart, already multiplied
  /// in: direct[i] = Σ (c_j/C(K, j)) r_i^power · numerator(U_T, ρ_T, j, K − j); nil when no
  /// subset needs it (the usual case: the same bits as without this path).
  func corrections(
    _ u: UnsafeBufferPointer<Double>, _ x: UnsafeBufferPointer<Double>, power: Int,
    scratch: UnsafeMutableBufferPointer<Double>,
    term: (_ ut: Double, _ rho: Double, _ j: Int, _ kj: Double) -> Double,
    numerator: (_ ut: Double, _ rho: Double, _ j: Int, _ kj: Double) -> Double
  ) -> (correction: UnsafeMutableBufferPointer<Double>, direct: [Double]?) {
    let k = sampleCount
    precondition(scratch.count >= 2 * k, "scratch holds \(scratch.count) entries; 2K = \(2 * k) needed")
    let correction = UnsafeMutableBufferPointer(rebasing: scratch[0..<k])
    let perJ = UnsafeMutableBufferPointer(rebasing: scratch[k..<(2 * k)])
    var direct: [Double]? = nil
    for i in 0..<k { correction[i] = 0 }
    for j in 1...order {
      for i in 0..<k { perJ[i] = 0 }
      let kj = Double(k - j)
      JackknifeGradientWeights.forEachSubset(of: k, size: j) { t in
        var ut = 0.0
        for i in t { ut += u[i] }
        let rho: Double
        if ut <= 0.5 {
          rho = 1 - ut
        } else {
          var rest = 0.0
          var p = 0
          for i in 0..<k {
            if p < t.count && t[p] == i {
              p += 1
              continue
            }
            rest += u[i]
          }
          rho = rest
        }
        if rho < 0x1p-500 {
          if direct == nil { direct = [Double](repeating: 0, count: k) }
          addDominated(t, x, ut: ut, rho: rho, j: j, kj: kj, power: power, numerator: numerator, into: &direct!)
          return
        }
        let value = term(ut, rho, j, kj)
        var p = 0
        for i in 0..<k {
          if p < t.count && t[p] == i {
            p += 1
            continue
          }
          perJ[i] += value
        }
      }
      for i in 0..<k { correction[i] += scaledCoefficients[j] * perJ[i] }
    }
    return (correction, direct)
  }

  /// The terms of a subset T whose complement S holds almost none of the mass: for i ∈ S,
  /// r_i = exp(x_i − log Σ_{s∈S} e^{x_s}) (the complement's own log-sum-exp; an all −∞
  /// complement gives nothing), added as (c_j/C(K, j)) r_i^power · numerator.
  @inline(never)
  func addDominated(
    _ t: UnsafeBufferPointer<Int>, _ x: UnsafeBufferPointer<Double>, ut: Double, rho: Double, j: Int, kj: Double,
    power: Int, numerator: (Double, Double, Int, Double) -> Double, into direct: inout [Double]
  ) {
    let k = sampleCount
    var excluded = [Bool](repeating: false, count: k)
    for i in t { excluded[i] = true }
    var mx = -Double.infinity
    for i in 0..<k where !excluded[i] { mx = Swift.max(mx, x[i]) }
    if mx == -.infinity { return }
    var sum = 0.0
    for i in 0..<k where !excluded[i] { sum += exp(x[i] - mx) }
    let logSum = mx + log(sum)
    let factor = scaledCoefficients[j] * numerator(ut, rho, j, kj)
    for i in 0..<k where !excluded[i] {
      let r = exp(x[i] - logSum)
      direct[i] += factor * (power == 1 ? r : r * r)
    }
  }

  static func binomial(_ n: Int, _ k: Int) -> Double {
    var r = 1.0
    if k > 0 { for i in 1...k { r = r * Double(n - k + i) / Double(i) } }
    return r
  }

  static func forEachSubset(of n: Int, size: Int, _ body: (UnsafeBufferPointer<Int>) -> Void) {
    withUnsafeTemporaryAllocation(of: Int.self, capacity: size) { c in
      for i in 0..<size { c[i] = i }
      while true {
        body(UnsafeBufferPointer(c))
        var i = size - 1
        while i >= 0 && c[i] == n - size + i { i -= 1 }
        if i < 0 { return }
        c[i] += 1
        for j in (i + 1)..<size { c[j] = c[j - 1] + 1 }
      }
    }
  }
}
