import Foundation
import Testing
import _TestSupport

/// `jvi-ais` end to end: AIS and BDMC on the linear-Gaussian model and on a small trained VAE,
/// bit-identical for 1 and 2 threads.
@Suite(.serialized)
struct AnnealingToolTests {
  let dir = ToolRun.temporaryDirectory()

  func ais(_ args: [String]) throws -> ToolRun { try ToolRun.run("jvi-ais", args, in: dir) }

  func withoutSeconds(_ path: String) throws -> [String] { try ToolRun.linesWithoutSeconds(dir + "/" + path) }

  @Test func helpMatchesTheGoldenFile() throws {
    let r = try ais(["--help"])
    let url = try #require(Bundle.module.url(forResource: "Golden/jvi-ais-help", withExtension: "txt"))
    let golden = try String(contentsOf: url, encoding: .utf8)
    #expect(r.exitCode == 0 && r.standardOutput == golden)
  }

  @Test func linearGaussianAISIsExactWithinItsErrorAndThreadIndependent() throws {
    let common = [
      "--demo-model", "linear-gaussian", "--instances", "12", "--chains", "8", "--temperatures", "20,200",
      "--leapfrog", "5", "--step-size", "0.2",
    ]
    let one = try ais(common + ["--threads", "1", "--output", "one.csv", "--save-logw", "w.npy"])
    let two = try ais(common + ["--threads", "2", "--output", "two.csv"])
    #expect(one.exitCode == 0 && two.exitCode == 0, "\(one.standardError)")
    #expect(try withoutSeconds("one.csv") == withoutSeconds("two.csv"))
    #expect(one.standardError.contains("T=200: 12 instances") && one.standardError.contains("lower − exact"))
    let eval = try ToolRun.run("jvi-eval", ["--input", "w.npy", "--estimator", "iwae"], in: dir)
    #expect(eval.exitCode == 0 && eval.standardOutput.contains("iwae"))
    // At T = 200 every instance's AIS value is within 4 of its own standard errors of log p(x).
    for line in try withoutSeconds("one.csv").dropFirst() where line.hasPrefix("200,") {
      let f = line.split(separator: ",", omittingEmptySubsequences: false)
      let lower = Double(f[2])!, se = Double(f[3])!, exact = Double(f[7])!
      #expect(abs(lower - exact) <= 4 * se + 0.02, "\(line)")
    }
  }

  @Test func bidirectionalMonteCarloOnATrainedVAE() throws {
    SyntheticImageFolder.write(to: dir + "/data", train: 40, test: 10, rows: 4, columns: 5)
    let train = try ToolRun.run(
      "jvi-train",
      [
        "--data", dir + "/data", "--validation", "10", "--hidden", "8", "--latent", "2", "--batch", "10", "--epochs",
        "3", "--output", dir + "/m.ckpt",
      ])
    #expect(train.exitCode == 0, "\(train.standardError)")
    let common = [
      "--model", "m.ckpt", "--bdmc", "--instances", "6", "--chains", "4", "--temperatures", "10,300", "--start",
      "proposal",
    ]
    let one = try ais(common + ["--threads", "1", "--output", "b1.csv"])
    let two = try ais(common + ["--threads", "2", "--output", "b2.csv"])
    #expect(one.exitCode == 0 && two.exitCode == 0, "\(one.standardError)")
    #expect(try withoutSeconds("b1.csv") == withoutSeconds("b2.csv"))
    func meanGap(_ t: String) throws -> Double {
      let rows = try withoutSeconds("b1.csv").filter { $0.hasPrefix(t + ",") }
      return rows.map { Double($0.split(separator: ",", omittingEmptySubsequences: false)[6])! }.reduce(0, +)
        / Double(rows.count)
    }
    #expect(try meanGap("300") < meanGap("10"), "\(one.standardError)")
    let forward = try ais(["--model", "m.ckpt", "--instances", "5", "--chains", "3", "--temperatures", "50"])
    #expect(forward.exitCode == 0 && forward.standardOutput.hasPrefix("temperatures,instance,lower"))
  }

  @Test func badInvocationsAreUsageErrors() throws {
    let missing = try ais(["--model", "nope.ckpt"])
    #expect(missing.exitCode == 1 && missing.standardError.contains("nope.ckpt"))
    for args in [
      ["--temperatures", "0"], ["--chains", "x"], ["--demo-model", "gamma"], ["--bdmc", "--save-logw", "a.npy"],
    ] {
      let r = try ais(args)
      #expect(r.exitCode == 64, "\(args): \(r.standardError)")
    }
  }
}
