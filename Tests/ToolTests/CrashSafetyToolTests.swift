import Foundation
import Testing
import _TestSupport

#if canImport(Glibc)
  import Glibc
#endif

/// SIGKILL at seeded random moments: `jvi-train`'s checkpoint and `jvi-sweep`'s CSV files stay
/// valid after every kill (every write is a temporary file and a rename), and resuming finishes
/// with exactly the bits an uninterrupted run gives.
@Suite(.serialized)
struct CrashSafetyToolTests {
  let dir = ToolRun.temporaryDirectory()

  /// Starts `tool`, sends SIGKILL after `seconds` (if it is still running) and waits for it.
  /// Returns whether it was killed.
  func killed(_ tool: String, _ arguments: [String], after seconds: Double) throws -> Bool {
    let process = Process()
    process.executableURL = ToolRun.productsDirectory.appendingPathComponent(tool)
    process.arguments = arguments
    process.currentDirectoryURL = URL(fileURLWithPath: dir)
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    let deadline = Date().addingTimeInterval(seconds)
    while process.isRunning && Date() < deadline { usleep(5_000) }
    let wasRunning = process.isRunning
    if wasRunning { kill(process.processIdentifier, SIGKILL) }
    process.waitUntilExit()
    return wasRunning
  }

  /// Seeded delays in [0.05, 1.5) s.
  static func delays(_ count: Int, seed: UInt64) -> [Double] {
    var state = seed
    return (0..<count).map { _ in
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return 0.05 + 1.45 * Double(state >> 11) / Double(1 << 53)
    }
  }

  @Test func killedTrainingKeepsAValidCheckpointAndResumesToTheSameBits() throws {
    SyntheticImageFolder.write(to: dir + "/data", train: 3000, test: 10, rows: 10, columns: 10)
    let common = [
      "--data", "data", "--validation", "10", "--hidden", "128", "--latent", "4", "--batch", "20", "--epochs", "40",
      "--objective", "iwae", "--k", "10", "--threads", "1",
    ]
    let started = Date()
    let straight = try ToolRun.run("jvi-train", common + ["--output", "straight.ckpt"], in: dir)
    #expect(straight.exitCode == 0, "\(straight.standardError)")
    // The kills fall at seeded fractions (up to a quarter) of the uninterrupted run's duration,
    // so that on any machine's speed the first runs are killed before training can finish.
    let duration = Date().timeIntervalSince(started)
    var kills = 0
    for delay in Self.delays(6, seed: 42).map({ $0 / 1.5 * 0.25 * duration }) {
      let exists = FileManager.default.fileExists(atPath: dir + "/killed.ckpt")
      let args = common + ["--output", "killed.ckpt"] + (exists ? ["--resume"] : [])
      if try killed("jvi-train", args, after: delay) { kills += 1 }
      if FileManager.default.fileExists(atPath: dir + "/killed.ckpt") {
        let check = try ToolRun.run("jvi-eval", ["--model", "killed.ckpt", "--limit", "2", "--samples", "2"], in: dir)
        #expect(
          check.exitCode == 0, "a checkpoint left by SIGKILL after \(delay) s does not load: \(check.standardError)")
      }
    }
    #expect(kills >= 3, "the runs finished before they could be killed; make them longer")
    let exists = FileManager.default.fileExists(atPath: dir + "/killed.ckpt")
    let finish = try ToolRun.run(
      "jvi-train", common + ["--output", "killed.ckpt"] + (exists ? ["--resume"] : []), in: dir)
    #expect(finish.exitCode == 0, "\(finish.standardError)")
    let a = FileManager.default.contents(atPath: dir + "/straight.ckpt")
    let b = FileManager.default.contents(atPath: dir + "/killed.ckpt")
    #expect(a != nil && a == b, "resuming after SIGKILLs does not reproduce the uninterrupted checkpoint")
  }

  static let experiment = """
    model = log-normal
    sigma = 1.5
    instances = 400
    k = 1 2 4 8 16 32 64 128 256
    estimators = elbo-a iwae jvi-1 jvi-2 jvi-3 delta
    replicate-sets = 3
    seed = 11
    """

  /// Every line of a sweep CSV has the header's number of fields.
  func expectWellFormed(_ path: String, _ context: String) throws {
    guard let text = try? String(contentsOfFile: dir + "/" + path, encoding: .utf8) else { return }
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    #expect(text.isEmpty || text.hasSuffix("\n"), "\(path) ends mid-line \(context)")
    let fields = lines.first.map { $0.split(separator: ",", omittingEmptySubsequences: false).count } ?? 0
    for line in lines.dropFirst() where !line.isEmpty {
      #expect(line.split(separator: ",", omittingEmptySubsequences: false).count == fields, "\(path) \(context)")
    }
  }

  @Test func killedSweepsKeepValidFilesAndResumeToTheSameRows() throws {
    try FileManager.default.createDirectory(atPath: dir + "/experiments", withIntermediateDirectories: true)
    _ = FileManager.default.createFile(atPath: dir + "/experiments/k.experiment", contents: Data(Self.experiment.utf8))
    let straight = try ToolRun.run(
      "jvi-sweep", ["--experiment", "experiments/k.experiment", "--run-id", "straight", "--threads", "2"], in: dir)
    #expect(straight.exitCode == 0, "\(straight.standardError)")
    var kills = 0
    for delay in Self.delays(6, seed: 7).map({ $0 * 0.6 }) {
      let started = FileManager.default.fileExists(atPath: dir + "/results/k/killed.manifest.json")
      let args =
        ["--experiment", "experiments/k.experiment", "--threads", "2"]
        + (started ? ["--resume", "killed"] : ["--run-id", "killed"])
      if try killed("jvi-sweep", args, after: delay) { kills += 1 }
      for suffix in [".csv", ".intervals.csv", ".reference.csv"] {
        try expectWellFormed("results/k/killed" + suffix, "after SIGKILL at \(delay) s")
      }
    }
    #expect(kills >= 3, "the sweeps finished before they could be killed; make them longer")
    let started = FileManager.default.fileExists(atPath: dir + "/results/k/killed.manifest.json")
    let finish = try ToolRun.run(
      "jvi-sweep",
      ["--experiment", "experiments/k.experiment", "--threads", "2"]
        + (started ? ["--resume", "killed"] : ["--run-id", "killed"]), in: dir)
    #expect(finish.exitCode == 0, "\(finish.standardError)")
    func rows(_ id: String) throws -> [String] { try ToolRun.linesWithoutSeconds(dir + "/results/k/\(id).csv") }
    #expect(try rows("straight") == rows("killed"))
  }
}
