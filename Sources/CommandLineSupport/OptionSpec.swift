/// One command-line option. A tool's list of these drives both parsing and `--help`.
public struct OptionSpec: Sendable {
  /// The long name including dashes, e.g. "--order".
  public var name: String
  /// The placeholder of its value, e.g. "M"; nil for a flag.
  public var valueName: String?
  /// One or two sentences.
  public var help: String
  /// The default shown in help, if any.
  public var defaultValue: String?
  /// The accepted values, if restricted; parsing rejects anything else.
  public var allowedValues: [String]?

  public init(
    _ name: String, value valueName: String? = nil, help: String, default defaultValue: String? = nil,
    allowed allowedValues: [String]? = nil
  ) {
    precondition(name.hasPrefix("--"), "option names start with --")
    self.name = name
    self.valueName = valueName
    self.help = help
    self.defaultValue = defaultValue
    self.allowedValues = allowedValues
  }

  public var isFlag: Bool { valueName == nil }

  /// `--threads T`, the same in every tool (read it with `ParsedOptions.threads(default:)`).
  public static let threads = OptionSpec(
    "--threads", value: "T", help: "Worker threads; results are identical for any T.", default: "all processors")
}

/// A tool's interface: what `--help` prints and what the parser accepts.
public struct CommandSpec: Sendable {
  public var name: String
  public var overview: String
  public var usage: [String]
  public var options: [OptionSpec]
  public var examples: [(command: String, explanation: String)]

  public init(
    name: String, overview: String, usage: [String], options: [OptionSpec],
    examples: [(command: String, explanation: String)]
  ) {
    self.name = name
    self.overview = overview
    self.usage = usage
    self.options = options
    self.examples = examples
  }

  /// The option named `name`, if any.
  public func option(_ name: String) -> OptionSpec? { options.first { $0.name == name } }
}
