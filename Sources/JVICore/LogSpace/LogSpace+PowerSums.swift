import CJVIKernels

extension LogSpace {
  /// Power sums q_r = Σ_i ν_i^r for r = 2…R, written to `q[2…R]` (q[0], q[1] untouched), R ≤ 128.
  ///
  /// Two SIMD chunks per iteration (C kernels). The tail is padded with 0 (which adds nothing to
  /// any power r ≥ 1). Cost: 2(R − 1) multiplies and adds per element. Error bound: each q_r
  /// carries ≤ (n/8 + R)·ε·Σ|ν_i|^r (blocked summation of exactly rounded powers, relative
  /// error ≤ rε each).
  public static func powerSums(
    _ nu: UnsafeBufferPointer<Double>, upTo r: Int, into q: UnsafeMutableBufferPointer<Double>
  ) {
    precondition(r >= 2 && r <= 128, "power sums of orders 2…R need 2 ≤ R ≤ 128, got R = \(r)")
    precondition(q.count > r, "q holds \(q.count) entries; orders 0…\(r) need \(r + 1)")
    guard let out = q.baseAddress else { return }
    guard let p = nu.baseAddress, nu.count > 0 else {
      for s in 2...r { out[s] = 0 }
      return
    }
    jvi_power_sums(p, nu.count, r, out)
  }
}

extension LogSpace {
  /// q_r = Σ_i ν_i^r for r = 2…R in double-double, into `q[2…R]`.
  ///
  /// Every power is carried as hi + lo with exact FMA two-products (ν·ν exactly, then one
  /// rounding of 2^−104 per further factor), and accumulated with two-sums per lane, so q_r is
  /// accurate to ≈ (R + n/4)·2^−104·Σ|ν_i|^r. Cost: about 12 flops per element and power.
  public static func powerSumsDoubleDouble(
    _ nu: UnsafeBufferPointer<Double>, upTo r: Int, into q: UnsafeMutableBufferPointer<DoubleDouble>
  ) {
    precondition(r >= 2, "power sums start at order 2, got R = \(r)")
    precondition(q.count > r, "q holds \(q.count) entries; orders 0…\(r) need \(r + 1)")
    precondition(r <= 128, "double-double power sums go to order 128, got R = \(r)")
    withUnsafeTemporaryAllocation(of: Double.self, capacity: 8 * (r + 1)) { lanes in
      guard let out = lanes.baseAddress else { return }
      if let p = nu.baseAddress, nu.count > 0 {
        jvi_power_sums_double_double(p, nu.count, r, out)
      } else {
        for i in 0..<(8 * (r + 1)) { out[i] = 0 }
      }
      for s in 2...r {
        var total = DoubleDouble.zero
        for lane in 0..<4 { total += DoubleDouble(hi: out[8 * s + lane], lo: out[8 * s + 4 + lane]) }
        q[s] = total
      }
    }
  }
}
