/// The accepted interval of a floating-point option, with open or closed ends.
///
/// Help shows it in interval notation ("(0,100]", ">0"); a refused value's message says
/// what was expected ("a positive number", "a number in (0, 100]").
public struct NumberRange: Sendable, Equatable {
  public var lower: Double?
  public var lowerIncluded: Bool
  public var upper: Double?
  public var upperIncluded: Bool

  public init(lower: Double?, lowerIncluded: Bool, upper: Double?, upperIncluded: Bool) {
    self.lower = lower
    self.lowerIncluded = lowerIncluded
    self.upper = upper
    self.upperIncluded = upperIncluded
  }

  /// Every finite number.
  public static let finite = NumberRange(lower: nil, lowerIncluded: false, upper: nil, upperIncluded: false)
  /// x > 0.
  public static let positive = NumberRange(lower: 0, lowerIncluded: false, upper: nil, upperIncluded: false)
  /// x ≥ 0.
  public static let nonNegative = NumberRange(lower: 0, lowerIncluded: true, upper: nil, upperIncluded: false)
  /// [a, b].
  public static func closed(_ a: Double, _ b: Double) -> NumberRange {
    NumberRange(lower: a, lowerIncluded: true, upper: b, upperIncluded: true)
  }
  /// (a, b).
  public static func open(_ a: Double, _ b: Double) -> NumberRange {
    NumberRange(lower: a, lowerIncluded: false, upper: b, upperIncluded: false)
  }
  /// (a, b].
  public static func openClosed(_ a: Double, _ b: Double) -> NumberRange {
    NumberRange(lower: a, lowerIncluded: false, upper: b, upperIncluded: true)
  }
  /// [a, b).
  public static func closedOpen(_ a: Double, _ b: Double) -> NumberRange {
    NumberRange(lower: a, lowerIncluded: true, upper: b, upperIncluded: false)
  }

  public func contains(_ x: Double) -> Bool {
    guard x.isFinite else { return false }
    if let lower, lowerIncluded ? x < lower : x <= lower { return false }
    if let upper, upperIncluded ? x > upper : x >= upper { return false }
    return true
  }

  /// "(0,100]", ">0", ">=0", "<=1" (no spaces, so help never breaks one across lines); nil
  /// for every finite number.
  public var notation: String? {
    switch (lower, upper) {
    case (nil, nil): return nil
    case (let a?, nil): return (lowerIncluded ? ">=" : ">") + NumberRange.format(a)
    case (nil, let b?): return (upperIncluded ? "<=" : "<") + NumberRange.format(b)
    case (let a?, let b?):
      return (lowerIncluded ? "[" : "(") + NumberRange.format(a) + "," + NumberRange.format(b)
        + (upperIncluded ? "]" : ")")
    }
  }

  /// What a refused value's message says was expected.
  public var expectation: String {
    if self == .finite { return "a number" }
    if self == .positive { return "a positive number" }
    if self == .nonNegative { return "a non-negative number" }
    guard let a = lower, let b = upper else {
      return "a number " + (lower != nil ? (lowerIncluded ? ">= " : "> ") : (upperIncluded ? "<= " : "< "))
        + NumberRange.format(lower ?? upper ?? 0)
    }
    return "a number in " + (lowerIncluded ? "[" : "(") + NumberRange.format(a) + ", " + NumberRange.format(b)
      + (upperIncluded ? "]" : ")")
  }

  /// A number as help shows it: integral values without ".0" (1000, not 1000.0), others in
  /// Swift's shortest round-trip form (0.001, 1e-08).
  public static func format(_ x: Double) -> String {
    if x == x.rounded(), abs(x) < 1e15 { return String(Int64(x)) }
    return "\(x)"
  }
}
