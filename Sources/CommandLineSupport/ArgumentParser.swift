/// A usage error: bad options. Tools print it with the usage line and exit 64.
public struct UsageError: Error, Sendable, Equatable, CustomStringConvertible {
  public var message: String
  public init(_ message: String) { self.message = message }
  public var description: String { message }
}

/// Parsed options: `--name value`, `--name=value` and flags, strictly checked against a
/// `CommandSpec` (unknown, repeated, or value-less options and stray arguments are errors).
public struct ParsedOptions: Sendable, Equatable {
  public private(set) var values: [String: String] = [:]
  public private(set) var flags: Set<String> = []

  public init() {}

  /// Parses `arguments` (without the program name). Returns nil when help was asked for.
  public static func parse(_ arguments: [String], spec: CommandSpec) throws(UsageError) -> ParsedOptions? {
    var result = ParsedOptions()
    var i = 0
    while i < arguments.count {
      let argument = arguments[i]
      i += 1
      if argument == "-h" || argument == "--help" { return nil }
      guard argument.hasPrefix("--") else {
        throw UsageError("unexpected argument '\(argument)'; every input is given by an option such as --input FILE")
      }
      var name = argument
      var inline: String? = nil
      if let eq = argument.firstIndex(of: "=") {
        name = String(argument[..<eq])
        inline = String(argument[argument.index(after: eq)...])
      }
      guard let option = spec.option(name) else {
        throw UsageError("unknown option '\(name)'")
      }
      if option.isFlag {
        if inline != nil { throw UsageError("option '\(name)' takes no value") }
        if result.flags.contains(name) { throw UsageError("option '\(name)' is given twice") }
        result.flags.insert(name)
        continue
      }
      let value: String
      if let inline {
        value = inline
      } else {
        guard i < arguments.count, !(arguments[i].hasPrefix("--") && arguments[i].count > 2) else {
          throw UsageError("option '\(name)' needs a value (\(option.valueName ?? "VALUE"))")
        }
        value = arguments[i]
        i += 1
      }
      if value.isEmpty { throw UsageError("option '\(name)' needs a non-empty value") }
      if result.values[name] != nil { throw UsageError("option '\(name)' is given twice") }
      if let allowed = option.allowedValues, !allowed.contains(value) {
        throw UsageError("invalid value '\(value)' for \(name); expected one of: " + allowed.joined(separator: ", "))
      }
      result.values[name] = value
    }
    return result
  }

  public func has(_ name: String) -> Bool { flags.contains(name) || values[name] != nil }

  public func string(_ name: String) -> String? { values[name] }

  /// An integer option within `range`, or nil when absent.
  public func int(_ name: String, in range: ClosedRange<Int>) throws(UsageError) -> Int? {
    guard let text = values[name] else { return nil }
    guard let v = Int(text) else { throw UsageError("invalid value '\(text)' for \(name); expected an integer") }
    guard range.contains(v) else {
      let upper = range.upperBound == Int.max ? "" : " and \(range.upperBound)"
      throw UsageError(
        "invalid value \(v) for \(name); expected "
          + (upper.isEmpty ? "at least \(range.lowerBound)" : "between \(range.lowerBound)\(upper)"))
    }
    return v
  }

  /// `--threads` (`OptionSpec.threads`): 1 to 1024, or `processors` when absent.
  public func threads(default processors: Int) throws(UsageError) -> Int {
    try int(OptionSpec.threads.name, in: 1...1024) ?? processors
  }

  /// A non-negative 64-bit integer option (seeds), or nil when absent.
  public func uint64(_ name: String) throws(UsageError) -> UInt64? {
    guard let text = values[name] else { return nil }
    guard let v = UInt64(text) else {
      throw UsageError("invalid value '\(text)' for \(name); expected an integer from 0 to \(UInt64.max)")
    }
    return v
  }

  /// A finite floating-point option, or nil when absent.
  public func double(_ name: String, where valid: (Double) -> Bool = { _ in true }, expected: String = "a number")
    throws(UsageError) -> Double?
  {
    guard let text = values[name] else { return nil }
    guard let v = Double(text), v.isFinite, valid(v) else {
      throw UsageError("invalid value '\(text)' for \(name); expected \(expected)")
    }
    return v
  }
}
