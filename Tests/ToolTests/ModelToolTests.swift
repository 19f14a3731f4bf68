import Foundation
import JVICore
import JVIExperiments
import Testing
import _TestSupport

/// The discrete-latent VAE and Bayes by Backprop through the tools: training, resuming,
/// evaluation (relaxed and discrete log-weights, evidence over weight samples), predictions,
/// sweeps, and the usage errors that keep options to the models they belong to.
@Suite(.serialized)
struct ModelToolTests {
  let dir = ToolRun.temporaryDirectory()
  var data: String { dir + "/data" }

  init() { SyntheticImageFolder.write(to: dir + "/data", train: 40, test: 10, rows: 4, columns: 5) }

  func train(_ args: [String]) throws -> ToolRun { try ToolRun.run("jvi-train", args, in: dir) }
  func eval(_ args: [String]) throws -> ToolRun { try ToolRun.run("jvi-eval", args, in: dir) }

  @Test func discreteVAETrainsAndGivesBothKindsOfLogWeights() throws {
    let ckpt = dir + "/d.ckpt"
    let common = [
      "--model", "discrete-vae", "--data", data, "--validation", "10", "--hidden", "8", "--latent", "3",
      "--batch", "10", "--output", ckpt,
    ]
    let r = try train(common + ["--objective", "iwae", "--k", "3", "--epochs", "2", "--temperature", "0.5"])
    #expect(r.exitCode == 0, "\(r.standardError)")
    #expect(r.standardError.contains("discrete-vae 20-8-3 tanh tau=0.5, iwae k=3"))
    #expect(r.standardError.contains("epoch 2/2: iwae") && r.standardError.contains("validation ELBO"))
    let resumed = try train(["--resume", "--epochs", "3", "--output", ckpt])
    #expect(
      resumed.exitCode == 0 && resumed.standardError.contains("resuming after epoch 2"), "\(resumed.standardError)")
    for latent in ["relaxed", "discrete"] {
      let e = try eval(["--model", ckpt, "--samples", "50", "--estimator", "all", "--latent", latent])
      #expect(e.exitCode == 0, "\(e.standardError)")
      #expect(e.standardError.contains("tau=0.5 \(latent) on test"))
      #expect(e.standardError.contains("skipping elbo-b (this model has no analytic KL)"))
      #expect(e.standardOutput.split(separator: "\n").count == 5)
    }
    let elboB = try train(common + ["--objective", "elbo-b"])
    #expect(elboB.exitCode == 64 && elboB.standardError.contains("needs an analytic KL"))
  }

  @Test func bayesByBackpropRegressionTrainsPredictsAndSweeps() throws {
    let ckpt = dir + "/r.ckpt"
    let r = try train([
      "--model", "bbb-regression", "--points", "40", "--hidden", "6", "--batch", "10", "--epochs", "40", "--output",
      ckpt,
    ])
    #expect(r.exitCode == 0, "\(r.standardError)")
    #expect(r.standardError.contains("bbb-regression 1-6-1 relu") && r.standardError.contains("training RMSE"))
    let predict = dir + "/pred.csv"
    let e = try eval(["--model", ckpt, "--samples", "200", "--limit", "3", "--estimator", "all", "--predict", predict])
    #expect(e.exitCode == 0, "\(e.standardError)")
    #expect(e.standardError.contains("3 replicates x 200 weight samples of log p(D)"))
    let csv = try String(contentsOfFile: predict, encoding: .utf8)
    #expect(csv.hasPrefix("x,mean,sd,lower_95,upper_95,lower_95_mean,upper_95_mean\n-0.2,"))
    #expect(csv.split(separator: "\n").count == 142 && !csv.contains("nan"))
    #expect(FileManager.default.fileExists(atPath: dir + "/pred.svg"))

    // The exact linear case through a sweep with reference = exact.
    let linear = dir + "/lin.ckpt"
    let l = try train([
      "--model", "bbb-regression", "--points", "40", "--hidden", "none", "--prior", "gaussian 1", "--epochs", "60",
      "--batch", "10", "--output", linear,
    ])
    #expect(l.exitCode == 0, "\(l.standardError)")
    try FileManager.default.createDirectory(atPath: dir + "/experiments", withIntermediateDirectories: true)
    let experiment = """
      model = checkpoint
      checkpoint = lin.ckpt
      instances = 20
      k = 1 4 16 64
      estimators = elbo-a iwae jvi-1
      replicate-sets = 2
      reference = exact
      seed = 1
      """
    _ = FileManager.default.createFile(atPath: dir + "/experiments/lin.experiment", contents: Data(experiment.utf8))
    let s = try ToolRun.run("jvi-sweep", ["--experiment", "experiments/lin.experiment", "--run-id", "a"], in: dir)
    #expect(s.exitCode == 0, "\(s.standardError)")
    let rows = try SweepRunner.readRows(dir + "/results/lin/a.csv")
    #expect(rows.count == 11 && rows.allSatisfy { $0.statistics.referenceStandardError == 0 })
    #expect(rows.first?.model.hasPrefix("bbb-regression 1-1 relu prior gaussian sigma=1.0") == true)

    for (args, fragment) in [
      (["--model", ckpt, "--split", "test"], "--split does not apply"),
      (["--model", ckpt, "--latent", "discrete"], "--latent applies to a discrete-vae"),
    ] {
      let bad = try eval(args)
      #expect(bad.exitCode == 64 && bad.standardError.contains(fragment), "\(args): \(bad.standardError)")
    }
  }

  @Test func bayesByBackpropClassifierReportsItsTestError() throws {
    let ckpt = dir + "/c.ckpt"
    let r = try train([
      "--model", "bbb-classifier", "--data", data, "--validation", "10", "--hidden", "8", "--batch", "10",
      "--epochs", "2", "--k", "2", "--weighting", "geometric", "--output", ckpt,
    ])
    #expect(r.exitCode == 0, "\(r.standardError)")
    #expect(r.standardError.contains("validation error") && r.standardError.contains("test error"))
    let predict = dir + "/c.csv"
    let e = try eval(["--model", ckpt, "--samples", "5", "--predict", predict])
    #expect(e.exitCode == 0, "\(e.standardError)")
    let lines = try String(contentsOfFile: predict, encoding: .utf8).split(separator: "\n")
    #expect(lines.count == 3 && lines[0] == "method,weight_samples,test_images,error_rate,mean_nll")
    #expect(lines[1].hasPrefix("mean-weights,0,10,") && lines[2].hasPrefix("model-average,5,10,"))
  }

  @Test func optionsOfOtherModelsAreUsageErrors() throws {
    let out = dir + "/x.ckpt"
    for (args, fragment) in [
      (["--model", "gaussian-vae", "--temperature", "0.3"], "--temperature does not apply to --model gaussian-vae"),
      (["--model", "bbb-regression", "--objective", "iwae"], "--objective does not apply to --model bbb-regression"),
      (["--model", "discrete-vae", "--prior", "gaussian 1"], "--prior does not apply to --model discrete-vae"),
      (["--model", "bbb-regression", "--prior", "gaussian -1"], "invalid value 'gaussian -1' for --prior"),
      (["--model", "bbb-classifier", "--points", "10"], "--points does not apply to --model bbb-classifier"),
      (["--model", "discrete-vae", "--hidden", "none"], "the VAEs need at least one hidden layer"),
    ] {
      let r = try train(args + ["--output", out])
      #expect(r.exitCode == 64, "\(args)")
      #expect(r.standardError.contains(fragment), "\(args): \(r.standardError)")
    }
    // A Gaussian VAE checkpoint has no predictions.
    let g = dir + "/g.ckpt"
    let t = try train([
      "--data", data, "--validation", "10", "--hidden", "8", "--latent", "2", "--batch", "10", "--epochs", "1",
      "--output", g,
    ])
    #expect(t.exitCode == 0)
    let p = try eval(["--model", g, "--predict", dir + "/p.csv"])
    #expect(p.exitCode == 64 && p.standardError.contains("--predict applies to a Bayes-by-Backprop checkpoint"))
  }
}
