#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Row reductions in log space: the building blocks of every estimator.
///
/// All kernels take an `UnsafeBufferPointer<Double>` (one row, or one column block of a
/// row), run four `SIMD4<Double>` accumulators (16 elements per iteration) and pad the tail
/// with the identity of the reduction, so a value's contribution does not depend on its
/// position. Inputs are finite or −∞ (a zero weight); NaN and +∞ are rejected when a
/// `LogWeightMatrix` is built, so the kernels do not test for them.
public enum LogSpace {}

extension LogSpace {
  @usableFromInline typealias V = SIMD4<Double>

  @inlinable @inline(__always)
  static func load(_ base: UnsafePointer<Double>, _ i: Int) -> SIMD4<Double> {
    UnsafeRawPointer(base + i).loadUnaligned(as: SIMD4<Double>.self)
  }

  /// The last `count < 4` elements from `i`, padded with `pad`.
  @inlinable @inline(__always)
  static func loadTail(_ base: UnsafePointer<Double>, _ i: Int, _ count: Int, pad: Double) -> SIMD4<Double> {
    var v = SIMD4<Double>(repeating: pad)
    for j in 0..<count { v[j] = base[i + j] }
    return v
  }

  /// max_i x_i; −∞ for an empty buffer or an all −∞ one.
  ///
  /// Cost: K/4 vector compares and blends.
  @inlinable
  public static func maximum(_ x: UnsafeBufferPointer<Double>) -> Double {
    guard let p = x.baseAddress, x.count > 0 else { return -.infinity }
    let n = x.count
    var m0 = V(repeating: -.infinity), m1 = m0, m2 = m0, m3 = m0
    var i = 0
    while i + 16 <= n {
      let a = load(p, i), b = load(p, i + 4), c = load(p, i + 8), d = load(p, i + 12)
      m0.replace(with: a, where: a .> m0)
      m1.replace(with: b, where: b .> m1)
      m2.replace(with: c, where: c .> m2)
      m3.replace(with: d, where: d .> m3)
      i += 16
    }
    while i + 4 <= n {
      let a = load(p, i)
      m0.replace(with: a, where: a .> m0)
      i += 4
    }
    if i < n {
      let a = loadTail(p, i, n - i, pad: -.infinity)
      m1.replace(with: a, where: a .> m1)
    }
    m0.replace(with: m1, where: m1 .> m0)
    m2.replace(with: m3, where: m3 .> m2)
    m0.replace(with: m2, where: m2 .> m0)
    return Swift.max(Swift.max(m0[0], m0[1]), Swift.max(m0[2], m0[3]))
  }

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

  /// (max_i x_i, the first i attaining it) in one vector pass; (−∞, 0) for an all −∞ or empty buffer.
  @inlinable
  public static func maximumAndFirstIndex(_ x: UnsafeBufferPointer<Double>) -> (value: Double, index: Int) {
    guard let p = x.baseAddress, x.count > 0 else { return (-.infinity, 0) }
    let n = x.count
    var m0 = V(repeating: -.infinity), m1 = m0
    var i0 = SIMD4<Int64>(repeating: 0), i1 = i0
    var idx = SIMD4<Int64>(0, 1, 2, 3)
    let four = SIMD4<Int64>(repeating: 4)
    var i = 0
    while i + 8 <= n {
      let a = load(p, i), b = load(p, i + 4)
      let ga = a .> m0, gb = b .> m1
      m0.replace(with: a, where: ga)
      i0.replace(with: idx, where: ga)
      idx &+= four
      m1.replace(with: b, where: gb)
      i1.replace(with: idx, where: gb)
      idx &+= four
      i += 8
    }
    while i < n {
      let a = i + 4 <= n ? load(p, i) : loadTail(p, i, n - i, pad: -.infinity)
      let ga = a .> m0
      m0.replace(with: a, where: ga)
      i0.replace(with: idx, where: ga)
      idx &+= four
      i += 4
    }
    // Merge: the larger value, or on a tie the smaller index.
    var best = -Double.infinity, bestIndex = Int64.max
    for lane in 0..<4 {
      for (v, j) in [(m0[lane], i0[lane]), (m1[lane], i1[lane])] where v > best || (v == best && j < bestIndex) {
        best = v
        bestIndex = j
      }
    }
    return best == -.infinity ? (-.infinity, 0) : (best, Int(bestIndex))
  }

  /// First index i with x_i == value (which must occur), by vector compares.
  @inlinable
  public static func firstIndex(of value: Double, in x: UnsafeBufferPointer<Double>) -> Int {
    guard let p = x.baseAddress else { return 0 }
    let n = x.count
    let v = V(repeating: value)
    var i = 0
    while i + 4 <= n {
      let hit = load(p, i) .== v
      if any(hit) {
        for j in 0..<4 where hit[j] { return i + j }
      }
      i += 4
    }
    while i < n {
      if p[i] == value { return i }
      i += 1
    }
    return 0
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

  /// log Σ_i exp(x_i), shifted by the maximum.
  ///
  /// Edge cases: an empty or all −∞ buffer gives −∞ (never NaN).
  ///
  /// Error bound: ≤ ε·(|M| + 3 + log₂K) absolute, M = max x (the shift is exact, the sum
  /// A ≥ 1 has relative error ≤ (K/16 + 6)ε and log A adds 1/2 ulp).
  ///
  /// Cost: one max pass and one exp pass, ≈ 1.3 ns per element (1 thread, `make bench`).
  @inlinable
  public static func logSumExp(_ x: UnsafeBufferPointer<Double>) -> Double {
    let m = maximum(x)
    if m == -.infinity { return -.infinity }
    return m + log(expShiftedSum(x, shift: m))
  }

  /// log Σ_{i ∉ excluded} exp(x_i), shifted by the maximum of what remains; `excluded` holds
  /// indices in ascending order. −∞ when nothing (non-zero) remains. The slow path for
  /// complements whose shifted sums would underflow: O(K) with scalar exp.
  @inline(never)
  public static func logSumExp(_ x: UnsafeBufferPointer<Double>, excluding excluded: UnsafeBufferPointer<Int>) -> Double
  {
    var mx = -Double.infinity
    var p = 0
    for i in x.indices {
      if p < excluded.count && excluded[p] == i {
        p += 1
        continue
      }
      mx = Swift.max(mx, x[i])
    }
    if mx == -.infinity { return -.infinity }
    var total = 0.0
    p = 0
    for i in x.indices {
      if p < excluded.count && excluded[p] == i {
        p += 1
        continue
      }
      total += exp(x[i] - mx)
    }
    return mx + log(total)
  }

  /// log(eᵃ + eᵇ) without overflow; −∞ if both are −∞.
  @inlinable
  public static func logAddExp(_ a: Double, _ b: Double) -> Double {
    let hi = Swift.max(a, b), lo = Swift.min(a, b)
    if lo == -.infinity { return hi }
    return hi + log1p(exp(lo - hi))
  }
}
