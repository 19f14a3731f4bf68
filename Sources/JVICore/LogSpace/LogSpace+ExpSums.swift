extension LogSpace {
  /// Σ_i exp(x_i − shift), for `shift ≥ max_i x_i`.
  ///
  /// Error bound: each term carries ≤ 1.1 ulp from `VectorMath.expNonPositive` plus
  /// ε·|x_i − shift| from rounding the argument; the four-way blocked sum adds
  /// ≤ (K/16 + 4)·ε relative. Terms below e^−708 of the shift are dropped (see `expNonPositive`).
  @inlinable
  public static func expShiftedSum(_ x: UnsafeBufferPointer<Double>, shift: Double) -> Double {
    guard let p = x.baseAddress, x.count > 0 else { return 0 }
    let n = x.count
    let s = V(repeating: shift)
    var a0 = V(), a1 = V(), a2 = V(), a3 = V()
    var i = 0
    while i + 16 <= n {
      a0 += VectorMath.expNonPositive(load(p, i) - s)
      a1 += VectorMath.expNonPositive(load(p, i + 4) - s)
      a2 += VectorMath.expNonPositive(load(p, i + 8) - s)
      a3 += VectorMath.expNonPositive(load(p, i + 12) - s)
      i += 16
    }
    while i + 4 <= n {
      a0 += VectorMath.expNonPositive(load(p, i) - s)
      i += 4
    }
    if i < n {
      a1 += VectorMath.expNonPositive(loadTail(p, i, n - i, pad: -.infinity) - s)
    }
    return ((a0 + a1) + (a2 + a3)).sum()
  }
  /// Writes a_i = exp(x_i − shift) to `out` and returns (Σ a_i, Σ a_i²), for `shift ≥ max x`.
  ///
  /// Same error bound as `expShiftedSum`. Cost: one exp and three flops per element.
  @inlinable
  public static func storeExpShifted(
    _ x: UnsafeBufferPointer<Double>, shift: Double, into out: UnsafeMutableBufferPointer<Double>
  ) -> (sum: Double, sumOfSquares: Double) {
    guard let p = x.baseAddress, let q = out.baseAddress, x.count > 0 else { return (0, 0) }
    precondition(out.count >= x.count, "scratch buffer too small")
    let n = x.count
    let s = V(repeating: shift)
    var a0 = V(), a1 = V(), b0 = V(), b1 = V()
    var i = 0
    while i + 8 <= n {
      let e0 = VectorMath.expNonPositive(load(p, i) - s)
      let e1 = VectorMath.expNonPositive(load(p, i + 4) - s)
      UnsafeMutableRawPointer(q + i).storeBytes(of: e0, as: V.self)
      UnsafeMutableRawPointer(q + i + 4).storeBytes(of: e1, as: V.self)
      a0 += e0
      a1 += e1
      b0 = b0.addingProduct(e0, e0)
      b1 = b1.addingProduct(e1, e1)
      i += 8
    }
    if i + 4 <= n {
      let e0 = VectorMath.expNonPositive(load(p, i) - s)
      UnsafeMutableRawPointer(q + i).storeBytes(of: e0, as: V.self)
      a0 += e0
      b0 = b0.addingProduct(e0, e0)
      i += 4
    }
    if i < n {
      let e = VectorMath.expNonPositive(loadTail(p, i, n - i, pad: -.infinity) - s)
      for j in 0..<(n - i) { q[i + j] = e[j] }
      a1 += e
      b1 = b1.addingProduct(e, e)
    }
    return ((a0 + a1).sum(), (b0 + b1).sum())
  }
  /// Writes a_i = exp(x_i − shift) to `out` with a_excluded = 0, and returns Σ a_i and max a_i
  /// over the other indices: the complement sum and the second-largest share of a row whose
  /// maximum sits at `excluded`, in one pass.
  @inlinable
  public static func storeExpShiftedExcluding(
    _ excluded: Int, _ x: UnsafeBufferPointer<Double>, shift: Double, into out: UnsafeMutableBufferPointer<Double>
  ) -> (sum: Double, maximum: Double) {
    guard let p = x.baseAddress, let q = out.baseAddress, x.count > 0 else { return (0, 0) }
    precondition(out.count >= x.count, "scratch buffer too small")
    let n = x.count
    let s = V(repeating: shift)
    let lanes = SIMD4<Int64>(0, 1, 2, 3)
    let skip = Int64(excluded)
    var a0 = V(), a1 = V(), m0 = V(), m1 = V()
    let hot = excluded & ~3
    var i = 0
    // Four independent exps per iteration while the excluded chunk is ahead.
    while i + 16 <= n && (hot < i || hot >= i + 16) {
      let e0 = VectorMath.expNonPositive(load(p, i) - s)
      let e1 = VectorMath.expNonPositive(load(p, i + 4) - s)
      let e2 = VectorMath.expNonPositive(load(p, i + 8) - s)
      let e3 = VectorMath.expNonPositive(load(p, i + 12) - s)
      UnsafeMutableRawPointer(q + i).storeBytes(of: e0, as: V.self)
      UnsafeMutableRawPointer(q + i + 4).storeBytes(of: e1, as: V.self)
      UnsafeMutableRawPointer(q + i + 8).storeBytes(of: e2, as: V.self)
      UnsafeMutableRawPointer(q + i + 12).storeBytes(of: e3, as: V.self)
      a0 += e0 + e2
      a1 += e1 + e3
      m0.replace(with: e0, where: e0 .> m0)
      m1.replace(with: e1, where: e1 .> m1)
      m0.replace(with: e2, where: e2 .> m0)
      m1.replace(with: e3, where: e3 .> m1)
      i += 16
    }
    while i < n {
      var e: V
      if i + 4 <= n && i != hot {
        e = VectorMath.expNonPositive(load(p, i) - s)
      } else {
        e = VectorMath.expNonPositive((i + 4 <= n ? load(p, i) : loadTail(p, i, n - i, pad: -.infinity)) - s)
        e.replace(with: 0, where: (lanes &+ Int64(i)) .== skip)
      }
      if i + 4 <= n {
        UnsafeMutableRawPointer(q + i).storeBytes(of: e, as: V.self)
      } else {
        for j in 0..<(n - i) { q[i + j] = e[j] }
      }
      if (i >> 2) & 1 == 0 {
        a0 += e
        m0.replace(with: e, where: e .> m0)
      } else {
        a1 += e
        m1.replace(with: e, where: e .> m1)
      }
      i += 4
    }
    m0.replace(with: m1, where: m1 .> m0)
    return ((a0 + a1).sum(), m0.max())
  }
  /// Σ_i x_i with four vector accumulators.
  ///
  /// Error bound: ≤ (K/16 + 4)·ε·Σ|x_i| (blocked summation).
  @inlinable
  public static func sum(_ x: UnsafeBufferPointer<Double>) -> Double {
    guard let p = x.baseAddress, x.count > 0 else { return 0 }
    let n = x.count
    var a0 = V(), a1 = V(), a2 = V(), a3 = V()
    var i = 0
    while i + 16 <= n {
      a0 += load(p, i)
      a1 += load(p, i + 4)
      a2 += load(p, i + 8)
      a3 += load(p, i + 12)
      i += 16
    }
    while i + 4 <= n {
      a0 += load(p, i)
      i += 4
    }
    if i < n { a1 += loadTail(p, i, n - i, pad: 0) }
    return ((a0 + a1) + (a2 + a3)).sum()
  }
}
