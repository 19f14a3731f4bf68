import CommandLineSupport
import Foundation
import JVICore
import JVIExperiments

/// `jvi-fuzz`: a seeded mutation fuzzer for every input parser, and a replayer of saved inputs.
/// Built with `-D JVI_LIBFUZZER` and `--sanitize=fuzzer` (`make libfuzz`) it is a libFuzzer
/// binary instead (LibFuzzerEntry.swift), and libFuzzer supplies `main`.
#if !JVI_LIBFUZZER
  @main
#endif
struct FuzzCommand: ToolCommand {
  static let parser = Option<String>.choice(
    "--parser", value: "NAME", among: FuzzTargets.names + ["all"], default: "all",
    help: "Which parser; 'all' runs each in turn.")
  static let inputs = Option<Int>.integer(
    "--inputs", value: "N", in: 1...100_000_000, default: 100_000, help: "Mutated inputs per parser.")
  static let seed = Option<UInt64>.seed("--seed", default: 0, help: "Seed of the mutations.")
  static let timeLimit = Option<Int>.integer(
    "--time-limit", value: "SECONDS", in: 1...3600, default: 10, help: "Longest time one input may take.")
  static let failures = Option<String>.text(
    "--failures", value: "DIR", default: "Tests/ToolTests/FuzzRegressions",
    help: "Where failing inputs are saved as <parser>/<hash>.bin.")
  static let replayDirectory = Option<String?>.text(
    "--replay", value: "DIR", help: "Run every <parser>/* input under DIR once (the regression corpus).")

  static let spec = CommandSpec(
    name: "jvi-fuzz",
    overview:
      "Feed mutated inputs to the parsers of .npy and CSV log-weights, IDX files (plain and gzip), checkpoints, "
      + "experiment files, command lines, JSON, safetensors files and VAE model files. Every input must be accepted or refused with an error naming the file; "
      + "a crash, a hang (--time-limit) or a broken rule stops the run and saves the input under --failures. "
      + "Deterministic for a seed. With --replay, runs the saved inputs of a folder instead.",
    options: [parser, inputs, seed, timeLimit, failures, replayDirectory],
    examples: [
      ("jvi-fuzz --inputs 5000", "The short run CI does: 5,000 inputs for each parser:"),
      ("jvi-fuzz --parser npy --inputs 100000 --seed 3", "100,000 inputs for the .npy reader:"),
    ],
    version: RunEnvironment.versionText(tool: "jvi-fuzz"), preflight: RunEnvironment.kernelRequestProblem)

  let options: ParsedOptions

  init(_ options: ParsedOptions) throws { self.options = options }

  func run() throws {
    let o = options
    let scratch = FileManager.default.temporaryDirectory.path + "/jvi-fuzz-\(getpid())"
    try FileIO.createDirectories(scratch)
    defer { try? FileManager.default.removeItem(atPath: scratch) }
    let limit = UInt32(o[Self.timeLimit])
    if let dir = o[Self.replayDirectory] {
      try FuzzCommand.replay(dir, scratch: scratch, limit: limit)
      return
    }
    let parser = o[Self.parser]
    for name in parser == "all" ? FuzzTargets.names : [parser] {
      try FuzzCommand.fuzz(
        try FuzzTargets.make(name, scratch: scratch), inputs: o[Self.inputs], seed: o[Self.seed],
        failures: o[Self.failures], limit: limit)
    }
  }

  static func fuzz(_ target: FuzzTarget, inputs n: Int, seed: UInt64, failures: String, limit: UInt32) throws {
    let crashDirectory = failures + "/" + target.name
    try FileIO.createDirectories(crashDirectory)
    CrashGuard.install(crashFile: crashDirectory + "/crash-seed\(seed).bin")
    var mutator = Mutator(seed: seed &+ UInt64(FuzzTargets.names.firstIndex(of: target.name) ?? 0))
    var accepted = 0, maxSeconds = 0.0
    let start = Date()
    for i in 0..<n {
      let base = target.seeds[i % target.seeds.count]
      // Every 16th input is a seed itself or a mutation of a mutation, for depth.
      let input = i < target.seeds.count ? base : mutator.mutate(i % 16 == 0 ? mutator.mutate(base) : base)
      CrashGuard.arm(input, seconds: limit)
      let t0 = Date()
      do {
        if try target.run(input) { accepted += 1 }
      } catch let failure as FuzzFailure {
        CrashGuard.disarm()
        let path = crashDirectory + "/failure-seed\(seed)-\(i).bin"
        try FileIO.writeAtomically(input, to: path)
        throw ToolFailure("\(target.name): input \(i) broke a rule: \(failure.description); saved as \(path)")
      }
      CrashGuard.disarm()
      maxSeconds = max(maxSeconds, Date().timeIntervalSince(t0))
    }
    let seconds = Date().timeIntervalSince(start)
    Output.standardOutput(
      "\(target.name): \(n) inputs, \(accepted) accepted, \(n - accepted) refused with a clear error, 0 crashes, "
        + "0 hangs; slowest input \(String(format: "%.3f", maxSeconds)) s; \(String(format: "%.1f", seconds)) s\n")
  }

  static func replay(_ dir: String, scratch: String, limit: UInt32) throws {
    var total = 0
    for name in FuzzTargets.names {
      let folder = dir + "/" + name
      guard let files = try? FileManager.default.contentsOfDirectory(atPath: folder) else { continue }
      let target = try FuzzTargets.make(name, scratch: scratch)
      CrashGuard.install(crashFile: scratch + "/replay-crash.bin")
      for file in files.sorted() where !file.hasPrefix(".") {
        let input = Array(try Data(contentsOf: URL(fileURLWithPath: folder + "/" + file)))
        CrashGuard.arm(input, seconds: limit)
        do {
          _ = try target.run(input)
        } catch let failure as FuzzFailure {
          throw ToolFailure("\(name)/\(file) still fails: \(failure.description)")
        }
        CrashGuard.disarm()
        total += 1
      }
    }
    Output.standardOutput("replayed \(total) saved inputs: none crashes, hangs or breaks a rule\n")
  }
}
