import CommandLineSupport
import Foundation
import JVICore
import JVIExperiments

/// `jvi-bench`: speed of the estimators against the peer figures in ../shared/peers.md.
@main
struct BenchCommand {
  static let spec = CommandSpec(
    name: "jvi-bench",
    overview:
      "Measure the estimators' speed on one thread (release builds only) and write CSV with the median, "
      + "spread and ratio to the peers' figures measured on this machine type (../shared/peers.md).",
    usage: ["jvi-bench [--filter TEXT] [--runs N] [--output FILE]"],
    options: [
      OptionSpec("--filter", value: "TEXT", help: "Run only the benchmarks whose name contains TEXT."),
      OptionSpec("--runs", value: "N", help: "Timed runs per benchmark, after one warm-up run.", default: "11"),
      OptionSpec("--output", value: "FILE", help: "Where to write the CSV.", default: "results/bench/estimators.csv"),
    ],
    examples: [
      ("jvi-bench", "Every benchmark (make bench builds in release and runs this):"),
      ("jvi-bench --filter jvi2 --runs 21", "Only second-order JVI, more runs:"),
    ])

  static func main() {
    ToolRunner.run(spec, arguments: Array(CommandLine.arguments.dropFirst())) { options in
      #if DEBUG
        throw ToolFailure("jvi-bench measures release builds only; run `make bench` (swift build -c release)")
      #else
        let runs = try options.int("--runs", in: 1...1000) ?? 11
        let filter = options.string("--filter")
        let output = options.string("--output") ?? "results/bench/estimators.csv"
        try run(filter: filter, runs: runs, output: output)
      #endif
    }
  }

  static func run(filter: String?, runs: Int, output: String) throws {
    let cases = try EstimatorBenchmarks.all().filter { filter.map($0.name.contains) ?? true }
    if cases.isEmpty { throw UsageError("no benchmark name contains '\(filter ?? "")'") }
    let stamp = BenchStamp.current()
    var rows: [BenchResult] = []
    Output.standardError(
      "jvi-bench: \(cases.count) benchmarks, \(runs) timed runs each, 1 thread, revision \(stamp.revision)\n")
    Output.standardOutput(BenchResult.tableHeader + "\n")
    for c in cases {
      let r = try c.measure(runs: runs)
      rows.append(r)
      Output.standardOutput(r.tableRow + "\n")
    }
    try? FileManager.default.createDirectory(
      atPath: (output as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    let csv = ([BenchResult.csvHeader] + rows.map { $0.csvRow(stamp) }).joined(separator: "\n") + "\n"
    try FileIO.writeAtomically(csv, to: output)
    Output.standardError("jvi-bench: wrote \(output)\n")
  }
}
