/// Elementary functions on `SIMD4<Double>` for the log-space kernels.
///
/// The compiler never vectorises a loop that calls `exp`, and glibc's scalar `exp` costs
/// about 5 ns; the kernels here evaluate a polynomial on four lanes at once (about 0.3 ns
/// per element with `-target-cpu haswell`).
public enum VectorMath {}

extension VectorMath {
  /// `exp(x)` for `x ≤ 0`, four lanes.
  ///
  /// Definition: with k = round(x / log 2) and r = x − k·log 2 (Cody–Waite, two-part log 2),
  /// exp(x) = 2^k · (1 + r + r²·P(r)), where P is a degree-9 polynomial interpolating
  /// (eʳ − 1 − r)/r² at the Chebyshev nodes of [−log 2 / 2, log 2 / 2]
  /// (coefficients from `fit_exp_polynomial.py` beside this file).
  ///
  /// Edge cases:
  /// - `exp(0)` is exactly 1, so equal log-weights give exactly equal weights.
  /// - `x < −708` (including −∞) returns 0. The true value is below 3.3e−308, so the
  ///   absolute error is below 2^−1021; no subnormal is produced.
  /// - `x > 0` and NaN are outside the domain (callers shift by the row maximum and reject NaN).
  ///
  /// Error bounds: polynomial error 1.6e−17 relative; with rounding, ≤ 1.1 ulp measured over
  /// [−708, 0] against Float80 (tested in `VectorExpTests`).
  ///
  /// Cost: 12 fused multiply-adds and 9 other vector operations per four lanes.
  @inlinable @inline(__always)
  public static func expNonPositive(_ x: SIMD4<Double>) -> SIMD4<Double> {
    // x ≥ −708 keeps k ≥ −1022, so a single 2^k is a normal number.
    let (em1, k, _) = reduced(x)
    var result = (em1 + 1) * powerOfTwo(k)
    result.replace(with: 0, where: x .< -708.0)
    return result
  }

  /// The shared argument reduction and polynomial of every Double exp here:
  /// x = k·log 2 + r with |r| ≤ log(2)/2 (Cody–Waite, two-part log 2), and
  /// expm1(r) = r + r²·P(r), P of degree 9 by Estrin's scheme. Returns (expm1(r), k, k as Double).
  @inlinable @inline(__always)
  static func reduced(_ x: SIMD4<Double>) -> (expm1: SIMD4<Double>, k: SIMD4<Int64>, kf: SIMD4<Double>) {
    typealias V = SIMD4<Double>
    // t = x/log2 + 1.5·2^52 rounds x/log2 to an integer k held in the low mantissa bits.
    let magic = V(repeating: 6_755_399_441_055_744.0)
    let t = magic.addingProduct(x, V(repeating: 1.442_695_040_888_963_4))
    let kf = t - magic
    var r = x.addingProduct(kf, V(repeating: -6.931_471_803_691_238_164_90e-01))
    r = r.addingProduct(kf, V(repeating: -1.908_214_929_270_587_700_02e-10))
    let r2 = r * r
    let r4 = r2 * r2
    let r8 = r4 * r4
    // P(r) by Estrin's scheme: four independent pairs, then three levels.
    let p01 = V(repeating: 0.500_000_000_000_000_1).addingProduct(r, V(repeating: 0.166_666_666_666_666_69))
    let p23 = V(repeating: 0.041_666_666_666_624_164).addingProduct(r, V(repeating: 0.008_333_333_333_330_065))
    let p45 = V(repeating: 0.001_388_888_891_719_671_9).addingProduct(r, V(repeating: 0.000_198_412_698_630_405_45))
    let p67 = V(repeating: 2.480_152_132_236_869_2e-05).addingProduct(r, V(repeating: 2.755_726_848_031_002_4e-06))
    let p89 = V(repeating: 2.762_007_587_998_336_7e-07).addingProduct(r, V(repeating: 2.510_037_583_256_123_4e-08))
    let p03 = p01.addingProduct(r2, p23)
    let p47 = p45.addingProduct(r2, p67)
    let p07 = p03.addingProduct(r4, p47)
    let p = p07.addingProduct(r8, p89)
    // The integer k sits in t's low mantissa bits (two's complement relative to `magic`).
    let k = unsafeBitCast(t, to: SIMD4<Int64>.self) &- unsafeBitCast(magic, to: SIMD4<Int64>.self)
    return (r.addingProduct(r2, p), k, kf)
  }

  /// 2^k for k ∈ [−1022, 1023]: (k + 1023) in the exponent field.
  @inlinable @inline(__always)
  static func powerOfTwo(_ k: SIMD4<Int64>) -> SIMD4<Double> {
    unsafeBitCast((k &+ 1023) &<< 52, to: SIMD4<Double>.self)
  }

  /// Scalar `exp(x)` for `x ≤ 0` with exactly the same arithmetic as the four-lane version,
  /// so a value does not depend on where it sits in a row. Same edge cases and error bound.
  @inlinable
  public static func expNonPositive(_ x: Double) -> Double {
    expNonPositive(SIMD4<Double>(repeating: x))[0]
  }
}
