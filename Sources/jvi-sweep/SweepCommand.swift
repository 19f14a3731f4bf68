import CommandLineSupport
import JVICore
import JVIExperiments
import JVIModels

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// `jvi-sweep`: K-sweeps of bias, variance and MSE of evidence estimators, from an experiment file.
@main
struct SweepCommand {
  static let spec = CommandSpec(
    name: "jvi-sweep",
    overview:
      "Sweep the sample count K for a model and a set of estimators (ELBO-A, ELBO-B, IWAE, JVI of any order, "
      + "delta) and measure each estimator's bias, variance and MSE against the exact log p(x) or a reference "
      + "from separate samples. Writes results/<experiment>/<run>.csv (one row per estimator and K), a bootstrap "
      + "interval file, a manifest and an SVG figure.",
    usage: [
      "jvi-sweep --experiment FILE [--run-id ID | --resume ID] [--shard I/N] [--threads T] [--results DIR]",
      "jvi-sweep --experiment FILE --merge ID [--results DIR]",
    ],
    options: [
      OptionSpec(
        "--experiment", value: "FILE", help: "The experiment file (experiments/README.md describes the format)."),
      OptionSpec(
        "--run-id", value: "ID", help: "Name of this run's files: results/<experiment>/<ID>.csv and so on.",
        default: "the UTC start time, e.g. 20261123-140509"),
      OptionSpec(
        "--resume", value: "ID",
        help: "Continue run ID after an interruption: finished cells are kept, the rest computed (same seed, "
          + "same numbers)."),
      OptionSpec(
        "--shard", value: "I/N",
        help: "Run only cells I, I+N, I+2N, ... (I from 1 to N) into <ID>.shard-I-of-N.csv, for array jobs. Needs "
          + "--run-id or --resume so that all shards share an ID."),
      OptionSpec("--merge", value: "ID", help: "Join the finished shards of run ID into <ID>.csv and draw its figure."),
      .threads,
      OptionSpec("--results", value: "DIR", help: "Where results go.", default: "results"),
      OptionSpec(
        "--bootstrap", value: "B", help: "Bootstrap resamples for the bias intervals.", default: "2000"),
    ],
    examples: [
      ("jvi-sweep --experiment experiments/log-normal.experiment", "Run an experiment:"),
      (
        "jvi-sweep --experiment experiments/log-normal.experiment --resume 20261123-140509",
        "Continue an interrupted run:"
      ),
      (
        "jvi-sweep --experiment experiments/fashion-mnist-vae.experiment --run-id r1 --shard $SLURM_ARRAY_TASK_ID/8",
        "One shard of a Slurm array job (sbatch --array=1-8):"
      ),
      (
        "jvi-sweep --experiment experiments/fashion-mnist-vae.experiment --merge r1",
        "Join the eight shards into r1.csv and draw r1.svg:"
      ),
    ])

  static func main() {
    ToolRunner.run(spec, arguments: Array(CommandLine.arguments.dropFirst())) { options in
      try run(options)
    }
  }

  static func run(_ o: ParsedOptions) throws {
    guard let path = o.string("--experiment") else {
      throw UsageError("give the experiment with --experiment FILE (for example experiments/log-normal.experiment)")
    }
    let text: String
    do {
      text = try FileIO.readText(path)
    } catch {
      throw UsageError("cannot read the experiment file: \(error)")
    }
    let experiment: ExperimentSpecification
    do {
      experiment = try ExperimentSpecification(file: ExperimentFile(path: path, text: text))
    } catch {
      throw UsageError(error.description)
    }
    let plan = SweepPlan(experiment)
    let results = o.string("--results") ?? "results"
    if let runID = o.string("--merge") {
      for other in ["--run-id", "--resume", "--shard"] where o.has(other) {
        throw UsageError("--merge joins finished shards; it does not take \(other)")
      }
      try checkRunID(runID)
      let outcome = try ShardMerge.merge(plan: plan, runID: runID, resultsDirectory: results)
      Output.standardOutput(
        "jvi-sweep: merged \(outcome.shards) shards of \(plan.cells.count) cells into \(outcome.csvPath)\n"
          + "  figure: \(outcome.figurePath)\n  bias intervals: \(outcome.intervalsPath)\n")
      return
    }
    if o.has("--run-id") && o.has("--resume") {
      throw UsageError("--run-id names a new run and --resume an existing one; give one of them")
    }
    var shard: ShardSelection? = nil
    if let text = o.string("--shard") {
      guard let s = ShardSelection(text) else {
        throw UsageError("--shard takes I/N with 1 <= I <= N, for example 2/8; got '\(text)'")
      }
      guard o.has("--run-id") || o.has("--resume") else {
        throw UsageError("--shard needs --run-id ID (or --resume ID) so that every shard writes under the same run")
      }
      shard = s
    }
    let runID = o.string("--resume") ?? o.string("--run-id") ?? RunEnvironment.timestampRunID()
    try checkRunID(runID)
    var options = SweepOptions(runID: runID)
    options.resultsDirectory = results
    options.threads = try o.threads(default: ParallelRows.availableProcessors)
    options.shard = shard
    options.resume = o.has("--resume")
    options.commandLine = CommandLine.arguments
    options.bootstrapResamples = try o.int("--bootstrap", in: 100...1_000_000) ?? 2000
    let progress = ProgressLine()
    let cellsHere = plan.cells(shard: shard).count
    progress.show(
      "\(experiment.name): \(cellsHere) cells (\(experiment.estimators.count) estimators x \(experiment.sampleCounts.count) "
        + "values of K\(shard.map { ", shard \($0)" } ?? "")), run \(runID), \(options.threads) threads")
    let runner = SweepRunner(
      experimentPath: path, experimentText: text, plan: plan, options: options, report: { progress.show($0) })
    let outcome: SweepOutcome
    do {
      outcome = try runner.run()
    } catch {
      progress.finish()
      throw error
    }
    progress.finish()
    var lines = "jvi-sweep: \(experiment.name), run \(runID): "
    lines += "\(outcome.cellsComputed) cells computed, \(outcome.cellsAlreadyDone) kept from before\n"
    lines += "  results: \(outcome.csvPath)\n"
    if let figure = outcome.figurePath { lines += "  figure:  \(figure)\n" }
    lines += "  bias intervals: \(outcome.intervalsPath)\n  manifest: \(outcome.manifestPath)\n"
    if let shard, outcome.complete {
      lines += "  when all \(shard.count) shards are done: jvi-sweep --experiment \(path) --merge \(runID)\n"
    }
    Output.standardOutput(lines)
  }

  static func checkRunID(_ id: String) throws {
    guard !id.isEmpty, id.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." }),
      !id.hasPrefix(".")
    else {
      throw UsageError("a run id is letters, digits, '-', '_' and '.', not starting with '.'; got '\(id)'")
    }
  }
}

/// The progress line on standard error: rewritten in place on a terminal, one line per update otherwise.
final class ProgressLine {
  let terminal = isatty(2) == 1
  var open = false

  func show(_ text: String) {
    if terminal {
      Output.standardError("\r\u{1B}[K" + "jvi-sweep: " + text)
      open = true
    } else {
      Output.standardError("jvi-sweep: " + text + "\n")
    }
  }

  func finish() {
    if open { Output.standardError("\n") }
    open = false
  }
}
