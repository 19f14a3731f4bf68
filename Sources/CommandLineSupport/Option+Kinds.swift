/// The kinds of option the tools use: integers in a range, finite numbers in an interval,
/// 64-bit seeds, free text, choices from a list, and custom grammars. Each converts and checks
/// its text when the command line is parsed, so a tool never sees an out-of-range value.

// MARK: Integers

extension Option where Value == [Int] {
  /// A comma-separated list of at least one integer in `range` each, `defaultValue` when absent.
  public static func integerList(
    _ name: String, value: String, in range: ClosedRange<Int>, default defaultValue: [Int], help: String,
    section: OptionSection = .general
  ) -> Option {
    Option(
      name, value: value, help: help, section: section, default: defaultValue,
      defaultDescription: defaultValue.map(String.init).joined(separator: ","),
      range: "[\(range.lowerBound),\(range.upperBound)] each"
    ) { (text) throws(UsageError) -> [Int] in try IntegerList.parse(text, name: name, in: range) }
  }
}

extension Option where Value == [Int]? {
  /// A comma-separated list of at least one integer in `range` each, nil when absent.
  public static func integerList(
    _ name: String, value: String, in range: ClosedRange<Int>, help: String, section: OptionSection = .general
  ) -> Option {
    Option(
      name, value: value, help: help, section: section, default: nil,
      range: "[\(range.lowerBound),\(range.upperBound)] each"
    ) { (text) throws(UsageError) -> [Int]? in try IntegerList.parse(text, name: name, in: range) }
  }
}

enum IntegerList {
  static func parse(_ text: String, name: String, in range: ClosedRange<Int>) throws(UsageError) -> [Int] {
    var list: [Int] = []
    for part in text.split(separator: ",") {
      guard let v = Int(part.trimmingSpacesAndTabs()), range.contains(v) else {
        throw UsageError(
          "\(name): expected integers between \(range.lowerBound) and \(range.upperBound), got '\(part)'")
      }
      list.append(v)
    }
    guard !list.isEmpty else { throw UsageError("\(name): give at least one number") }
    return list
  }
}

extension Substring {
  func trimmingSpacesAndTabs() -> Substring {
    var s = self
    while let c = s.first, c == " " || c == "\t" { s.removeFirst() }
    while let c = s.last, c == " " || c == "\t" { s.removeLast() }
    return s
  }
}

extension Option where Value == Int {
  /// An integer in `range`, `defaultValue` when absent.
  public static func integer(
    _ name: String, value: String, in range: ClosedRange<Int>, default defaultValue: Int, help: String,
    section: OptionSection = .general
  ) -> Option {
    precondition(range.contains(defaultValue), "the default of \(name) lies outside its range")
    return Option(
      name, value: value, help: help, section: section, default: defaultValue,
      defaultDescription: String(defaultValue), range: IntegerText.notation(range)
    ) { (text) throws(UsageError) -> Int in try IntegerText.parse(text, name: name, in: range) }
  }
}

extension Option where Value == Int? {
  /// An integer in `range`, nil when absent (the tool derives the default it describes).
  public static func integer(
    _ name: String, value: String, in range: ClosedRange<Int>, help: String, defaultDescription: String? = nil,
    section: OptionSection = .general, required: String? = nil
  ) -> Option {
    Option(
      name, value: value, help: help, section: section, default: nil, defaultDescription: defaultDescription,
      range: IntegerText.notation(range), required: required
    ) { (text) throws(UsageError) -> Int? in try IntegerText.parse(text, name: name, in: range) }
  }
}

/// Integer parsing and range messages shared by the integer options.
enum IntegerText {
  static func parse(_ text: String, name: String, in range: ClosedRange<Int>) throws(UsageError) -> Int {
    guard let v = Int(text) else { throw UsageError("invalid value '\(text)' for \(name); expected an integer") }
    guard range.contains(v) else {
      let upper = range.upperBound == Int.max ? "" : " and \(range.upperBound)"
      throw UsageError(
        "invalid value \(v) for \(name); expected "
          + (upper.isEmpty ? "at least \(range.lowerBound)" : "between \(range.lowerBound)\(upper)"))
    }
    return v
  }

  /// "[1,100000]" or ">=1" (no spaces, so help never breaks one across lines).
  static func notation(_ range: ClosedRange<Int>) -> String {
    range.upperBound == Int.max ? ">=\(range.lowerBound)" : "[\(range.lowerBound),\(range.upperBound)]"
  }
}

// MARK: Finite numbers

extension Option where Value == Double {
  /// A finite number in `range`, `defaultValue` when absent. `expected` overrides what a
  /// refused value's message says was expected.
  public static func number(
    _ name: String, value: String, in range: NumberRange = .finite, default defaultValue: Double, help: String,
    expected: String? = nil, section: OptionSection = .general
  ) -> Option {
    precondition(range.contains(defaultValue), "the default of \(name) lies outside its range")
    let expectation = expected ?? range.expectation
    return Option(
      name, value: value, help: help, section: section, default: defaultValue,
      defaultDescription: NumberRange.format(defaultValue), range: range.notation
    ) { (text) throws(UsageError) -> Double in
      try NumberText.parse(text, name: name, in: range, expected: expectation)
    }
  }
}

extension Option where Value == Double? {
  /// A finite number in `range`, nil when absent (the tool derives the default it describes).
  public static func number(
    _ name: String, value: String, in range: NumberRange = .finite, help: String, expected: String? = nil,
    defaultDescription: String? = nil, section: OptionSection = .general
  ) -> Option {
    let expectation = expected ?? range.expectation
    return Option(
      name, value: value, help: help, section: section, default: nil, defaultDescription: defaultDescription,
      range: range.notation
    ) { (text) throws(UsageError) -> Double? in
      try NumberText.parse(text, name: name, in: range, expected: expectation)
    }
  }
}

enum NumberText {
  static func parse(_ text: String, name: String, in range: NumberRange, expected: String) throws(UsageError)
    -> Double
  {
    guard let v = Double(text), v.isFinite, range.contains(v) else {
      throw UsageError("invalid value '\(text)' for \(name); expected \(expected)")
    }
    return v
  }
}

// MARK: Seeds

extension Option where Value == UInt64 {
  /// A seed from 0 to 2⁶⁴ − 1, `defaultValue` when absent.
  public static func seed(
    _ name: String, value: String = "S", default defaultValue: UInt64, help: String,
    section: OptionSection = .general
  ) -> Option {
    Option(
      name, value: value, help: help, section: section, default: defaultValue,
      defaultDescription: String(defaultValue)
    ) { (text) throws(UsageError) -> UInt64 in
      guard let v = UInt64(text) else {
        throw UsageError("invalid value '\(text)' for \(name); expected an integer from 0 to \(UInt64.max)")
      }
      return v
    }
  }
}

// MARK: Text

extension Option where Value == String? {
  /// Free text (a path, a name), nil when absent. `required` makes it required, with that
  /// message when it is missing.
  public static func text(
    _ name: String, value: String, help: String, defaultDescription: String? = nil,
    section: OptionSection = .general, required: String? = nil
  ) -> Option {
    Option(
      name, value: value, help: help, section: section, default: nil, defaultDescription: defaultDescription,
      required: required
    ) { (text) throws(UsageError) -> String? in text }
  }
}

extension Option where Value == String {
  /// Free text with a default.
  public static func text(
    _ name: String, value: String, default defaultValue: String, help: String, section: OptionSection = .general
  ) -> Option {
    Option(name, value: value, help: help, section: section, default: defaultValue, defaultDescription: defaultValue) {
      (text) throws(UsageError) -> String in text
    }
  }

  /// One of `values`, `defaultValue` when absent.
  public static func choice(
    _ name: String, value: String, among values: [String], default defaultValue: String, help: String,
    section: OptionSection = .general
  ) -> Option {
    precondition(values.contains(defaultValue), "the default of \(name) is not among its values")
    return Option(
      name, value: value, help: help, section: section, default: defaultValue, defaultDescription: defaultValue,
      allowed: values
    ) { (text) throws(UsageError) -> String in try ChoiceText.parse(text, name: name, among: values) }
  }
}

extension Option where Value == String? {
  /// One of `values`, nil when absent (the tool derives the default it describes).
  public static func choice(
    _ name: String, value: String, among values: [String], defaultDescription: String?, help: String,
    section: OptionSection = .general
  ) -> Option {
    Option(
      name, value: value, help: help, section: section, default: nil, defaultDescription: defaultDescription,
      allowed: values
    ) { (text) throws(UsageError) -> String? in try ChoiceText.parse(text, name: name, among: values) }
  }
}

extension Option where Value: CaseIterable & RawRepresentable, Value.RawValue == String {
  /// One case of an enumeration, by raw value; `defaultValue` when absent. `defaultDescription`
  /// replaces the default's raw value in help when the tool's default depends on other options.
  public static func choice(
    _ name: String, value: String, default defaultValue: Value, defaultDescription: String? = nil, help: String,
    section: OptionSection = .general
  ) -> Option {
    let values = Value.allCases.map(\.rawValue)
    return Option(
      name, value: value, help: help, section: section, default: defaultValue,
      defaultDescription: defaultDescription ?? defaultValue.rawValue, allowed: values
    ) { (text) throws(UsageError) -> Value in
      try ChoiceText.value(text, name: name, among: values, Value.init(rawValue:))
    }
  }
}

enum ChoiceText {
  static func parse(_ text: String, name: String, among values: [String]) throws(UsageError) -> String {
    guard values.contains(text) else {
      throw UsageError("invalid value '\(text)' for \(name); expected one of: " + values.joined(separator: ", "))
    }
    return text
  }

  static func value<V>(_ text: String, name: String, among values: [String], _ make: (String) -> V?)
    throws(UsageError) -> V
  {
    guard let v = make(try parse(text, name: name, among: values)) else {
      throw UsageError("invalid value '\(text)' for \(name); expected one of: " + values.joined(separator: ", "))
    }
    return v
  }
}

extension Option {
  /// One case of an enumeration, nil when absent (the tool derives the default it describes).
  public static func choice<E: CaseIterable & RawRepresentable & Sendable>(
    _ name: String, value: String, of type: E.Type, defaultDescription: String?, help: String,
    section: OptionSection = .general
  ) -> Option where Value == E?, E.RawValue == String {
    let values = E.allCases.map(\.rawValue)
    return Option(
      name, value: value, help: help, section: section, default: nil, defaultDescription: defaultDescription,
      allowed: values
    ) { (text) throws(UsageError) -> E? in try ChoiceText.value(text, name: name, among: values, E.init(rawValue:)) }
  }
}

extension Option {
  /// An optional value that `parse` reads from the option's text, refused with one message in
  /// every tool: "NAME takes EXPECTED; got 'TEXT'" (`--shard I/N` in jvi-eval, jvi-ais and
  /// jvi-sweep, each with its own help).
  public static func parsed<Wrapped: Sendable>(
    _ name: String, value: String, help: String, expected: String, section: OptionSection = .general,
    _ parse: @escaping @Sendable (String) -> Wrapped?
  ) -> Option<Wrapped?> {
    Option<Wrapped?>(name, value: value, help: help, section: section, default: nil) {
      (text) throws(UsageError) -> Wrapped? in
      guard let v = parse(text) else { throw UsageError("\(name) takes \(expected); got '\(text)'") }
      return v
    }
  }
}
