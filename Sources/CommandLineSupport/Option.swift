/// A titled group of options in `--help` ("VAE OPTIONS:"). Options without one are listed
/// under "OPTIONS:".
public struct OptionSection: Sendable, Hashable {
  /// The heading without " OPTIONS:", e.g. "VAE"; empty for the general section.
  public let title: String
  public init(_ title: String) { self.title = title }
  public static let general = OptionSection("")
}

/// What parsing and `--help` need to know of one declared option, whatever its value type.
///
/// Conformers are `Option<Value>` (an option with a value) and `Flag`. A tool declares each of
/// its options once, as a typed constant, and lists them in its `CommandSpec`; parsing, help
/// and the tool's code all read that one declaration.
public protocol OptionDeclaration: Sendable {
  /// The long name including dashes, e.g. "--order".
  var name: String { get }
  /// The placeholder of its value, e.g. "M"; nil for a flag.
  var valueName: String? { get }
  /// One or two sentences.
  var help: String { get }
  /// The help section it is listed in.
  var section: OptionSection { get }
  /// The parenthesised notes of its help line: allowed values, default, range.
  var notes: [String] { get }
  /// The error message when it is absent, for a required option; nil when it is optional.
  var requirement: String? { get }
  /// The value of `text`, checked against the declared type and range.
  func parseValue(_ text: String) throws(UsageError) -> any Sendable
}

/// An option with a value: `--name VALUE` or `--name=VALUE`.
///
/// `Value` is what the tool reads with `options[option]`: the given value, converted and range
/// checked when the command line is parsed, or `defaultValue` when the option is absent. An
/// option without a fixed default has an optional `Value` (default nil); its help may still
/// describe the default the tool derives (`defaultDescription`, e.g. "5; 1 for the ELBOs").
public struct Option<Value: Sendable>: OptionDeclaration {
  public let name: String
  /// The placeholder of the value, e.g. "K".
  public let placeholder: String
  public let help: String
  public let section: OptionSection
  /// The value when the option is absent.
  public let defaultValue: Value
  /// How help shows the default; nil when there is none to show.
  public let defaultDescription: String?
  /// How help shows the accepted range, e.g. "[1,100000]" or ">0"; nil when unrestricted.
  public let rangeDescription: String?
  /// The accepted values, when restricted to a list.
  public let allowedValues: [String]?
  public let requirement: String?
  let convert: @Sendable (String) throws(UsageError) -> Value

  /// An option whose text `convert` turns into a value (throwing a `UsageError` that names
  /// the option for a text it refuses).
  public init(
    _ name: String, value placeholder: String, help: String, section: OptionSection = .general,
    default defaultValue: Value, defaultDescription: String? = nil, range rangeDescription: String? = nil,
    allowed allowedValues: [String]? = nil, required requirement: String? = nil,
    convert: @escaping @Sendable (String) throws(UsageError) -> Value
  ) {
    precondition(name.hasPrefix("--"), "option names start with --: '\(name)'")
    precondition(!placeholder.isEmpty, "option \(name) needs a value placeholder")
    self.name = name
    self.placeholder = placeholder
    self.help = help
    self.section = section
    self.defaultValue = defaultValue
    self.defaultDescription = defaultDescription
    self.rangeDescription = rangeDescription
    self.allowedValues = allowedValues
    self.requirement = requirement
    self.convert = convert
  }

  public var valueName: String? { placeholder }

  public var notes: [String] {
    var notes: [String] = []
    if let allowedValues { notes.append("values: " + allowedValues.joined(separator: ", ")) }
    if let defaultDescription { notes.append("default: " + defaultDescription) }
    if let rangeDescription { notes.append("range: " + rangeDescription) }
    return notes
  }

  public func parseValue(_ text: String) throws(UsageError) -> any Sendable { try convert(text) }

  /// This option in another help section (the shared options keep one declaration).
  public func inSection(_ section: OptionSection) -> Option {
    Option(
      name, value: placeholder, help: help, section: section, default: defaultValue,
      defaultDescription: defaultDescription, range: rangeDescription, allowed: allowedValues,
      required: requirement, convert: convert)
  }
}

/// An option without a value: present or absent.
public struct Flag: OptionDeclaration {
  public let name: String
  public let help: String
  public let section: OptionSection

  public init(_ name: String, help: String, section: OptionSection = .general) {
    precondition(name.hasPrefix("--"), "option names start with --: '\(name)'")
    self.name = name
    self.help = help
    self.section = section
  }

  public var valueName: String? { nil }
  public var notes: [String] { [] }
  public var requirement: String? { nil }
  public func parseValue(_ text: String) throws(UsageError) -> any Sendable {
    throw UsageError("option '\(name)' takes no value")
  }
}

/// Options every tool shares, declared once.
public enum CommonOptions {
  /// `--threads T`, 1 to 1024; read it with `ParsedOptions.threads(default:)`.
  public static let threads = Option<Int?>.integer(
    "--threads", value: "T", in: 1...1024, help: "Worker threads; results are identical for any T.",
    defaultDescription: "all processors")
}
