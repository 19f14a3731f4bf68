/// A tool's interface: what `--help` prints and what the parser accepts.
///
/// The usage line is generated from the options (required ones bare, the rest in brackets, in
/// the order declared), so it names every option the tool takes.
public struct CommandSpec: Sendable {
  public var name: String
  public var overview: String
  public var options: [any OptionDeclaration]
  public var examples: [(command: String, explanation: String)]
  /// What `--version` prints (nil: the tool has no `--version`).
  public var version: String?
  /// Checked after parsing, before the tool's own validation: a message here (for example an
  /// environment variable the tool cannot honour) fails the run with exit 1.
  public var preflight: (@Sendable () -> String?)?

  public init(
    name: String, overview: String, options: [any OptionDeclaration],
    examples: [(command: String, explanation: String)], version: String? = nil,
    preflight: (@Sendable () -> String?)? = nil
  ) {
    var seen = Set<String>()
    for o in options {
      precondition(seen.insert(o.name).inserted, "\(name) declares \(o.name) twice")
      precondition(o.name != "--help" && o.name != "--version", "\(name): \(o.name) is built in")
    }
    self.name = name
    self.overview = overview
    self.options = options
    self.examples = examples
    self.version = version
    self.preflight = preflight
  }

  /// The option named `name`, if any.
  public func option(_ name: String) -> (any OptionDeclaration)? { options.first { $0.name == name } }

  /// The help sections in the order their first option is declared, the general one first.
  public var sections: [OptionSection] {
    var order: [OptionSection] = [.general]
    for o in options where !order.contains(o.section) { order.append(o.section) }
    return order
  }

  /// "tool --output FILE [--model NAME] [--per-instance] …": every option, required ones bare.
  public var usage: String {
    var parts = [name]
    for section in sections {
      for o in options where o.section == section {
        let text = o.name + (o.valueName.map { " " + $0 } ?? "")
        parts.append(o.requirement == nil ? "[" + text + "]" : text)
      }
    }
    return parts.joined(separator: " ")
  }

  /// The usage line of error messages, wrapped at 80 columns.
  public var usageLine: String { "Usage: " + CommandSpec.wrapUsage(usage) }
}
