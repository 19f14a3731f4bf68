/// Full-range elementary functions on `SIMD4<Double>` for networks evaluated in Double
/// (log-weights for evaluation, gradient checks). Same reduction and polynomial as
/// `expNonPositive` (coefficients from `fit_exp_polynomial.py`).
extension VectorMath {
  public typealias Double4 = SIMD4<Double>

  /// |x| lane-wise (the sign bit cleared).
  @inlinable @inline(__always)
  public static func magnitude(_ x: Double4) -> Double4 {
    unsafeBitCast(unsafeBitCast(x, to: SIMD4<UInt64>.self) & 0x7FFF_FFFF_FFFF_FFFF, to: Double4.self)
  }

  /// (expm1(r), k) for x = k·log 2 + r, |r| ≤ log(2)/2: expm1(r) = r + r²·P(r).
  @inlinable @inline(__always)
  static func reduced(_ x: Double4) -> (expm1: Double4, k: SIMD4<Int64>, kf: Double4) {
    let magic = Double4(repeating: 6_755_399_441_055_744.0)
    let t = magic.addingProduct(x, Double4(repeating: 1.442_695_040_888_963_4))
    let kf = t - magic
    var r = x.addingProduct(kf, Double4(repeating: -6.931_471_803_691_238_164_90e-01))
    r = r.addingProduct(kf, Double4(repeating: -1.908_214_929_270_587_700_02e-10))
    let r2 = r * r, r4 = r2 * r2, r8 = r4 * r4
    let p01 = Double4(repeating: 0.500_000_000_000_000_1).addingProduct(r, Double4(repeating: 0.166_666_666_666_666_69))
    let p23 = Double4(repeating: 0.041_666_666_666_624_164).addingProduct(
      r, Double4(repeating: 0.008_333_333_333_330_065))
    let p45 = Double4(repeating: 0.001_388_888_891_719_671_9).addingProduct(
      r, Double4(repeating: 0.000_198_412_698_630_405_45))
    let p67 = Double4(repeating: 2.480_152_132_236_869_2e-05).addingProduct(
      r, Double4(repeating: 2.755_726_848_031_002_4e-06))
    let p89 = Double4(repeating: 2.762_007_587_998_336_7e-07).addingProduct(
      r, Double4(repeating: 2.510_037_583_256_123_4e-08))
    let p = p01.addingProduct(r2, p23).addingProduct(r4, p45.addingProduct(r2, p67)).addingProduct(r8, p89)
    // The integer k sits in t's low mantissa bits (two's complement relative to `magic`).
    let k = unsafeBitCast(t, to: SIMD4<Int64>.self) &- unsafeBitCast(magic, to: SIMD4<Int64>.self)
    return (r.addingProduct(r2, p), k, kf)
  }

  /// 2^k for k ∈ [−1022, 1023].
  @inlinable @inline(__always)
  static func powerOfTwo(_ k: SIMD4<Int64>) -> Double4 {
    unsafeBitCast((k &+ 1023) &<< 52, to: Double4.self)
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
