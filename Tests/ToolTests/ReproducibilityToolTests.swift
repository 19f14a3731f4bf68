import Foundation
import Testing
import _TestSupport

/// Every tool gives the same bits for the same seed on 1 and 2 threads: jvi-train's checkpoint,
/// jvi-eval on a trained model, jvi-sweep's CSV files (all but the `seconds` column). jvi-ais is
/// covered in AnnealingToolTests, jvi-eval on a matrix in EvalToolTests; jvi-fuzz is
/// single-threaded and jvi-bench measures time.
@Suite(.serialized)
struct ReproducibilityToolTests {
  let dir = ToolRun.temporaryDirectory()

  func withoutSeconds(_ path: String) throws -> [String] { try ToolRun.linesWithoutSeconds(dir + "/" + path) }

  @Test func trainEvalAndSweepGiveTheSameBitsOnOneAndTwoThreads() throws {
    SyntheticImageFolder.write(to: dir + "/data", train: 200, test: 20, rows: 4, columns: 5)
    for threads in ["1", "2"] {
      let r = try ToolRun.run(
        "jvi-train",
        [
          "--data", "data", "--validation", "10", "--hidden", "8", "--latent", "2", "--batch", "10", "--epochs", "2",
          "--objective", "iwae", "--k", "4", "--threads", threads, "--output", "m\(threads).ckpt",
        ], in: dir)
      #expect(r.exitCode == 0, "\(r.standardError)")
      let e = try ToolRun.run(
        "jvi-eval",
        [
          "--model", "m1.ckpt", "--samples", "64", "--estimator", "family", "--order", "2", "--per-instance",
          "--threads", threads, "--output", "e\(threads).csv",
        ], in: dir)
      #expect(e.exitCode == 0, "\(e.standardError)")
    }
    #expect(
      FileManager.default.contents(atPath: dir + "/m1.ckpt") == FileManager.default.contents(atPath: dir + "/m2.ckpt"))
    #expect(
      FileManager.default.contents(atPath: dir + "/e1.csv") == FileManager.default.contents(atPath: dir + "/e2.csv"))
    try FileManager.default.createDirectory(atPath: dir + "/experiments", withIntermediateDirectories: true)
    _ = FileManager.default.createFile(
      atPath: dir + "/experiments/m.experiment",
      contents: Data(
        """
        model = checkpoint
        checkpoint = m1.ckpt
        instances = 20
        k = 1 2 4 8
        estimators = elbo-a elbo-b iwae jvi-1 vr:alpha=-1 sumo mlmc:form=ss tvo-upper
        replicate-sets = 2
        seed = 3
        reference-samples = 256
        """.utf8))
    for threads in ["1", "2"] {
      let s = try ToolRun.run(
        "jvi-sweep", ["--experiment", "experiments/m.experiment", "--run-id", "t\(threads)", "--threads", threads],
        in: dir)
      #expect(s.exitCode == 0, "\(s.standardError)")
    }
    #expect(try withoutSeconds("results/m/t1.csv") == withoutSeconds("results/m/t2.csv"))
    for suffix in [".intervals.csv", ".reference.csv"] {
      #expect(
        FileManager.default.contents(atPath: dir + "/results/m/t1" + suffix)
          == FileManager.default.contents(atPath: dir + "/results/m/t2" + suffix), "\(suffix)")
    }
  }
}
