/// An unevaluated sum hi + lo of two doubles with |lo| ≤ ulp(hi)/2: about 106 bits
/// (unit roundoff u = 2^−104 ≈ 4.9e−32 for the operations below).
///
/// Error-free transformations (Knuth's two-sum, the FMA two-product) make each operation
/// accurate to a few u relative. Used where a combination of huge alternating terms must
/// cancel: the light-subset terms of high-order JVI (`HeavyLightEvaluator`).
public struct DoubleDouble: Sendable, Equatable {
  public var hi: Double
  public var lo: Double

  @inlinable public init(_ x: Double) {
    hi = x
    lo = 0
  }

  @inlinable public init(hi: Double, lo: Double) {
    self.hi = hi
    self.lo = lo
  }

  public static let zero = DoubleDouble(0)

  /// hi + lo rounded to a double.
  @inlinable public var value: Double { hi + lo }

  /// s + e = a + b exactly (Knuth).
  @inlinable @inline(__always)
  static func twoSum(_ a: Double, _ b: Double) -> (Double, Double) {
    let s = a + b
    let bb = s - a
    return (s, (a - (s - bb)) + (b - bb))
  }

  /// s + e = a + b exactly when |a| ≥ |b|.
  @inlinable @inline(__always)
  static func quickTwoSum(_ a: Double, _ b: Double) -> (Double, Double) {
    let s = a + b
    return (s, b - (s - a))
  }

  @inlinable
  public static func + (a: DoubleDouble, b: DoubleDouble) -> DoubleDouble {
    let (s, e) = twoSum(a.hi, b.hi)
    let (t, f) = twoSum(a.lo, b.lo)
    let (s2, e2) = quickTwoSum(s, e + t)
    let (hi, lo) = quickTwoSum(s2, e2 + f)
    return DoubleDouble(hi: hi, lo: lo)
  }

  @inlinable public static prefix func - (a: DoubleDouble) -> DoubleDouble { DoubleDouble(hi: -a.hi, lo: -a.lo) }
  @inlinable public static func - (a: DoubleDouble, b: DoubleDouble) -> DoubleDouble { a + (-b) }

  @inlinable
  public static func * (a: DoubleDouble, b: DoubleDouble) -> DoubleDouble {
    let p = a.hi * b.hi
    let e = (-p).addingProduct(a.hi, b.hi)
    let (hi, lo) = quickTwoSum(p, e + (a.hi * b.lo + a.lo * b.hi))
    return DoubleDouble(hi: hi, lo: lo)
  }

  @inlinable
  public static func * (a: DoubleDouble, b: Double) -> DoubleDouble {
    let p = a.hi * b
    let e = (-p).addingProduct(a.hi, b)
    let (hi, lo) = quickTwoSum(p, e + a.lo * b)
    return DoubleDouble(hi: hi, lo: lo)
  }

  @inlinable
  public static func / (a: DoubleDouble, b: DoubleDouble) -> DoubleDouble {
    // One Newton step on the double quotient: q1 = a/b, r = a − q1·b, q2 = r/b.
    let q1 = a.hi / b.hi
    let r = a - b * q1
    let q2 = r.hi / b.hi
    let (hi, lo) = quickTwoSum(q1, q2)
    return DoubleDouble(hi: hi, lo: lo)
  }

  @inlinable public static func += (a: inout DoubleDouble, b: DoubleDouble) { a = a + b }
  @inlinable public static func *= (a: inout DoubleDouble, b: DoubleDouble) { a = a * b }
}

extension FixedPoint {
  /// The value as hi + lo (both rounded to nearest), accurate to ~2^−106 relative.
  public func toDoubleDouble() -> DoubleDouble {
    let hi = toDouble()
    guard hi.isNormal else { return DoubleDouble(hi) }
    let residual = self - FixedPoint.exact(hi)
    return DoubleDouble(hi: hi, lo: residual.toDouble())
  }

  /// A double converted exactly (for |x| < 2^512 and x a multiple of 2^−512).
  static func exact(_ x: Double) -> FixedPoint {
    let e = x.exponent
    let significand = Int64(x.significandBitPattern | (1 << 52))
    let shift = Int(e) - 52 + FixedPoint.fractionBits
    var raw = BigInt(Int(significand))
    raw = shift >= 0 ? raw << shift : raw >> -shift
    return FixedPoint(raw: x < 0 ? -raw : raw)
  }
}
