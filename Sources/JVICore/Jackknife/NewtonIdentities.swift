/// Sums of powers of subset sums from power sums, by Newton's identities on exponential
/// generating functions (docs/jackknife-math.md §2, item 3):
///
///     P_k(τ) = Σ_i e^{kτν_i} = Σ_s k^s q_s τ^s/s!,   E_l(τ) = e_l(e^{τν_1}, …),
///     l·E_l = Σ_{i=1}^{l} (−1)^{i−1} E_{l−i} P_i,    Q_{l,r} = Σ_{|T|=l} (Σ_{i∈T} ν_i)^r = r! [τ^r] E_l(τ).
///
/// Cost: O(m² R²) flops per row, independent of n.
public enum NewtonIdentities {
  /// Q[l][r] for l = 0…m, r = 0…R, from q[0…R] (q_0 = n, q_1 = 0 for centred ν).
  /// `factorials[s]` must hold s! for s ≤ R. Results go to `out[l * stride + r]`, stride > R.
  public static func subsetPowerSums(
    q: UnsafeBufferPointer<Double>, maximumSubsetSize m: Int, order r: Int,
    factorials: UnsafeBufferPointer<Double>, out: UnsafeMutableBufferPointer<Double>, stride: Int
  ) {
    let w = r + 1
    precondition(stride >= w, "stride \(stride) is shorter than the \(w) orders of a row")
    precondition(out.count >= m * stride + w, "out holds \(out.count) entries; \(m + 1) rows need \(m * stride + w)")
    precondition(q.count >= w, "q holds \(q.count) entries; orders 0…\(r) need \(w)")
    precondition(factorials.count >= w, "factorials hold \(factorials.count) entries; orders 0…\(r) need \(w)")
    withUnsafeTemporaryAllocation(of: Double.self, capacity: (2 * m + 2) * w) { scratch in
      // P_k coefficients: rows 0..<m of `scratch` (P_1…P_m), E_l in rows m…2m+1.
      let pBase = 0, eBase = (m + 1) * w
      for k in 1...max(m, 1) where k <= m {
        var kPower = 1.0
        for s in 0...r {
          scratch[pBase + k * w + s] = kPower * q[s] / factorials[s]
          kPower *= Double(k)
        }
      }
      for s in 0...r { scratch[eBase + s] = s == 0 ? 1 : 0 }
      if m >= 1 {
        for l in 1...m {
          let el = eBase + l * w
          for s in 0...r { scratch[el + s] = 0 }
          for i in 1...l {
            let sign: Double = i % 2 == 1 ? 1 : -1
            let e = eBase + (l - i) * w, p = pBase + i * w
            // Truncated convolution (E_{l−i} * P_i)[s] for s ≤ R.
            for s in 0...r {
              var acc = 0.0
              for u in 0...s { acc += scratch[e + u] * scratch[p + s - u] }
              scratch[el + s] += sign * acc
            }
          }
          let inv = 1.0 / Double(l)
          for s in 0...r { scratch[el + s] *= inv }
        }
      }
      for l in 0...m {
        for s in 0...r { out[l * stride + s] = scratch[eBase + l * w + s] * factorials[s] }
      }
    }
  }
}
