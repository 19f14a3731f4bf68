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
    withUnsafeTemporaryAllocation(of: SIMD4<Double>.self, capacity: 2 * (r + 1)) { acc in
      for i in 0..<(2 * (r + 1)) { acc[i] = SIMD4<Double>() }
      if let p = nu.baseAddress {
        let n = nu.count
        var i = 0
        while i < n {
          let v = i + 4 <= n ? load(p, i) : loadTail(p, i, n - i, pad: 0)
          // ν² exactly.
          var ph = v * v
          var pl = (-ph).addingProduct(v, v)
          var s = 2
          while true {
            // acc[s] += ph + pl (two-sum on the high parts, low parts added).
            let ah = acc[2 * s]
            let sum = ah + ph
            let bb = sum - ah
            let err = (ah - (sum - bb)) + (ph - bb)
            acc[2 * s] = sum
            acc[2 * s + 1] += err + pl
            if s == r { break }
            // (ph + pl)·ν with an exact product of the high part.
            let h = ph * v
            let e = (-h).addingProduct(ph, v)
            let l = e + pl * v
            ph = h + l
            pl = l - (ph - h)
            s += 1
          }
          i += 4
        }
      }
      for s in 2...r {
        var total = DoubleDouble.zero
        for lane in 0..<4 { total += DoubleDouble(hi: acc[2 * s][lane], lo: acc[2 * s + 1][lane]) }
        q[s] = total
      }
    }
  }
}
