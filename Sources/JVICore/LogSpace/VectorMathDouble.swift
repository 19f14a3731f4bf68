/// Full-range elementary functions on `SIMD4<Double>` for networks evaluated in Double
/// (log-weights for evaluation, gradient checks). They share `reduced` and `powerOfTwo` with
/// `expNonPositive` (VectorExp.swift; coefficients from `fit_exp_polynomial.py`).
extension VectorMath {
  public typealias Double4 = SIMD4<Double>

  /// |x| lane-wise (the sign bit cleared).
  @inlinable @inline(__always)
  public static func magnitude(_ x: Double4) -> Double4 {
    unsafeBitCast(unsafeBitCast(x, to: SIMD4<UInt64>.self) & 0x7FFF_FFFF_FFFF_FFFF, to: Double4.self)
  }

  /// eˣ on four lanes, full range: +∞ above 709.78, gradual underflow to 0 below −708.4.
  /// Error bound: ≤ 1.5 ulp for normal results (tested against Float80); exp(0) = 1 exactly.
  /// NaN propagates.
  @inlinable
  public static func exp(_ x: Double4) -> Double4 {
    var clamped = x
    clamped.replace(with: Double4(repeating: -746), where: x .< -746)
    clamped.replace(with: Double4(repeating: 710), where: x .> 710)
    let (em1, k, _) = reduced(clamped)
    // 2^k as 2^k1 · 2^k2 so that both factors are normal for k ∈ [−1076, 1025].
    let k1 = k &>> 1, k2 = k &- k1
    var result = (em1 + 1) * powerOfTwo(k1) * powerOfTwo(k2)
    result.replace(with: .infinity, where: x .> 709.782_712_893_383_973_1)
    result.replace(with: 0, where: x .< -745.2)
    result.replace(with: x, where: x .!= x)
    return result
  }

  /// eˣ − 1 on four lanes, accurate near 0 (no cancellation): 2^k·expm1(r) + (2^k − 1).
  /// −1 below −40, +∞ above 709.78. Error bound: ≤ 2 ulp (tested).
  @inlinable
  public static func expMinusOne(_ x: Double4) -> Double4 {
    var clamped = x
    clamped.replace(with: Double4(repeating: -40), where: x .< -40)
    clamped.replace(with: Double4(repeating: 710), where: x .> 710)
    let (em1, k, kf) = reduced(clamped)
    let k1 = k &>> 1, k2 = k &- k1
    let scale = powerOfTwo(k1) * powerOfTwo(k2)
    var result = em1 * scale + (scale - 1)
    // Integer-vector compares run lane by lane; the float k compares as a vector.
    result.replace(with: em1, where: kf .== 0)
    result.replace(with: .infinity, where: x .> 709.782_712_893_383_973_1)
    result.replace(with: -1, where: x .< -40)
    result.replace(with: x, where: x .!= x)
    return result
  }

  /// log(1 + e) for e ∈ [0, 1], by log(1 + e) = 2 atanh(u), u = e/(2 + e) ∈ [0, 1/3]:
  /// 2u Σ_{j<17} u^{2j}/(2j + 1). All terms are positive: ≤ 3 ulp relative (tested; 2.5 measured).
  @inlinable
  public static func logOnePlusUnit(_ e: Double4) -> Double4 {
    let u = e / (2 + e)
    let u2 = u * u
    var s = Double4(repeating: 1.0 / 33)
    var j = 15
    while j >= 0 {
      s = Double4(repeating: 1.0 / Double(2 * j + 1)).addingProduct(u2, s)
      j -= 1
    }
    return 2 * u * s
  }

  /// softplus(x) = log(1 + eˣ) = max(x, 0) + log(1 + e^−|x|), without overflow.
  @inlinable
  public static func softplus(_ x: Double4) -> Double4 {
    let a = magnitude(x)
    var positive = x
    positive.replace(with: 0, where: x .< 0)
    return positive + logOnePlusUnit(exp(-a))
  }

  /// σ(x) = 1/(1 + e^−x), as 1/(1 + e) for x ≥ 0 and e/(1 + e) for x < 0 (e = e^−|x|).
  @inlinable
  public static func sigmoid(_ x: Double4) -> Double4 {
    let e = exp(-magnitude(x))
    var numerator = Double4(repeating: 1)
    numerator.replace(with: e, where: x .< 0)
    return numerator / (1 + e)
  }

  /// tanh x = −sign(x)·m/(2 + m), m = expm1(−2|x|) ∈ (−1, 0]: no cancellation near 0.
  @inlinable
  public static func tanh(_ x: Double4) -> Double4 {
    let m = expMinusOne(-2 * magnitude(x))
    var t = -m / (2 + m)
    t.replace(with: -t, where: x .< 0)
    return t
  }
}
