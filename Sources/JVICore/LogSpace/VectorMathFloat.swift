/// Elementary functions on `SIMD8<Float>` for training networks in single precision.
/// exp(r) = 1 + r + r²·P(r), P of degree 4 (`fit_exp_polynomial.py`, 9.7e−9 relative).
extension VectorMath {
  public typealias Float8 = SIMD8<Float>

  /// |x| lane-wise (the sign bit cleared).
  @inlinable @inline(__always)
  public static func magnitude(_ x: Float8) -> Float8 {
    unsafeBitCast(unsafeBitCast(x, to: SIMD8<UInt32>.self) & 0x7FFF_FFFF, to: Float8.self)
  }

  /// (expm1(r), k) for x = k·log 2 + r, |r| ≤ log(2)/2.
  @inlinable @inline(__always)
  static func reduced(_ x: Float8) -> (expm1: Float8, k: SIMD8<Int32>, kf: Float8) {
    let magic = Float8(repeating: 12_582_912)  // 1.5·2^23
    let t = magic.addingProduct(x, Float8(repeating: 1.442_695_0))
    let kf = t - magic
    var r = x.addingProduct(kf, Float8(repeating: -0.693_145_75))
    r = r.addingProduct(kf, Float8(repeating: -1.428_606_8e-06))
    let r2 = r * r
    let p01 = Float8(repeating: 0.5).addingProduct(r, Float8(repeating: 0.166_665_78))
    let p23 = Float8(repeating: 0.041_666_556).addingProduct(r, Float8(repeating: 0.008_363_173_3))
    let p = p01.addingProduct(r2, p23).addingProduct(r2 * r2, Float8(repeating: 0.001_392_617_6))
    let k = unsafeBitCast(t, to: SIMD8<Int32>.self) &- unsafeBitCast(magic, to: SIMD8<Int32>.self)
    return (r.addingProduct(r2, p), k, kf)
  }

  @inlinable @inline(__always)
  static func powerOfTwo(_ k: SIMD8<Int32>) -> Float8 {
    unsafeBitCast((k &+ 127) &<< 23, to: Float8.self)
  }

  /// eˣ on eight lanes: +∞ above 88.72, gradual underflow to 0 below −103.
  /// Error bound: ≤ 1.5 ulp for normal results (tested); exp(0) = 1 exactly.
  @inlinable
  public static func exp(_ x: Float8) -> Float8 {
    var clamped = x
    clamped.replace(with: Float8(repeating: -104), where: x .< -104)
    clamped.replace(with: Float8(repeating: 89), where: x .> 89)
    let (em1, k, _) = reduced(clamped)
    let k1 = k &>> 1, k2 = k &- k1
    var result = (em1 + 1) * powerOfTwo(k1) * powerOfTwo(k2)
    result.replace(with: .infinity, where: x .> 88.722_84)
    result.replace(with: 0, where: x .< -103.9)
    result.replace(with: x, where: x .!= x)
    return result
  }

  /// eˣ − 1 on eight lanes, accurate near 0: 2^k·expm1(r) + (2^k − 1). −1 below −18.
  @inlinable
  public static func expMinusOne(_ x: Float8) -> Float8 {
    var clamped = x
    clamped.replace(with: Float8(repeating: -18), where: x .< -18)
    clamped.replace(with: Float8(repeating: 89), where: x .> 89)
    let (em1, k, kf) = reduced(clamped)
    let k1 = k &>> 1, k2 = k &- k1
    let scale = powerOfTwo(k1) * powerOfTwo(k2)
    var result = em1 * scale + (scale - 1)
    // Integer-vector compares run lane by lane; the float k compares as a vector.
    result.replace(with: em1, where: kf .== 0)
    result.replace(with: .infinity, where: x .> 88.722_84)
    result.replace(with: -1, where: x .< -18)
    result.replace(with: x, where: x .!= x)
    return result
  }

  /// log(1 + e) for e ∈ [0, 1]: 2u Σ_{j<8} u^{2j}/(2j + 1), u = e/(2 + e) ≤ 1/3; ≤ 3 ulp (tested).
  @inlinable
  public static func logOnePlusUnit(_ e: Float8) -> Float8 {
    let u = e / (2 + e)
    let u2 = u * u
    var s = Float8(repeating: 1.0 / 15)
    var j = 6
    while j >= 0 {
      s = Float8(repeating: 1 / Float(2 * j + 1)).addingProduct(u2, s)
      j -= 1
    }
    return 2 * u * s
  }

  /// softplus(x) = max(x, 0) + log(1 + e^−|x|).
  @inlinable
  public static func softplus(_ x: Float8) -> Float8 {
    var positive = x
    positive.replace(with: 0, where: x .< 0)
    return positive + logOnePlusUnit(exp(-magnitude(x)))
  }

  /// σ(x) without overflow (see the Double version).
  @inlinable
  public static func sigmoid(_ x: Float8) -> Float8 {
    let e = exp(-magnitude(x))
    var numerator = Float8(repeating: 1)
    numerator.replace(with: e, where: x .< 0)
    return numerator / (1 + e)
  }

  /// tanh x = −sign(x)·m/(2 + m), m = expm1(−2|x|).
  @inlinable
  public static func tanh(_ x: Float8) -> Float8 {
    let m = expMinusOne(-2 * magnitude(x))
    var t = -m / (2 + m)
    t.replace(with: -t, where: x .< 0)
    return t
  }
}
