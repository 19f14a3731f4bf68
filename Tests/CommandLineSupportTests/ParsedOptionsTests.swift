import CommandLineSupport
import Testing

/// Strict parsing: every malformed command line is a `UsageError` with a precise message.
struct ParsedOptionsTests {
  static let n = Option<Int>.integer("--n", value: "N", in: 0...9, default: 1, help: "A number.")
  static let flag = Flag("--flag", help: "A flag.")
  static let mode = Option<String?>.choice(
    "--mode", value: "MODE", among: ["a", "b"], defaultDescription: nil, help: "A mode.")
  static let x = Option<Double?>.number("--x", value: "X", help: "A real number.")
  static let big = Option<Int?>.integer("--big", value: "B", in: 20...Int.max, help: "At least 20.")
  static let seed = Option<UInt64>.seed("--seed", default: 0, help: "A seed.")
  static let rate = Option<Double>.number("--rate", value: "R", in: .openClosed(0, 100), default: 0.5, help: "A rate.")
  static let spec = CommandSpec(
    name: "tool", overview: "Does things.",
    options: [n, flag, mode, x, big, seed, rate.inSection(OptionSection("Tuning"))],
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
    #expect(o[Self.n] == 3)
    #expect(o[Self.flag] && o[Self.mode] == "b")
    #expect(o[Self.x] == -2.5)
    #expect(o[Self.big] == nil && !o.has(Self.big))
    #expect(o.text(Self.n) == "3")
    #expect(try Self.parse([])?.texts.isEmpty == true)
  }

  @Test func absentOptionsHaveTheirDeclaredDefaults() throws {
    let o = try #require(try Self.parse([]))
    #expect(o[Self.n] == 1 && o[Self.seed] == 0 && o[Self.rate] == 0.5 && !o[Self.flag] && o[Self.mode] == nil)
  }

  @Test func helpWinsAnywhere() throws {
    #expect(try Self.parse(["--help"]) == nil)
    #expect(try Self.parse(["--n", "3", "-h"]) == nil)
    #expect(try Self.parse(["--n", "x7", "-h"]) == nil)
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

  @Test func valuesAreCheckedWhenParsed() {
    Self.expectUsageError(["--n", "x7"], "invalid value 'x7' for --n; expected an integer")
    Self.expectUsageError(["--x", "nan"], "invalid value 'nan' for --x; expected a number")
    Self.expectUsageError(["--n", "12"], "invalid value 12 for --n; expected between 0 and 9")
    Self.expectUsageError(["--big", "12"], "invalid value 12 for --big; expected at least 20")
    Self.expectUsageError(["--seed", "-1"], "invalid value '-1' for --seed; expected an integer from 0 to")
    Self.expectUsageError(["--rate", "0"], "invalid value '0' for --rate; expected a number in (0, 100]")
  }

  @Test func requiredOptionsAreUsageErrorsWithTheirMessage() throws {
    let file = Option<String?>.text("--file", value: "F", help: "A file.", required: "give the file with --file F")
    let spec = CommandSpec(name: "t", overview: "", options: [file, Self.flag], examples: [])
    #expect(throws: UsageError("give the file with --file F")) { try ParsedOptions.parse(["--flag"], spec: spec) }
    #expect(try ParsedOptions.parse(["--file", "a"], spec: spec)?[file] == "a")
    #expect(try ParsedOptions.parse(["--help"], spec: spec) == nil)
    #expect(spec.usage == "t --file F [--flag]")
  }

  @Test func sharedThreadsOptionHasOneRangeAndADefault() throws {
    let spec = CommandSpec(name: "t", overview: "", options: [CommonOptions.threads], examples: [])
    #expect(try ParsedOptions.parse([], spec: spec)?.threads(default: 7) == 7)
    #expect(try ParsedOptions.parse(["--threads", "3"], spec: spec)?.threads(default: 7) == 3)
    #expect(throws: UsageError("invalid value 0 for --threads; expected between 1 and 1024")) {
      try ParsedOptions.parse(["--threads", "0"], spec: spec)
    }
  }

  @Test func helpHasTheFixedSectionsDefaultsRangesAndValues() {
    let help = Self.spec.helpText
    for section in ["OVERVIEW: Does things.", "USAGE: tool [--n N]", "OPTIONS:", "TUNING OPTIONS:", "EXAMPLES:"] {
      #expect(help.contains(section))
    }
    #expect(help.contains("--n N") && help.contains("(default: 1; range: [0,9])"))
    #expect(help.contains("(values: a, b)"))
    #expect(help.contains("(default: 0.5; range: (0,100])"))
    #expect(help.contains("range: >=20"))
    #expect(help.contains("-h, --help"))
    #expect(help.contains("$ tool --n 3"))
    #expect(help.split(separator: "\n").allSatisfy { $0.count <= 80 })
  }

  @Test func theUsageLineNamesEveryOption() {
    for o in Self.spec.options { #expect(Self.spec.usage.contains("[" + o.name)) }
  }
}
