import CJVIKernels

/// Elementary functions on vectors for the log-space kernels and the networks, evaluated by the
/// dispatched C kernels (`Sources/CJVIKernels`: AVX-512, AVX2 + FMA or the baseline, chosen when
/// the program runs; see `KernelPath`).
///
/// The compiler never vectorises a loop that calls `exp`, and glibc's scalar `exp` costs about
/// 5 ns; these evaluate polynomials on 4 Doubles or 8 Floats at once (about 0.3 ns per element).
///
/// Definitions (Double; the Float set is the same with a degree-4 polynomial, 9.7e−9 relative):
/// with k = round(x / log 2) and r = x − k·log 2 (Cody–Waite, two-part log 2),
/// eˣ = 2^k · (1 + r + r²·P(r)), P of degree 9 interpolating (eʳ − 1 − r)/r² at the Chebyshev nodes
/// of [−log 2 / 2, log 2 / 2] (coefficients from `fit_exp_polynomial.py` beside this file),
/// evaluated by Estrin's scheme.
///
/// Error bounds (tested against Float80 in `VectorExpTests` and `VectorMathTests`): `exp` ≤ 1.5 ulp
/// for normal results, `expNonPositive` ≤ 1.1 ulp on [−708, 0], `expMinusOne` ≤ 2 ulp,
/// `logOnePlusUnit` ≤ 3 ulp; exp(0) = 1 exactly. On the baseline path of x86-64 (no FMA) each
/// fused multiply-add is a multiply and an add: ≤ 1 ulp more.
public enum VectorMath {
  /// The element-wise functions of the C kernels.
  public enum Function: Int32, Sendable, CaseIterable {
    /// tanh x = −sign(x)·m/(2 + m), m = expm1(−2|x|): no cancellation near 0.
    case tanh = 0
    /// softplus(x) = log(1 + eˣ) = max(x, 0) + log(1 + e^−|x|), without overflow.
    case softplus = 1
    /// σ(x) = 1/(1 + e^−x), as 1/(1 + e) for x ≥ 0 and e/(1 + e) for x < 0 (e = e^−|x|).
    case sigmoid = 2
    /// eˣ, full range: +∞ above 709.78 (Float: 88.72), gradual underflow to 0, NaN propagates.
    case exp = 3
    /// eˣ − 1, accurate near 0 (2^k·expm1(r) + (2^k − 1)); −1 below −40 (Float: −18).
    case expMinusOne = 4
    /// eˣ for x ≤ 0 (Double only): 0 below −708 (including −∞), never a subnormal. Callers shift
    /// by the row maximum; x > 0 and NaN are outside the domain.
    case expNonPositive = 5
    /// log(1 + e) for e ∈ [0, 1], by 2 atanh(e/(2 + e)) (all terms positive).
    case logOnePlusUnit = 6
  }

  /// y_i = f(x_i) for i < count (y may be x).
  public static func map(
    _ f: Function, _ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>, count: Int
  ) {
    jvi_map_f64(f.rawValue, x, y, count)
  }

  /// y_i = f(x_i) for i < count (y may be x); every function but `expNonPositive`.
  public static func map(
    _ f: Function, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int
  ) {
    precondition(f != .expNonPositive, "expNonPositive is a Double function")
    jvi_map_f32(f.rawValue, x, y, count)
  }

  /// f on four lanes.
  public static func apply(_ f: Function, _ x: SIMD4<Double>) -> SIMD4<Double> {
    var v = x
    withUnsafeMutableBytes(of: &v) { b in
      if let p = b.baseAddress?.assumingMemoryBound(to: Double.self) { map(f, p, p, count: 4) }
    }
    return v
  }

  /// f on eight lanes.
  public static func apply(_ f: Function, _ x: SIMD8<Float>) -> SIMD8<Float> {
    var v = x
    withUnsafeMutableBytes(of: &v) { b in
      if let p = b.baseAddress?.assumingMemoryBound(to: Float.self) { map(f, p, p, count: 8) }
    }
    return v
  }
}

extension VectorMath {
  public typealias Double4 = SIMD4<Double>
  public typealias Float8 = SIMD8<Float>

  /// `exp(x)` for `x ≤ 0`, four lanes (see `Function.expNonPositive`).
  public static func expNonPositive(_ x: Double4) -> Double4 { apply(.expNonPositive, x) }
  /// Scalar `exp(x)` for `x ≤ 0` with exactly the four-lane arithmetic, so a value does not depend
  /// on where it sits in a row.
  public static func expNonPositive(_ x: Double) -> Double { apply(.expNonPositive, Double4(repeating: x))[0] }
  public static func exp(_ x: Double4) -> Double4 { apply(.exp, x) }
  public static func expMinusOne(_ x: Double4) -> Double4 { apply(.expMinusOne, x) }
  public static func logOnePlusUnit(_ e: Double4) -> Double4 { apply(.logOnePlusUnit, e) }
  public static func softplus(_ x: Double4) -> Double4 { apply(.softplus, x) }
  public static func sigmoid(_ x: Double4) -> Double4 { apply(.sigmoid, x) }
  public static func tanh(_ x: Double4) -> Double4 { apply(.tanh, x) }

  public static func exp(_ x: Float8) -> Float8 { apply(.exp, x) }
  public static func expMinusOne(_ x: Float8) -> Float8 { apply(.expMinusOne, x) }
  public static func logOnePlusUnit(_ e: Float8) -> Float8 { apply(.logOnePlusUnit, e) }
  public static func softplus(_ x: Float8) -> Float8 { apply(.softplus, x) }
  public static func sigmoid(_ x: Float8) -> Float8 { apply(.sigmoid, x) }
  public static func tanh(_ x: Float8) -> Float8 { apply(.tanh, x) }
}
