/// A real number held as an integer multiple of 2^−512: value = raw / 2^512.
///
/// Used only to build the exact jackknife tables, where alternating coefficients of size
/// ~K^m/m! must cancel to O(1) before one final rounding to `Double`. Every operation is
/// exact except `*` and `/`, which truncate (absolute error ≤ 2^−512 each), and `log`, whose
/// absolute error is below 2^−500. With |coefficients| < 2^200, every table entry is therefore
/// correct to far beyond double precision (the notes used 60-digit mpmath for the same job).
public struct FixedPoint: Sendable, Hashable, Comparable {
  public static let fractionBits = 512

  /// value · 2^512, truncated.
  public var raw: BigInt

  public init(raw: BigInt) { self.raw = raw }

  public init(_ value: Int) { raw = BigInt(value) << FixedPoint.fractionBits }

  public init(_ value: BigInt) { raw = value << FixedPoint.fractionBits }

  /// numerator / denominator, truncated toward zero.
  public init(numerator: BigInt, denominator: BigInt) {
    raw = (numerator << FixedPoint.fractionBits) / denominator
  }

  public static let zero = FixedPoint(raw: .zero)

  public static func < (a: FixedPoint, b: FixedPoint) -> Bool { a.raw < b.raw }
  public static func + (a: FixedPoint, b: FixedPoint) -> FixedPoint { FixedPoint(raw: a.raw + b.raw) }
  public static func - (a: FixedPoint, b: FixedPoint) -> FixedPoint { FixedPoint(raw: a.raw - b.raw) }
  public static prefix func - (a: FixedPoint) -> FixedPoint { FixedPoint(raw: -a.raw) }
  public static func * (a: FixedPoint, b: FixedPoint) -> FixedPoint {
    FixedPoint(raw: (a.raw * b.raw) >> FixedPoint.fractionBits)
  }
  public static func * (a: FixedPoint, b: BigInt) -> FixedPoint { FixedPoint(raw: a.raw * b) }
  public static func / (a: FixedPoint, b: BigInt) -> FixedPoint { FixedPoint(raw: a.raw / b) }
  public static func += (a: inout FixedPoint, b: FixedPoint) { a = a + b }
  public static func -= (a: inout FixedPoint, b: FixedPoint) { a = a - b }

  /// The value rounded to the nearest `Double`.
  public func toDouble() -> Double { raw.toDouble(scaledByPowerOfTwo: -FixedPoint.fractionBits) }

  /// |value| < 2^−(512 − bits): zero up to the accumulated truncation error of a table.
  public func isNegligible(belowBits bits: Int = 64) -> Bool {
    raw.bitWidth <= bits
  }
}

extension FixedPoint {
  /// 2·atanh(y) = log((1 + y)/(1 − y)) = 2 Σ_k y^(2k+1)/(2k+1) for |y| ≤ 1/3.
  static func twiceAtanh(_ y: FixedPoint) -> FixedPoint {
    let y2 = y * y
    var power = y
    var sum = FixedPoint.zero
    var k = 0
    while !power.raw.isZero {
      sum += power / BigInt(2 * k + 1)
      power = power * y2
      k += 1
    }
    return sum + sum
  }

  /// log 2 = 2 atanh(1/3).
  public static let logTwo: FixedPoint = twiceAtanh(FixedPoint(numerator: .one, denominator: BigInt(3)))

  /// log n for an integer n ≥ 1, with absolute error below 2^−500.
  ///
  /// n = 2^e·f with f ∈ [1/√2, √2); log f = 2 atanh((n − 2^e)/(n + 2^e)), |y| ≤ 0.172,
  /// so the series gains 5 bits per term (about 100 terms).
  public static func log(_ n: BigInt) -> FixedPoint {
    precondition(n.signum > 0, "log of a non-positive integer")
    var e = n.bitWidth - 1
    // Choose e so that n / 2^e is closest to 1: compare n² with 2^(2e+1).
    if (n * n) > (BigInt.one << (2 * e + 1)) { e += 1 }
    let p = BigInt.one << e
    let y = FixedPoint(numerator: n - p, denominator: n + p)
    return FixedPoint(raw: logTwo.raw * BigInt(e)) + twiceAtanh(y)
  }

  public static func log(_ n: Int) -> FixedPoint { log(BigInt(n)) }
}

/// Exact integer combinatorics for the tables.
public enum ExactInteger {
  /// n! for n ≥ 0.
  public static func factorial(_ n: Int) -> BigInt {
    var r = BigInt.one
    if n >= 2 { for i in 2...n { r *= BigInt(i) } }
    return r
  }

  /// The binomial coefficient C(n, k); 0 when k < 0 or k > n.
  public static func binomial(_ n: Int, _ k: Int) -> BigInt {
    if k < 0 || k > n { return .zero }
    let kk = min(k, n - k)
    var r = BigInt.one
    if kk > 0 {
      for i in 1...kk { r = (r * BigInt(n - kk + i)) / BigInt(i) }
    }
    return r
  }
}
