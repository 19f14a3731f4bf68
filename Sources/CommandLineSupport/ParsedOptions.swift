/// A parsed command line: `--name value`, `--name=value` and flags, strictly checked against a
/// `CommandSpec`. Unknown, repeated or value-less options, stray arguments, values outside an
/// option's declared type or range and missing required options are `UsageError`s, all found
/// before the tool does any work.
///
/// Values are read through the typed declarations: `options[Options.k]` is an `Int` (or the
/// declared default), so a misspelt or undeclared option does not compile, and reading an
/// option that is not in the tool's spec stops with a message naming it.
public struct ParsedOptions: Sendable {
  /// The given options' texts, by name.
  public private(set) var texts: [String: String] = [:]
  /// The given flags.
  public private(set) var flags: Set<String> = []
  private var values: [String: any Sendable] = [:]
  private var declared: Set<String> = []

  /// Parses `arguments` (without the program name). Returns nil when help was asked for:
  /// `-h` or `--help` anywhere wins over everything after the argument structure is read.
  public static func parse(_ arguments: [String], spec: CommandSpec) throws(UsageError) -> ParsedOptions? {
    var result = ParsedOptions()
    result.declared = Set(spec.options.map(\.name))
    var order: [(any OptionDeclaration, String)] = []
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
      guard let valueName = option.valueName else {
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
          throw UsageError("option '\(name)' needs a value (\(valueName))")
        }
        value = arguments[i]
        i += 1
      }
      if value.isEmpty { throw UsageError("option '\(name)' needs a non-empty value") }
      if result.texts[name] != nil { throw UsageError("option '\(name)' is given twice") }
      result.texts[name] = value
      order.append((option, value))
    }
    for (option, text) in order {
      result.values[option.name] = try option.parseValue(text)
    }
    for option in spec.options where option.requirement != nil && !result.has(option) {
      throw UsageError(option.requirement ?? "")
    }
    return result
  }

  /// The option's value: as given (converted and range-checked), or its declared default.
  public subscript<Value>(_ option: Option<Value>) -> Value {
    checkDeclared(option)
    guard let stored = values[option.name] else { return option.defaultValue }
    guard let value = stored as? Value else {
      preconditionFailure("\(option.name) was parsed as \(type(of: stored)), read as \(Value.self)")
    }
    return value
  }

  /// Whether the flag was given.
  public subscript(_ flag: Flag) -> Bool {
    checkDeclared(flag)
    return flags.contains(flag.name)
  }

  /// Whether the option was given on the command line.
  public func has(_ option: some OptionDeclaration) -> Bool {
    checkDeclared(option)
    return flags.contains(option.name) || texts[option.name] != nil
  }

  /// The option's text as given, for messages.
  public func text(_ option: some OptionDeclaration) -> String? {
    checkDeclared(option)
    return texts[option.name]
  }

  /// The names of the given options and flags, in no particular order.
  public var givenNames: Set<String> { flags.union(texts.keys) }

  /// Throws a usage error when `option` was given with any other option: "--merge joins parts;
  /// it does not take --seed, --shard".
  public func requireAlone(_ option: some OptionDeclaration, doing what: String) throws(UsageError) {
    let others = givenNames.subtracting([option.name]).sorted()
    if has(option) && !others.isEmpty {
      throw UsageError("\(option.name) \(what); it does not take \(others.joined(separator: ", "))")
    }
  }

  /// `--threads` (`CommonOptions.threads`), or `processors` when absent.
  public func threads(default processors: Int) -> Int { self[CommonOptions.threads] ?? processors }

  private func checkDeclared(_ option: some OptionDeclaration) {
    precondition(declared.contains(option.name), "\(option.name) is read but not declared in the tool's spec")
  }
}
