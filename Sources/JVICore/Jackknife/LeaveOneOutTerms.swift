#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// IWAE_K, the leave-one-out mean Lbar_{K−1} and first-order JVI of one row, in O(K).
///
/// With u_i = w_i / S, ρ_i = 1 − u_i and x_i = (K u_i − 1)/(K − 1):
///
///     Lbar_{K−1} − IWAE_K = g(1) = (1/K) Σ_i φ(x_i),   φ(x) = log(1 − x) + x ≤ 0,
///     JVI_{K,1} = K·IWAE_K − (K−1)·Lbar_{K−1} = IWAE_K − (K − 1)·g(1).
///
/// Every φ term is ≤ 0, so g(1) is a sum without cancellation, and no leave-one-out term is
/// formed by subtracting from the total: for i ≠ i* (the first arg-max) x_i ≤ 1/2 and φ comes
/// from the atanh series; for i* the complement ρ_{i*} is its own log-sum-exp (exact even when
/// every other weight is more than 708 nats below the maximum).
///
/// Edge cases: an all −∞ row gives IWAE = Lbar = JVI = −∞; a row with one non-zero weight gives
/// Lbar = −∞ and JVI = +∞ (the IEEE value of the definition). Equal weights give g(1) = 0 and
/// JVI = IWAE = the weight, bit-exactly.
///
/// Error bound (docs/jackknife-math.md §1): |ΔLbar| ≤ ε(|log S| + c log K) and
/// |ΔJVI_1| ≤ ε(|IWAE| + c(K − 1)|g(1)|): a few ulp of the result.
///
/// Cost: two passes with one exp per element, one with a division and a short series
/// (1–22 terms, chosen per row from the largest |x|).
public struct LeaveOneOutTerms: Sendable, Equatable {
  /// IWAE_K = log((1/K) Σ w_i).
  public var iwae: Double
  /// g(1) = Lbar_{K−1} − IWAE_K ≤ 0.
  public var meanLogRatio: Double

  /// Lbar_{K−1}: the mean over the K leave-one-out subsets of IWAE_{K−1}.
  public func leaveOneOutMean() -> Double {
    iwae == -.infinity ? -.infinity : iwae + meanLogRatio
  }

  /// JVI_{K,1} = IWAE_K − (K − 1)·g(1).
  public func jackknife(sampleCount k: Int) -> Double {
    iwae == -.infinity ? -.infinity : iwae - Double(k - 1) * meanLogRatio
  }
}
