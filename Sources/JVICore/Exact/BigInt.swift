/// An arbitrary-precision signed integer (sign and magnitude, little-endian 64-bit limbs).
///
/// Only what the exact jackknife tables need: +, −, ×, truncated division, shifts and a
/// correctly rounded conversion to `Double`. Tables are built once per (K, zeros, heavy-set
/// size, order) and cached, so schoolbook multiplication and Knuth's division are fast enough.
public struct BigInt: Sendable, Hashable, Comparable, CustomStringConvertible {
  /// True for negative values (never for zero).
  @usableFromInline var isNegative: Bool
  /// Magnitude, little-endian, without trailing zero limbs (zero is `[]`).
  @usableFromInline var limbs: [UInt64]

  @usableFromInline
  init(isNegative: Bool, limbs: [UInt64]) {
    var l = limbs
    while let last = l.last, last == 0 { l.removeLast() }
    self.isNegative = l.isEmpty ? false : isNegative
    self.limbs = l
  }

  public init(_ value: Int) {
    self.init(isNegative: value < 0, limbs: [UInt64(value.magnitude)])
  }

  public static let zero = BigInt(0)
  public static let one = BigInt(1)

  public var isZero: Bool { limbs.isEmpty }

  /// −1, 0 or 1.
  public var signum: Int { isZero ? 0 : (isNegative ? -1 : 1) }

  /// Number of bits in the magnitude (0 for zero).
  public var bitWidth: Int {
    guard let last = limbs.last else { return 0 }
    return limbs.count * 64 - last.leadingZeroBitCount
  }

  public var magnitude: BigInt { BigInt(isNegative: false, limbs: limbs) }

  // MARK: Comparison

  public static func < (a: BigInt, b: BigInt) -> Bool {
    if a.isNegative != b.isNegative { return a.isNegative }
    let c = compareMagnitudes(a.limbs, b.limbs)
    return a.isNegative ? c > 0 : c < 0
  }

  // MARK: Arithmetic

  public static prefix func - (a: BigInt) -> BigInt {
    BigInt(isNegative: !a.isNegative, limbs: a.limbs)
  }

  public static func + (a: BigInt, b: BigInt) -> BigInt {
    if a.isNegative == b.isNegative {
      return BigInt(isNegative: a.isNegative, limbs: addMagnitudes(a.limbs, b.limbs))
    }
    let c = compareMagnitudes(a.limbs, b.limbs)
    if c == 0 { return .zero }
    if c > 0 { return BigInt(isNegative: a.isNegative, limbs: subtractMagnitudes(a.limbs, b.limbs)) }
    return BigInt(isNegative: b.isNegative, limbs: subtractMagnitudes(b.limbs, a.limbs))
  }

  public static func - (a: BigInt, b: BigInt) -> BigInt { a + (-b) }

  public static func * (a: BigInt, b: BigInt) -> BigInt {
    if a.isZero || b.isZero { return .zero }
    return BigInt(isNegative: a.isNegative != b.isNegative, limbs: multiplyMagnitudes(a.limbs, b.limbs))
  }

  public static func += (a: inout BigInt, b: BigInt) { a = a + b }
  public static func -= (a: inout BigInt, b: BigInt) { a = a - b }
  public static func *= (a: inout BigInt, b: BigInt) { a = a * b }

  /// Quotient and remainder of truncated division (the quotient rounds toward zero and the
  /// remainder has the sign of the dividend), like `Int.quotientAndRemainder`.
  public func quotientAndRemainder(dividingBy divisor: BigInt) -> (quotient: BigInt, remainder: BigInt) {
    precondition(!divisor.isZero, "division by zero")
    let (q, r) = BigInt.divideMagnitudes(limbs, divisor.limbs)
    return (
      BigInt(isNegative: isNegative != divisor.isNegative, limbs: q),
      BigInt(isNegative: isNegative, limbs: r)
    )
  }

  public static func / (a: BigInt, b: BigInt) -> BigInt { a.quotientAndRemainder(dividingBy: b).quotient }

  /// a · 2^shift.
  public static func << (a: BigInt, shift: Int) -> BigInt {
    precondition(shift >= 0, "a negative shift \(shift)")
    if a.isZero || shift == 0 { return a }
    let limbShift = shift / 64, bitShift = shift % 64
    var out = [UInt64](repeating: 0, count: a.limbs.count + limbShift + 1)
    for (i, limb) in a.limbs.enumerated() {
      out[i + limbShift] |= limb << UInt64(bitShift)
      if bitShift > 0 { out[i + limbShift + 1] |= limb >> UInt64(64 - bitShift) }
    }
    return BigInt(isNegative: a.isNegative, limbs: out)
  }

  /// a / 2^shift, truncated toward zero.
  public static func >> (a: BigInt, shift: Int) -> BigInt {
    precondition(shift >= 0, "a negative shift \(shift)")
    let limbShift = shift / 64, bitShift = shift % 64
    if limbShift >= a.limbs.count { return .zero }
    var out = [UInt64](repeating: 0, count: a.limbs.count - limbShift)
    for i in 0..<out.count {
      out[i] = a.limbs[i + limbShift] >> UInt64(bitShift)
      if bitShift > 0, i + limbShift + 1 < a.limbs.count {
        out[i] |= a.limbs[i + limbShift + 1] << UInt64(64 - bitShift)
      }
    }
    return BigInt(isNegative: a.isNegative, limbs: out)
  }

  /// a^n for n ≥ 0.
  public func power(_ n: Int) -> BigInt {
    precondition(n >= 0, "a negative exponent \(n)")
    var result = BigInt.one, base = self, e = n
    while e > 0 {
      if e & 1 == 1 { result *= base }
      e >>= 1
      if e > 0 { base *= base }
    }
    return result
  }

  // MARK: Conversion

  /// The value · 2^exponent, correctly rounded to the nearest `Double` (ties to even) when the
  /// result is normal; ±∞ beyond the finite range. (Subnormal results may be rounded twice.)
  public func toDouble(scaledByPowerOfTwo exponent: Int = 0) -> Double {
    let width = bitWidth
    if width == 0 { return 0 }
    // Keep 64 leading bits plus a sticky bit, so rounding to 53 bits happens once.
    var top: UInt64
    var e = exponent
    if width <= 64 {
      top = limbs[0]
    } else {
      let shift = width - 64
      top = (magnitude >> shift).limbs[0]
      if !BigInt.lowBitsAreZero(limbs, count: shift) { top |= 1 }
      e += shift
    }
    let value = Double(sign: .plus, exponent: e, significand: Double(top))
    return isNegative ? -value : value
  }

  public var description: String {
    if isZero { return "0" }
    var digits: [String] = []
    var rest = magnitude
    let chunk = BigInt(1_000_000_000_000_000_000)
    while !rest.isZero {
      let (q, r) = rest.quotientAndRemainder(dividingBy: chunk)
      digits.append(String(r.limbs.first ?? 0))
      rest = q
    }
    var text = digits.removeLast()
    for d in digits.reversed() { text += String(repeating: "0", count: 18 - d.count) + d }
    return (isNegative ? "-" : "") + text
  }
}

// MARK: - Magnitude arithmetic

extension BigInt {
  @usableFromInline
  static func compareMagnitudes(_ a: [UInt64], _ b: [UInt64]) -> Int {
    if a.count != b.count { return a.count < b.count ? -1 : 1 }
    var i = a.count - 1
    while i >= 0 {
      if a[i] != b[i] { return a[i] < b[i] ? -1 : 1 }
      i -= 1
    }
    return 0
  }

  static func addMagnitudes(_ a: [UInt64], _ b: [UInt64]) -> [UInt64] {
    let (long, short) = a.count >= b.count ? (a, b) : (b, a)
    var out = [UInt64](repeating: 0, count: long.count + 1)
    var carry: UInt64 = 0
    for i in 0..<long.count {
      let (s1, o1) = long[i].addingReportingOverflow(i < short.count ? short[i] : 0)
      let (s2, o2) = s1.addingReportingOverflow(carry)
      out[i] = s2
      carry = (o1 ? 1 : 0) + (o2 ? 1 : 0)
    }
    out[long.count] = carry
    return out
  }

  /// a − b for |a| ≥ |b|.
  static func subtractMagnitudes(_ a: [UInt64], _ b: [UInt64]) -> [UInt64] {
    var out = a
    var borrow: UInt64 = 0
    for i in 0..<a.count {
      let (d1, o1) = a[i].subtractingReportingOverflow(i < b.count ? b[i] : 0)
      let (d2, o2) = d1.subtractingReportingOverflow(borrow)
      out[i] = d2
      borrow = (o1 ? 1 : 0) + (o2 ? 1 : 0)
    }
    return out
  }

  static func multiplyMagnitudes(_ a: [UInt64], _ b: [UInt64]) -> [UInt64] {
    var out = [UInt64](repeating: 0, count: a.count + b.count)
    for i in 0..<a.count {
      var carry: UInt64 = 0
      let ai = a[i]
      if ai == 0 { continue }
      for j in 0..<b.count {
        let (hi, lo) = ai.multipliedFullWidth(by: b[j])
        let (s1, o1) = lo.addingReportingOverflow(out[i + j])
        let (s2, o2) = s1.addingReportingOverflow(carry)
        out[i + j] = s2
        carry = hi &+ (o1 ? 1 : 0) &+ (o2 ? 1 : 0)
      }
      out[i + b.count] = carry
    }
    return out
  }

  /// Quotient and remainder of magnitudes (Knuth, TAOCP vol. 2, §4.3.1, Algorithm D).
  static func divideMagnitudes(_ a: [UInt64], _ b: [UInt64]) -> ([UInt64], [UInt64]) {
    if compareMagnitudes(trimmed(a), b) < 0 { return ([], a) }
    if b.count == 1 {
      let d = b[0]
      var q = [UInt64](repeating: 0, count: a.count)
      var r: UInt64 = 0
      var i = a.count - 1
      while i >= 0 {
        let (qi, ri) = d.dividingFullWidth((high: r, low: a[i]))
        q[i] = qi
        r = ri
        i -= 1
      }
      return (q, [r])
    }
    // Normalise so the divisor's top limb has its high bit set.
    let s = UInt64(b[b.count - 1].leadingZeroBitCount)
    let v = shiftLeftLimbs(b, s, extra: false)
    var u = shiftLeftLimbs(a, s, extra: true)
    let n = v.count, m = u.count - n - 1
    var q = [UInt64](repeating: 0, count: m + 1)
    let vTop = v[n - 1], vNext = v[n - 2]
    var j = m
    while j >= 0 {
      // Estimate q̂ from the top two limbs of the current remainder.
      var qhat: UInt64
      var rhat: UInt64
      var rhatOverflow = false
      if u[j + n] >= vTop {
        // Only u[j+n] == vTop is possible: q̂ = 2^64 − 1 and r̂ = u[j+n−1] + vTop (may overflow).
        qhat = UInt64.max
        (rhat, rhatOverflow) = u[j + n - 1].addingReportingOverflow(vTop)
      } else {
        (qhat, rhat) = vTop.dividingFullWidth((high: u[j + n], low: u[j + n - 1]))
      }
      // Refine: while q̂·v[n−2] > (r̂·2^64 + u[j+n−2]), decrease q̂.
      while !rhatOverflow {
        let (pHi, pLo) = qhat.multipliedFullWidth(by: vNext)
        if pHi > rhat || (pHi == rhat && pLo > u[j + n - 2]) {
          qhat -= 1
          let (r, o) = rhat.addingReportingOverflow(vTop)
          rhat = r
          rhatOverflow = o
        } else {
          break
        }
      }
      // Multiply and subtract q̂·v from u[j…j+n].
      var borrow: UInt64 = 0
      var carry: UInt64 = 0
      for i in 0..<n {
        let (pHi, pLo) = qhat.multipliedFullWidth(by: v[i])
        let (p, o) = pLo.addingReportingOverflow(carry)
        carry = pHi &+ (o ? 1 : 0)
        let (d1, b1) = u[i + j].subtractingReportingOverflow(p)
        let (d2, b2) = d1.subtractingReportingOverflow(borrow)
        u[i + j] = d2
        borrow = (b1 ? 1 : 0) + (b2 ? 1 : 0)
      }
      let (d1, b1) = u[j + n].subtractingReportingOverflow(carry)
      let (d2, b2) = d1.subtractingReportingOverflow(borrow)
      u[j + n] = d2
      if b1 || b2 {
        // q̂ was one too large: add the divisor back.
        qhat -= 1
        var c: UInt64 = 0
        for i in 0..<n {
          let (s1, o1) = u[i + j].addingReportingOverflow(v[i])
          let (s2, o2) = s1.addingReportingOverflow(c)
          u[i + j] = s2
          c = (o1 ? 1 : 0) + (o2 ? 1 : 0)
        }
        u[j + n] = u[j + n] &+ c
      }
      q[j] = qhat
      j -= 1
    }
    // Remainder: u[0..<n] >> s.
    var r = [UInt64](repeating: 0, count: n)
    for i in 0..<n {
      r[i] = s == 0 ? u[i] : (u[i] >> s) | (u[i + 1] << (64 - s))
    }
    return (q, r)
  }

  static func shiftLeftLimbs(_ a: [UInt64], _ s: UInt64, extra: Bool) -> [UInt64] {
    var out = [UInt64](repeating: 0, count: a.count + (extra ? 1 : 0))
    for i in 0..<a.count {
      out[i] |= a[i] << s
      if s > 0 {
        let spill = a[i] >> (64 - s)
        if i + 1 < out.count { out[i + 1] |= spill }
      }
    }
    return out
  }

  static func trimmed(_ a: [UInt64]) -> [UInt64] {
    var l = a
    while let last = l.last, last == 0 { l.removeLast() }
    return l
  }

  static func lowBitsAreZero(_ limbs: [UInt64], count: Int) -> Bool {
    let full = count / 64, bits = count % 64
    for i in 0..<min(full, limbs.count) where limbs[i] != 0 { return false }
    if bits > 0, full < limbs.count, limbs[full] & ((1 << UInt64(bits)) - 1) != 0 { return false }
    return true
  }
}
