import Foundation
import JVICore
import JVIExperiments
import Testing

/// `jvi-sweep` end to end: help, a run, resume, shards and merge, and bad experiment files.
@Suite(.serialized)
struct SweepToolTests {
  let dir = ToolRun.temporaryDirectory()

  func experiment(_ name: String, _ text: String) -> String {
    try? FileManager.default.createDirectory(atPath: dir + "/experiments", withIntermediateDirectories: true)
    let path = dir + "/experiments/" + name + ".experiment"
    _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
    return "experiments/" + name + ".experiment"
  }

  func sweep(_ args: [String]) throws -> ToolRun { try ToolRun.run("jvi-sweep", args, in: dir) }

  static let small = """
    model = gamma
    shape = 2
    instances = 30
    k = 1 2 4 8 16
    estimators = elbo-a iwae jvi-1 jvi-2
    replicate-sets = 2
    seed = 9
    """

  @Test func helpMatchesTheGoldenFile() throws {
    let r = try sweep(["--help"])
    #expect(r.exitCode == 0)
    let url = try #require(Bundle.module.url(forResource: "Golden/jvi-sweep-help", withExtension: "txt"))
    #expect(r.standardOutput == (try String(contentsOf: url, encoding: .utf8)))
  }

  @Test func runsAnExperimentAndSaysWhereTheResultsAre() throws {
    let file = experiment("small", Self.small)
    let r = try sweep(["--experiment", file, "--run-id", "a", "--threads", "2"])
    #expect(r.exitCode == 0, "\(r.standardError)")
    #expect(r.standardOutput.contains("results/small/a.csv") && r.standardOutput.contains("results/small/a.svg"))
    #expect(r.standardError.contains("cell 17/17") && r.standardError.contains("ETA"))
    let csv = try String(contentsOfFile: dir + "/results/small/a.csv", encoding: .utf8)
    #expect(
      csv.hasPrefix(
        "model,dataset,estimator,order,k,n_instances,replicates,mean,reference,reference_se,bias,bias_se,variance,"
          + "variance_se,mse,mse_se,seconds\ngamma shape=2 scale=1,iid-weights,elbo-a,0,1,30,32,"))
    for suffix in [".intervals.csv", ".reference.csv", ".manifest.json", ".svg"] {
      #expect(FileManager.default.fileExists(atPath: dir + "/results/small/a" + suffix), "\(suffix)")
    }
    // The same run id again is refused (exit 1) and changes nothing.
    let again = try sweep(["--experiment", file, "--run-id", "a"])
    #expect(again.exitCode == 1 && again.standardError.contains("--resume a"))
    #expect(try String(contentsOfFile: dir + "/results/small/a.csv", encoding: .utf8) == csv)
  }

  @Test func shardsAndMergeFromTheCommandLine() throws {
    let file = experiment("sharded", Self.small)
    for i in 1...2 {
      let r = try sweep(["--experiment", file, "--run-id", "s", "--shard", "\(i)/2"])
      #expect(r.exitCode == 0, "\(r.standardError)")
    }
    let merged = try sweep(["--experiment", file, "--merge", "s"])
    #expect(merged.exitCode == 0, "\(merged.standardError)")
    let rows = try SweepRunner.readRows(dir + "/results/sharded/s.csv")
    #expect(rows.count == 17)  // 5 + 5 + 4 (jvi-1: K ≥ 2) + 3 (jvi-2: K ≥ 3)
  }

  @Test func badExperimentFilesAreInputErrorsNamingTheLineAndWritingNothing() throws {
    // A missing or malformed experiment file is bad input (exit 1), as a bad --input is in jvi-eval;
    // a malformed command line is a usage error (exit 64).
    let file = experiment("bad", Self.small.replacingOccurrences(of: "shape = 2", with: "shape = two"))
    let r = try sweep(["--experiment", file])
    #expect(r.exitCode == 1)
    #expect(r.standardError.contains("experiments/bad.experiment:2: option 'shape': expected a positive number"))
    #expect(!FileManager.default.fileExists(atPath: dir + "/results"))
    let missing = try sweep(["--experiment", "experiments/none.experiment"])
    #expect(missing.exitCode == 1)
    #expect(missing.standardError.contains("cannot read the experiment file"))
    let good = experiment("good", Self.small)
    for (args, fragment) in [
      ([String](), "give the experiment with --experiment FILE"),
      (["--experiment", good, "--shard", "1/2"], "--shard needs --run-id"),
      (["--experiment", good, "--shard", "3/2", "--run-id", "x"], "--shard takes I/N"),
      (["--experiment", good, "--run-id", "../x"], "a run id is letters"),
      (["--experiment", good, "--run-id", "x", "--resume", "x"], "give one of them"),
      (["--experiment", good, "--merge", "x", "--shard", "1/2"], "does not take --shard"),
    ] {
      let e = try sweep(args)
      #expect(e.exitCode == 64, "\(args)")
      #expect(e.standardError.contains(fragment), "\(args): \(e.standardError)")
    }
    #expect(!FileManager.default.fileExists(atPath: dir + "/results"))
  }
}
