#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The enumeration of the left-out sets: the reference the linear-time sums replace, and the
/// path for the rows they leave (≤ m non-zero weights, or no convergent split).
extension JackknifeGradientWeights {
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
