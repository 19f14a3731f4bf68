extension LogSpace {
  /// Power sums q_r = Σ_i ν_i^r for r = 2…R, written to `q[2…R]` (q[0], q[1] untouched).
  ///
  /// Two SIMD chunks per iteration, accumulators in `q`'s vector shadow so R may exceed the
  /// register file. The tail is padded with 0 (which adds nothing to any power r ≥ 1).
  /// Cost: 2(R − 1) multiply-adds per element. Error bound: each q_r carries
  /// ≤ (n/8 + R)·ε·Σ|ν_i|^r (blocked summation of exactly rounded powers, relative error ≤ rε each).
  @inlinable
  public static func powerSums(
    _ nu: UnsafeBufferPointer<Double>, upTo r: Int, into q: UnsafeMutableBufferPointer<Double>
  ) {
    precondition(r >= 2, "power sums start at order 2, got R = \(r)")
    precondition(q.count > r, "q holds \(q.count) entries; orders 0…\(r) need \(r + 1)")
    withUnsafeTemporaryAllocation(of: SIMD4<Double>.self, capacity: r + 1) { acc in
      for i in 0...r { acc[i] = SIMD4<Double>() }
      if let p = nu.baseAddress {
        let n = nu.count
        var i = 0
        while i + 8 <= n {
          let v0 = load(p, i), v1 = load(p, i + 4)
          var p0 = v0 * v0, p1 = v1 * v1
          acc[2] += p0 + p1
          var s = 3
          while s <= r {
            p0 *= v0
            p1 *= v1
            acc[s] += p0 + p1
            s += 1
          }
          i += 8
        }
        while i < n {
          let v0 = i + 4 <= n ? load(p, i) : loadTail(p, i, n - i, pad: 0)
          var p0 = v0 * v0
          acc[2] += p0
          var s = 3
          while s <= r {
            p0 *= v0
            acc[s] += p0
            s += 1
          }
          i += 4
        }
      }
      for s in 2...r { q[s] = acc[s].sum() }
    }
  }
}

/// Sums of powers of subset sums from power sums, by Newton's identities on exponential
/// generating functions (../shared/docs/jackknife-math.md §2, item 3):
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
