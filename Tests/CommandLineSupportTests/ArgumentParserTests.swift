import CommandLineSupport
import Testing

/// Strict parsing: every malformed command line is a `UsageError` with a precise message.
struct ArgumentParserTests {
  static let spec = CommandSpec(
    name: "tool", overview: "Does things.", usage: ["tool [--n N] [--flag] [--mode MODE]"],
    options: [
      OptionSpec("--n", value: "N", help: "A number.", default: "1"),
      OptionSpec("--flag", help: "A flag."),
      OptionSpec("--mode", value: "MODE", help: "A mode.", allowed: ["a", "b"]),
      OptionSpec("--x", value: "X", help: "A real number."),
    ],
    examples: [("tool --n 3", "Three:")])

  static func parse(_ args: [String]) throws(UsageError) -> ParsedOptions? {
    try ParsedOptions.parse(args, spec: spec)
  }

  static func expectUsageError(_ args: [String], _ fragment: String) {
    do {
      _ = try parse(args)
      Issue.record("\(args) parsed but should have failed")
    } catch {
      #expect(error.message.contains(fragment), "'\(error.message)' lacks '\(fragment)'")
    }
  }

  @Test func parsesValuesFlagsAndEqualsForm() throws {
    let o = try #require(try Self.parse(["--n", "3", "--flag", "--mode=b", "--x", "-2.5"]))
    #expect(try o.int("--n", in: 0...10) == 3)
    #expect(o.has("--flag") && o.string("--mode") == "b")
    #expect(try o.double("--x") == -2.5)
    #expect(try o.int("--missing", in: 0...1) == nil)
    #expect(try Self.parse([])?.values.isEmpty == true)
  }

  @Test func helpWinsAnywhere() throws {
    #expect(try Self.parse(["--help"]) == nil)
    #expect(try Self.parse(["--n", "3", "-h"]) == nil)
  }

  @Test func rejectsEveryMalformedCommandLine() {
    Self.expectUsageError(["--nope"], "unknown option '--nope'")
    Self.expectUsageError(["stray"], "unexpected argument 'stray'")
    Self.expectUsageError(["--n"], "'--n' needs a value (N)")
    Self.expectUsageError(["--n", "--flag"], "'--n' needs a value")
    Self.expectUsageError(["--n", "1", "--n", "2"], "'--n' is given twice")
    Self.expectUsageError(["--flag", "--flag"], "'--flag' is given twice")
    Self.expectUsageError(["--flag=yes"], "'--flag' takes no value")
    Self.expectUsageError(["--mode", "c"], "invalid value 'c' for --mode; expected one of: a, b")
    Self.expectUsageError(["--n="], "needs a non-empty value")
  }

  @Test func typedAccessorsValidate() throws {
    let o = try #require(try Self.parse(["--n", "x7", "--x", "nan"]))
    #expect(throws: UsageError("invalid value 'x7' for --n; expected an integer")) { try o.int("--n", in: 0...9) }
    #expect(throws: UsageError.self) { try o.double("--x") }
    let p = try #require(try Self.parse(["--n", "12"]))
    #expect(throws: UsageError("invalid value 12 for --n; expected between 0 and 9")) { try p.int("--n", in: 0...9) }
    #expect(throws: UsageError("invalid value 12 for --n; expected at least 20")) { try p.int("--n", in: 20...Int.max) }
    let s = try #require(try Self.parse(["--n", "-1"]))
    #expect(throws: UsageError.self) { try s.uint64("--n") }
  }

  @Test func sharedThreadsOptionHasOneRangeAndADefault() throws {
    let spec = CommandSpec(name: "t", overview: "", usage: [], options: [.threads], examples: [])
    #expect(try ParsedOptions.parse([], spec: spec)?.threads(default: 7) == 7)
    #expect(try ParsedOptions.parse(["--threads", "3"], spec: spec)?.threads(default: 7) == 3)
    let zero = try #require(try ParsedOptions.parse(["--threads", "0"], spec: spec))
    #expect(throws: UsageError("invalid value 0 for --threads; expected between 1 and 1024")) {
      try zero.threads(default: 7)
    }
  }

  @Test func helpHasTheFixedSectionsDefaultsAndValues() {
    let help = Self.spec.helpText
    for section in ["OVERVIEW: Does things.", "USAGE: tool [--n N]", "OPTIONS:", "EXAMPLES:"] {
      #expect(help.contains(section))
    }
    #expect(help.contains("--n N") && help.contains("(default: 1)"))
    #expect(help.contains("(values: a, b)"))
    #expect(help.contains("-h, --help"))
    #expect(help.contains("$ tool --n 3"))
    #expect(help.split(separator: "\n").allSatisfy { $0.count <= 80 })
  }
}
