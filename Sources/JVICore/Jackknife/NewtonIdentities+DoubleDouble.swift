extension NewtonIdentities {
  /// `subsetPowerSums` in double-double: Q[l][r] for l = 0…m, r = 0…R into `out[l * stride + r]`.
  /// Cost: O(m² R²) double-double operations (≈ 20 flops each).
  public static func subsetPowerSumsDoubleDouble(
    q: UnsafeBufferPointer<DoubleDouble>, maximumSubsetSize m: Int, order r: Int,
    out: UnsafeMutableBufferPointer<DoubleDouble>, stride: Int
  ) {
    let w = r + 1
    precondition(stride >= w, "stride \(stride) is shorter than the \(w) orders of a row")
    precondition(out.count >= m * stride + w, "out holds \(out.count) entries; \(m + 1) rows need \(m * stride + w)")
    precondition(q.count >= w, "q holds \(q.count) entries; orders 0…\(r) need \(w)")
    withUnsafeTemporaryAllocation(of: DoubleDouble.self, capacity: (2 * m + 3) * w) { scratch in
      let pBase = 0, eBase = (m + 1) * w, fBase = (2 * m + 2) * w
      // s! in double-double.
      scratch[fBase] = DoubleDouble(1)
      if r >= 1 { for s in 1...r { scratch[fBase + s] = scratch[fBase + s - 1] * Double(s) } }
      // P_k[s] = k^s q_s / s!, with k^s/s! built as a running product of k/s.
      if m >= 1 {
        for k in 1...m {
          var c = DoubleDouble(1)
          for s in 0...r {
            if s > 0 { c = c * (DoubleDouble(Double(k)) / DoubleDouble(Double(s))) }
            scratch[pBase + k * w + s] = c * q[s]
          }
        }
      }
      for s in 0...r { scratch[eBase + s] = DoubleDouble(s == 0 ? 1 : 0) }
      if m >= 1 {
        for l in 1...m {
          let el = eBase + l * w
          for s in 0...r { scratch[el + s] = .zero }
          for i in 1...l {
            let e = eBase + (l - i) * w, p = pBase + i * w
            for s in 0...r {
              var acc = DoubleDouble.zero
              for u in 0...s { acc += scratch[e + u] * scratch[p + s - u] }
              scratch[el + s] = i % 2 == 1 ? scratch[el + s] + acc : scratch[el + s] - acc
            }
          }
          let inv = DoubleDouble(1) / DoubleDouble(Double(l))
          for s in 0...r { scratch[el + s] = scratch[el + s] * inv }
        }
      }
      for l in 0...m {
        for s in 0...r { out[l * stride + s] = scratch[eBase + l * w + s] * scratch[fBase + s] }
      }
    }
  }
}
