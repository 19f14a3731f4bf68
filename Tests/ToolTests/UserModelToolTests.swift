import Foundation
import JVICore
import Testing
import _TestSupport

/// A user's VAE through the tools: `jvi-train --export` writes a model file that every tool reads
/// with the checkpoint's bits; `--data FILE.npy` is evaluated as given; jvi-ais (forward and
/// BDMC) and a sweep with `reference = ais` run on it; broken files and data exit 1 by name.
@Suite(.serialized)
struct UserModelToolTests {
  let dir = ToolRun.temporaryDirectory()

  init() throws {
    SyntheticImageFolder.write(to: dir + "/data", train: 40, test: 10, rows: 4, columns: 5)
    let r = try run(
      "jvi-train",
      [
        "--data", dir + "/data", "--validation", "10", "--hidden", "8", "--latent", "2", "--batch", "10",
        "--epochs", "2", "--output", "m.ckpt", "--export", "m.safetensors",
      ])
    precondition(r.exitCode == 0, r.standardError)
    // Six binary rows of 20 pixels, as a user's own data (uint8).
    var header = "{'descr': '|u1', 'fortran_order': False, 'shape': (6, 20), }"
    header += String(repeating: " ", count: (64 - (10 + header.utf8.count + 1) % 64) % 64) + "\n"
    let n = header.utf8.count
    let values = (0..<120).map { UInt8(($0 * 7 + $0 / 20) % 3 == 0 ? 1 : 0) }
    let bytes =
      [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, UInt8(n & 0xFF), UInt8(n >> 8)] + Array(header.utf8) + values
    try FileIO.writeAtomically(bytes, to: dir + "/x.npy")
  }

  func run(_ tool: String, _ args: [String]) throws -> ToolRun { try ToolRun.run(tool, args, in: dir) }

  @Test func theExportedFileGivesTheCheckpointsBits() throws {
    for (model, out) in [("m.ckpt", "a.npy"), ("m.safetensors", "b.npy")] {
      let r = try run(
        "jvi-eval",
        ["--model", model, "--data", dir + "/data", "--samples", "30", "--save-logw", out, "--estimator", "iwae"])
      #expect(r.exitCode == 0, "\(r.standardError)")
    }
    #expect(
      FileManager.default.contents(atPath: dir + "/a.npy") == FileManager.default.contents(atPath: dir + "/b.npy"))
    let data = try run(
      "jvi-eval", ["--model", "m.safetensors", "--data", "x.npy", "--samples", "20", "--estimator", "all"])
    #expect(data.exitCode == 0, "\(data.standardError)")
    #expect(data.standardError.contains("6 rows of x.npy x 20 samples from m.safetensors"), "\(data.standardError)")
    #expect(data.standardOutput.contains("elbo-b"))
  }

  @Test func shardsOfAModelFilesLogWeightsMergeToTheWholeRun() throws {
    let common = ["--model", "m.safetensors", "--data", "x.npy", "--samples", "10", "--estimator", "iwae"]
    #expect(try run("jvi-eval", common + ["--save-logw", "whole.npy"]).exitCode == 0)
    for i in 1...2 {
      let r = try run("jvi-eval", common + ["--save-logw", "parts.npy", "--shard", "\(i)/2"])
      #expect(r.exitCode == 0, "\(r.standardError)")
    }
    let merge = try run("jvi-eval", ["--merge", "parts.npy"])
    #expect(merge.exitCode == 0, "\(merge.standardError)")
    #expect(
      FileManager.default.contents(atPath: dir + "/whole.npy")
        == FileManager.default.contents(atPath: dir + "/parts.npy"))
  }

  @Test func aisAndBDMCRunOnTheModelFile() throws {
    let ais = try run(
      "jvi-ais",
      ["--model", "m.safetensors", "--data", "x.npy", "--instances", "6", "--chains", "4", "--temperatures", "50"])
    #expect(ais.exitCode == 0, "\(ais.standardError)")
    #expect(ais.standardOutput.split(separator: "\n").count == 7)
    let bdmc = try run(
      "jvi-ais",
      [
        "--model", "m.safetensors", "--data", dir + "/data", "--bdmc", "--instances", "3", "--chains", "4",
        "--temperatures", "50",
      ])
    #expect(bdmc.exitCode == 0, "\(bdmc.standardError)")
    #expect(bdmc.standardOutput.hasPrefix("temperatures,instance,lower,lower_se,upper,upper_se,gap"))
  }

  @Test func aSweepWithAnAISReferenceRunsOnTheModelFile() throws {
    try? FileManager.default.createDirectory(atPath: dir + "/experiments", withIntermediateDirectories: true)
    let text = """
      model = checkpoint
      checkpoint = m.safetensors
      data = x.npy
      instances = 6
      k = 1 2 4
      estimators = elbo-a iwae jvi-1
      replicate-sets = 2
      reference = ais
      ais-chains = 2
      ais-temperatures = 20
      ais-pilot-temperatures = 10
      seed = 3
      """
    try FileIO.writeAtomically(text, to: dir + "/experiments/mine.experiment")
    let r = try run("jvi-sweep", ["--experiment", "experiments/mine.experiment", "--run-id", "a"])
    #expect(r.exitCode == 0, "\(r.standardError)")
    let csv = try String(contentsOfFile: dir + "/results/mine/a.csv", encoding: .utf8)
    #expect(
      csv.contains(
        "\nvae-file encoder 20-8-4 tanh; decoder 2-8-20 tanh; bernoulli likelihood m.safetensors,user data x.npy,"),
      "\(csv)")
    #expect(!csv.lowercased().contains("nan"))
  }

  @Test func brokenModelsAndDataExit1ByName() throws {
    let good = try FileIO.read(dir + "/m.safetensors")
    try FileIO.writeAtomically(Array(good.dropLast(5)), to: dir + "/short.safetensors")
    let short = try run("jvi-eval", ["--model", "short.safetensors", "--data", "x.npy"])
    #expect(
      short.exitCode == 1 && short.standardError.contains("short.safetensors: truncated"), "\(short.standardError)")
    var wide = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 21), }"
    wide += String(repeating: " ", count: (64 - (10 + wide.utf8.count + 1) % 64) % 64) + "\n"
    let n = wide.utf8.count
    try FileIO.writeAtomically(
      [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, UInt8(n & 0xFF), UInt8(n >> 8)] + Array(wide.utf8)
        + [UInt8](repeating: 0, count: 168), to: dir + "/wide.npy")
    let output = dir + "/never.csv"
    for tool in ["jvi-eval", "jvi-ais"] {
      let r = try run(
        tool,
        ["--model", "m.safetensors", "--data", "wide.npy", "--instances", "2", "--output", output].filter {
          tool == "jvi-ais" || $0 != "--instances" && $0 != "2"
        })
      #expect(
        r.exitCode == 1 && r.standardError.contains("wide.npy: rows of 21 values; the model takes 20"),
        "\(r.standardError)")
    }
    #expect(!FileManager.default.fileExists(atPath: output))
    let split = try run("jvi-eval", ["--model", "m.safetensors", "--data", "x.npy", "--split", "train"])
    #expect(split.exitCode == 64, "\(split.standardError)")
    let resume = try run("jvi-train", ["--resume", "--output", "m.safetensors"])
    #expect(resume.exitCode == 1 && resume.standardError.contains("is a model file"), "\(resume.standardError)")
  }
}
