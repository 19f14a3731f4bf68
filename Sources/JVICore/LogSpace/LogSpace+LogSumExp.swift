import CJVIKernels

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

extension LogSpace {
  /// log Σ_i exp(x_i), shifted by the maximum.
  ///
  /// Edge cases: an empty or all −∞ buffer gives −∞ (never NaN).
  ///
  /// Error bound: ≤ ε·(|M| + 3 + log₂K) absolute, M = max x (the shift is exact, the sum
  /// A ≥ 1 has relative error ≤ (K/16 + 6)ε and log A adds 1/2 ulp).
  ///
  /// Cost: one max pass and one exp pass in one call of the C kernels, ≈ 1 ns per element
  /// (1 thread, `make bench`).
  public static func logSumExp(_ x: UnsafeBufferPointer<Double>) -> Double {
    guard let p = x.baseAddress, x.count > 0 else { return -.infinity }
    return jvi_log_sum_exp(p, x.count, 0)
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

  /// log((1/K) Σ exp(x_i)) = M + log(A/K); −∞ for an all −∞ buffer; exactly x for K equal
  /// values x. Error bound as `logSumExp` (the division adds half an ulp of A/K, i.e. ε/2 absolute).
  public static func logMeanExp(_ x: UnsafeBufferPointer<Double>) -> Double {
    guard let p = x.baseAddress, x.count > 0 else { return -.infinity }
    return jvi_log_sum_exp(p, x.count, 1)
  }
}
