import Foundation
import JVICore
import Testing
import _TestSupport

/// `jvi-train` and `jvi-eval --model` end to end on a small synthetic MNIST-format folder.
@Suite(.serialized)
struct TrainToolTests {
  let dir = ToolRun.temporaryDirectory()
  var data: String { dir + "/data" }

  init() { SyntheticImageFolder.write(to: dir + "/data", train: 40, test: 10, rows: 4, columns: 5) }

  func train(_ args: [String]) throws -> ToolRun {
    try ToolRun.run(
      "jvi-train", ["--data", data, "--validation", "10", "--hidden", "8", "--latent", "2", "--batch", "10"] + args)
  }

  @Test func helpMatchesTheGoldenFile() throws {
    let r = try ToolRun.run("jvi-train", ["--help"])
    let url = try #require(Bundle.module.url(forResource: "Golden/jvi-train-help", withExtension: "txt"))
    let golden = try String(contentsOf: url, encoding: .utf8)
    #expect(r.exitCode == 0 && r.standardOutput == golden)
  }

  @Test func trainsResumesAndRefusesMismatches() throws {
    let ckpt = dir + "/m.ckpt"
    let r = try train(["--objective", "jvi", "--order", "2", "--k", "4", "--epochs", "2", "--output", ckpt])
    #expect(r.exitCode == 0, "\(r.standardError)")
    #expect(r.standardError.contains("epoch 1/2: jvi") && r.standardError.contains("epoch 2/2:"))
    #expect(r.standardError.contains("validation ELBO") && r.standardError.contains("ETA"))
    #expect(FileManager.default.fileExists(atPath: ckpt))
    let resumed = try ToolRun.run("jvi-train", ["--resume", "--epochs", "3", "--output", ckpt])
    #expect(resumed.exitCode == 0 && resumed.standardError.contains("resuming after epoch 2"))
    #expect(resumed.standardError.contains("epoch 3/3:"))
    let mismatch = try ToolRun.run("jvi-train", ["--resume", "--objective", "iwae", "--output", ckpt])
    #expect(mismatch.exitCode == 1 && mismatch.standardError.contains("--objective iwae does not match"))
    // The same run straight through gives the same checkpoint as 2 epochs + resume.
    let straight = dir + "/s.ckpt"
    let straightRun = try train([
      "--objective", "jvi", "--order", "2", "--k", "4", "--epochs", "3", "--output", straight, "--threads", "1",
    ])
    #expect(straightRun.exitCode == 0)
    let a = FileManager.default.contents(atPath: straight), b = FileManager.default.contents(atPath: ckpt)
    #expect(a != nil && a == b)
  }

  /// The gradient estimators and the new objectives: trained end to end, and every inconsistent
  /// combination refused as a usage error that names the option.
  @Test func gradientEstimatorsAndObjectives() throws {
    for args in [
      ["--objective", "iwae", "--gradient", "dreg", "--k", "4"],
      ["--objective", "jvi", "--order", "1", "--gradient", "stl"],
      ["--objective", "miwae", "--groups", "2", "--k", "4"], ["--objective", "piwae", "--groups", "2", "--k", "4"],
      ["--objective", "ciwae", "--beta", "0.5", "--k", "4"], ["--objective", "vr", "--alpha", "0.5", "--k", "4"],
    ] {
      let ckpt = dir + "/g.ckpt"
      let r = try train(args + ["--epochs", "1", "--output", ckpt])
      #expect(r.exitCode == 0, "\(args): \(r.standardError)")
      #expect(r.standardError.contains("epoch 1/1: \(args[1])"), "\(args): \(r.standardError)")
      try? FileManager.default.removeItem(atPath: ckpt)
    }
    let refused: [([String], String)] = [
      (["--objective", "elbo-a", "--gradient", "dreg"], "applies to the iwae and jvi objectives"),
      (["--objective", "miwae", "--k", "4"], "--objective miwae needs --groups M"),
      (["--objective", "miwae", "--groups", "3", "--k", "4"], "k must be a multiple of the groups"),
      (["--objective", "iwae", "--beta", "0.5"], "--beta applies to --objective ciwae"),
      (["--objective", "ciwae", "--beta", "1.5"], "--beta"),
      (["--objective", "iwae", "--groups", "2"], "--groups applies to --objective miwae and piwae"),
      (["--model", "discrete-vae", "--objective", "piwae", "--groups", "2", "--k", "4"], "discrete VAE"),
      (["--model", "discrete-vae", "--gradient", "stl"], "--model gaussian-vae"),
    ]
    for (args, message) in refused {
      let r = try train(args + ["--output", dir + "/never.ckpt"])
      #expect(r.exitCode == 64 && r.standardError.contains(message), "\(args): \(r.standardError)")
    }
  }

  /// jvi-eval --gradient-snr on a trained checkpoint: one row per K, the same on 1 and 2 threads,
  /// and an empty row (not a failure) where the objective is undefined (JVI-1 at K = 1).
  @Test func gradientSignalToNoiseIsMeasuredPerK() throws {
    let ckpt = dir + "/snr.ckpt"
    let r = try train(["--objective", "jvi", "--order", "1", "--k", "4", "--epochs", "1", "--output", ckpt])
    #expect(r.exitCode == 0, "\(r.standardError)")
    func measure(_ threads: String) throws -> ToolRun {
      try ToolRun.run(
        "jvi-eval",
        [
          "--model", ckpt, "--data", data, "--gradient-snr", "1,4", "--snr-draws", "6", "--snr-images", "8",
          "--threads", threads,
        ])
    }
    let one = try measure("1"), two = try measure("2")
    #expect(one.exitCode == 0, "\(one.standardError)")
    #expect(one.standardOutput == two.standardOutput)
    let lines = one.standardOutput.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    #expect(lines[0] == "k,draws,images,encoder_snr,decoder_snr,objective,gradient")
    #expect(lines[1] == "1,6,8,,,jvi,standard" && one.standardError.contains("K = 1"), "\(one.standardOutput)")
    let row = lines[2].split(separator: ",", omittingEmptySubsequences: false)
    #expect(row.count == 7 && row[0] == "4" && Double(row[3])! > 0 && Double(row[4])! > 0, "\(lines[2])")
    let refused = try ToolRun.run("jvi-eval", ["--model", ckpt, "--gradient-snr", "4", "--estimator", "iwae"])
    #expect(refused.exitCode == 64 && refused.standardError.contains("does not go with --gradient-snr"))
  }

  @Test func corruptCheckpointsAreReported() throws {
    let path = dir + "/bad.ckpt"
    _ = FileManager.default.createFile(
      atPath: path, contents: Data("jvi-checkpoint 1\nmodel: gaussian-vae\nend-header\n".utf8))
    let r = try ToolRun.run("jvi-train", ["--resume", "--output", path])
    #expect(r.exitCode == 1 && r.standardError.contains(path) && r.standardError.contains("header field"))
    let e = try ToolRun.run("jvi-eval", ["--model", path])
    #expect(e.exitCode == 1 && e.standardError.contains(path))
  }

  @Test func aNonFiniteLossStopsAndKeepsTheLastGoodCheckpoint() throws {
    let ckpt = dir + "/nan.ckpt"
    // One step per epoch: epoch 1 takes a 1e30 step, epoch 2's loss is not finite.
    let r = try train(["--objective", "elbo-a", "--limit", "10", "--lr", "1e30", "--epochs", "3", "--output", ckpt])
    #expect(r.exitCode == 1)
    #expect(r.standardError.contains("training loss became") && r.standardError.contains("epoch 2"))
    #expect(r.standardError.contains("last good checkpoint (epoch 1) is kept"))
    let checkpoint = try Data(contentsOf: URL(fileURLWithPath: ckpt))
    #expect(String(decoding: checkpoint.prefix(2000), as: UTF8.self).contains("epochs-completed: 1"))
  }

  @Test func usageErrors() throws {
    for (args, fragment) in [
      ([String](), "--output FILE is required"),
      (["--output", "x", "--objective", "vae"], "invalid value 'vae' for --objective"),
      (["--output", "x", "--order", "2"], "--order applies to --objective jvi"),
      (["--output", "x", "--objective", "jvi", "--order", "3", "--k", "3"], "--order 3 needs --k greater than 3"),
      (["--output", "x", "--hidden", "8,,x"], "invalid value '8,,x' for --hidden"),
      (["--output", "x", "--lr", "-1"], "expected a positive number"),
      // Checked before the data are loaded: a bad --report-every is reported even with no data folder.
      (["--output", "x", "--report-every", "0", "--data", "/nonexistent"], "invalid value 0 for --report-every"),
    ] {
      let r = try ToolRun.run("jvi-train", args)
      #expect(r.exitCode == 64, "\(args): \(r.standardError)")
      #expect(r.standardError.contains(fragment), "\(args): \(r.standardError)")
    }
  }

  @Test func aMissingFileIsBadInputInEveryTool() throws {
    let missing = dir + "/missing"
    for (tool, args) in [
      ("jvi-train", ["--output", dir + "/m.ckpt", "--data", missing]),
      ("jvi-train", ["--output", missing, "--resume"]),
      ("jvi-eval", ["--input", missing + ".npy"]),
      ("jvi-eval", ["--model", missing + ".ckpt"]),
      ("jvi-ais", ["--model", missing + ".ckpt"]),
      ("jvi-sweep", ["--experiment", missing + ".experiment"]),
    ] {
      let r = try ToolRun.run(tool, args)
      #expect(r.exitCode == 1, "\(tool) \(args): \(r.standardError)")
      #expect(r.standardError.contains(missing), "\(tool) \(args): \(r.standardError)")
      #expect(!FileManager.default.fileExists(atPath: dir + "/m.ckpt"))
    }
  }

  @Test func evaluatesATrainedModelAndSavesItsLogWeights() throws {
    let ckpt = dir + "/e.ckpt"
    let trained = try train(["--objective", "iwae", "--k", "3", "--epochs", "1", "--output", ckpt])
    #expect(trained.exitCode == 0)
    let npy = dir + "/logw.npy"
    let r = try ToolRun.run(
      "jvi-eval", ["--model", ckpt, "--samples", "30", "--estimator", "all", "--order", "2", "--save-logw", npy])
    #expect(r.exitCode == 0, "\(r.standardError)")
    let lines = r.standardOutput.split(separator: "\n")
    #expect(
      lines.map { String($0.split(separator: ",")[0]) } == ["estimator", "elbo-a", "elbo-b", "iwae", "jvi", "delta"])
    #expect(lines[1].contains(",30,10,"))  // k = 30 samples, n = 10 test images
    #expect(r.standardError.contains("log-weights of 10 test images x 30 samples"))
    let again = try ToolRun.run("jvi-eval", ["--input", npy, "--estimator", "iwae"])
    #expect(again.standardOutput.split(separator: "\n")[1] == lines[3])
    // The same seed gives the same numbers; another seed other numbers.
    let same = try ToolRun.run("jvi-eval", ["--model", ckpt, "--samples", "30", "--estimator", "iwae"])
    let other = try ToolRun.run("jvi-eval", ["--model", ckpt, "--samples", "30", "--estimator", "iwae", "--seed", "5"])
    #expect(same.standardOutput.split(separator: "\n")[1] == lines[3])
    #expect(other.standardOutput.split(separator: "\n")[1] != lines[3])
    // Images of another size than the model takes are refused, naming the folder.
    let otherFolder = SyntheticImageFolder.write(to: dir + "/other", train: 20, test: 5, rows: 3, columns: 3)
    let wrongSize = try ToolRun.run("jvi-eval", ["--model", ckpt, "--data", otherFolder])
    #expect(wrongSize.exitCode == 1 && wrongSize.standardError.contains("images of 9 pixels; the model takes 20"))
    let misuse = try ToolRun.run("jvi-eval", ["--input", npy, "--samples", "30"])
    #expect(misuse.exitCode == 64 && misuse.standardError.contains("--samples goes with --model or --demo"))
    let misplaced = try ToolRun.run("jvi-eval", ["--demo", "--split", "train"])
    #expect(misplaced.exitCode == 64 && misplaced.standardError.contains("--split goes with --model"))
    // Without --input, a default model in results/models is evaluated, and the tool says so.
    try FileManager.default.createDirectory(atPath: dir + "/results/models", withIntermediateDirectories: true)
    try FileManager.default.copyItem(atPath: ckpt, toPath: dir + "/results/models/default-vae.ckpt")
    let implicit = try ToolRun.run("jvi-eval", ["--order", "2"], in: dir)
    #expect(
      implicit.exitCode == 0 && implicit.standardError.contains("no --input given; log-weights of 10 test images"))
    #expect(implicit.standardOutput.hasPrefix("estimator,order,k,n,mean,std_error\njvi,2,1000,10,"))
  }
}
