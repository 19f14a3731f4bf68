import CommandLineSupport
import Foundation
import JVICore

/// `jvi-bench`: speed of the estimators and the training engine against the peer figures in
/// ../shared/peers.md (same machine type).
@main
struct BenchCommand {
  static let suites = ["estimators", "gemm", "training", "ais", "all"]

  static let spec = CommandSpec(
    name: "jvi-bench",
    overview:
      "Measure speed (release builds only): median and spread over repeated runs after a warm-up, and the ratio "
      + "to the peers' figures measured on this machine type (../shared/peers.md). Writes "
      + "results/bench/<suite>.csv stamped with the git revision.",
    usage: ["jvi-bench [--suite NAME] [--filter TEXT] [--runs N] [--output-dir DIR]"],
    options: [
      OptionSpec("--suite", value: "NAME", help: "Which benchmarks to run.", default: "all", allowed: suites),
      OptionSpec("--filter", value: "TEXT", help: "Run only the benchmarks whose name contains TEXT."),
      OptionSpec("--runs", value: "N", help: "Timed runs per benchmark, after a warm-up.", default: "11"),
      OptionSpec(
        "--training-runs", value: "N", help: "Timed epochs (and evaluations) per training benchmark.", default: "1"),
      OptionSpec("--output-dir", value: "DIR", help: "Where the CSV files go.", default: "results/bench"),
    ],
    examples: [
      ("jvi-bench", "Every suite (make bench builds in release and runs this):"),
      ("jvi-bench --suite gemm --filter 5000", "Only the large matrix multiplies:"),
    ])

  static func main() {
    ToolRunner.run(spec, arguments: Array(CommandLine.arguments.dropFirst())) { options in
      #if DEBUG
        throw ToolFailure("jvi-bench measures release builds only; run `make bench` (swift build -c release)")
      #else
        let runs = try options.int("--runs", in: 1...1000) ?? 11
        let suite = options.string("--suite") ?? "all"
        let trainingRuns = try options.int("--training-runs", in: 1...100) ?? 1
        try run(
          suite: suite, filter: options.string("--filter"), runs: runs, trainingRuns: trainingRuns,
          directory: options.string("--output-dir") ?? "results/bench")
      #endif
    }
  }

  static func run(suite: String, filter: String?, runs: Int, trainingRuns: Int, directory: String) throws {
    var cases: [BenchCase] = []
    if suite == "estimators" || suite == "all" { cases += try EstimatorBenchmarks.all() }
    if suite == "gemm" || suite == "all" { cases += GEMMBenchmarks.all() }
    if suite == "training" || suite == "all" { cases += try TrainingBenchmarks.all(runs: trainingRuns) }
    if suite == "ais" || suite == "all" { cases += try AnnealingBenchmarks.all(runs: trainingRuns) }
    cases = cases.filter { c in filter.map { c.name.contains($0) } ?? true }
    if cases.isEmpty { throw UsageError("no benchmark name contains '\(filter ?? "")'") }
    let stamp = BenchStamp.current()
    Output.standardError("jvi-bench: \(cases.count) benchmarks, \(runs) timed runs each, revision \(stamp.revision)\n")
    Output.standardOutput(BenchResult.tableHeader + "\n")
    var bySuite: [String: [BenchResult]] = [:]
    var order: [String] = []
    for c in cases {
      let r = try c.measure(runs: runs)
      if bySuite[c.suite] == nil { order.append(c.suite) }
      bySuite[c.suite, default: []].append(r)
      Output.standardOutput(r.tableRow + "\n")
    }
    try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    for s in order {
      guard let rows = bySuite[s], let first = rows.first else { continue }
      let header = BenchResult.csvHeader(parameterKeys: first.benchmark.parameters.map(\.key))
      let csv = ([header] + rows.map { $0.csvRow(stamp) }).joined(separator: "\n") + "\n"
      let path = directory + "/" + s + ".csv"
      try FileIO.writeAtomically(csv, to: path)
      Output.standardError("jvi-bench: wrote \(path)\n")
    }
  }
}
