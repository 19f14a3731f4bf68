#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

extension JackknifeGradientWeights {
  /// Order 1 in O(K): the left-out sets are the single samples t, whose centred terms
  ///
  ///     f_t = (K u_t − 1)/((K − 1) ρ_t)            (p = 1),
  ///     f_t = (K u_t (1 + ρ_t) − 1)/((K − 1) ρ_t²)   (p = 2),   ρ_t = 1 − u_t,
  ///
  /// do not depend on s, so out_s = u_s^p (1 + α_1 Σ_{t≠s} f_t) with Σ_{t≠s} from prefix and
  /// suffix sums (no subtraction from a total). ρ_t is the sum of the other u's (prefix + suffix)
  /// when u_t > 1/2. A t holding all but 2^−500 of the mass is handled as the enumeration does:
  /// its terms are formed from r_s = w_s/Σ_{i≠t} w_i in log space. The same terms as the
  /// enumeration, summed in another order.
  ///
  /// Rows whose weights outside the largest hold at least 2^−90 of the mass are summed in
  /// double-double (`firstOrderExtended`: O(K), the double nearest the definition); the rest
  /// (one weight dominating by more than 62 nats) in double as above.
  func firstOrder(
    _ x: UnsafeBufferPointer<Double>, _ u: UnsafeBufferPointer<Double>, power p: Int,
    into out: UnsafeMutableBufferPointer<Double>, scratch: UnsafeMutableBufferPointer<Double>
  ) {
    if firstOrderExtended(x, power: p, into: out) { return }
    let k = sampleCount
    let alpha = scaledCoefficients[1]
    let kd = Double(k)
    // scratch[0..<K]: prefix sums of u, then of f; scratch[K..<2K]: f.
    let prefix = UnsafeMutableBufferPointer(rebasing: scratch[0..<k])
    let f = UnsafeMutableBufferPointer(rebasing: scratch[k..<(2 * k)])
    var running = 0.0
    for t in 0..<k {
      prefix[t] = running
      running += u[t]
    }
    var suffixU = 0.0
    var dominated = -1
    for t in stride(from: k - 1, through: 0, by: -1) {
      let rho = u[t] <= 0.5 ? 1 - u[t] : prefix[t] + suffixU
      suffixU += u[t]
      if rho < 0x1p-500 {
        dominated = t
        f[t] = 0
        continue
      }
      f[t] = p == 1 ? (kd * u[t] - 1) / ((kd - 1) * rho) : (kd * u[t] * (1 + rho) - 1) / ((kd - 1) * rho * rho)
    }
    // out_s = u_s^p (1 + α Σ_{t≠s} f_t): compensated (two-sum) prefix sums of f in `prefix` (the sum and
    // its compensation summed once more), a compensated suffix accumulated backwards; the
    // centred terms cancel, and K of them summed plainly would lose log₂K bits.
    var ahead = CompensatedSum()
    for t in 0..<k {
      prefix[t] = ahead.value
      ahead.add(f[t])
    }
    var behind = CompensatedSum()
    for s in stride(from: k - 1, through: 0, by: -1) {
      let up = p == 1 ? u[s] : u[s] * u[s]
      out[s] = up + up * alpha * (prefix[s] + behind.value)
      behind.add(f[s])
    }
    guard dominated >= 0 else { return }
    // The dominating t: r_s = exp(x_s − log Σ_{i≠t} e^{x_i}) for s ≠ t.
    let t = dominated
    var mx = -Double.infinity
    for i in 0..<k where i != t { mx = Swift.max(mx, x[i]) }
    if mx == -.infinity { return }
    var sum = 0.0
    for i in 0..<k where i != t { sum += exp(x[i] - mx) }
    let logRest = mx + log(sum)
    var rest = 0.0
    for i in 0..<k where i != t { rest += u[i] }
    let numerator = p == 1 ? (kd * u[t] - 1) / (kd - 1) : (kd * u[t] * (1 + rest) - 1) / (kd - 1)
    for s in 0..<k where s != t {
      let r = exp(x[s] - logRest)
      out[s] += alpha * (p == 1 ? r : r * r) * numerator
    }
  }
}

extension JackknifeGradientWeights {
  /// `firstOrder` in double-double, from e_i = exp(x_i − max) taken as exact: W and every
  /// complement Σ_{i≠t} e_i from prefix and suffix sums, u_t = e_t/W, ρ_t = Σ_{i≠t} e_i/W, the
  /// terms f_t and their prefix and suffix sums, all to ~2^−104. False (nothing written) when the
  /// weights outside the largest hold less than 2^−90 of the mass.
  func firstOrderExtended(_ x: UnsafeBufferPointer<Double>, power p: Int, into out: UnsafeMutableBufferPointer<Double>)
    -> Bool
  {
    typealias DD = DoubleDouble
    let k = sampleCount
    let mx = LogSpace.maximum(x)
    guard mx > -.infinity else { return false }
    var top = 0
    for i in 0..<k where x[i] == mx {
      top = i
      break
    }
    let e = (0..<k).map { exp(x[$0] - mx) }
    // before[t] = Σ_{i<t} e_i, after[t] = Σ_{i>t} e_i.
    var before = [DD](repeating: .zero, count: k + 1)
    for t in 0..<k { before[t + 1] = before[t] + DD(e[t]) }
    var after = [DD](repeating: .zero, count: k)
    var running = DD.zero
    for t in stride(from: k - 1, through: 0, by: -1) {
      after[t] = running
      running += DD(e[t])
    }
    let total = before[k]
    guard (before[top] + after[top]).hi >= 0x1p-90 * total.hi else { return false }
    let kd = Double(k)
    let alpha = DD(-(kd - 1)) / DD(kd)  // c_1/C(K, 1)
    var f = [DD](repeating: .zero, count: k)
    for t in 0..<k {
      let u = DD(e[t]) / total
      let rho = (before[t] + after[t]) / total
      let numerator = p == 1 ? u * kd - DD(1) : u * kd * (DD(1) + rho) - DD(1)
      f[t] = numerator / ((p == 1 ? rho : rho * rho) * (kd - 1))
    }
    var ahead = [DD](repeating: .zero, count: k)
    running = .zero
    for t in 0..<k {
      ahead[t] = running
      running += f[t]
    }
    running = .zero
    for s in stride(from: k - 1, through: 0, by: -1) {
      let u = DD(e[s]) / total
      let up = p == 1 ? u : u * u
      out[s] = (up + up * alpha * (ahead[s] + running)).value
      running += f[s]
    }
    return true
  }
}
