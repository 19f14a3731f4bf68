import Foundation
import JVICore
import JVIExperiments
import Testing

/// `jvi-eval` end to end: the contract of its output, its help, its exit codes and its errors.
@Suite(.serialized)
struct EvalToolTests {
  let dir = ToolRun.temporaryDirectory()

  func write(_ name: String, _ text: String) -> String {
    let path = dir + "/" + name
    _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
    return path
  }

  func writeBytes(_ name: String, _ bytes: [UInt8]) -> String {
    let path = dir + "/" + name
    _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
    return path
  }

  func eval(_ args: [String]) throws -> ToolRun { try ToolRun.run("jvi-eval", args) }

  @Test func helpMatchesTheGoldenFile() throws {
    let r = try eval(["--help"])
    #expect(r.exitCode == 0)
    let url = try #require(Bundle.module.url(forResource: "Golden/jvi-eval-help", withExtension: "txt"))
    let golden = try String(contentsOf: url, encoding: .utf8)
    #expect(r.standardOutput == golden)
    #expect(r.standardError.isEmpty)
    #expect(try eval(["-h"]).standardOutput == golden)
  }

  /// The registry's estimators and parameter flags are all jvi-eval's: each name is a value of
  /// --estimator, each flag a declared option.
  @Test func everyRegistryEstimatorAndFlagIsOnTheCommandLine() throws {
    let help = try eval(["--help"]).standardOutput
    for entry in EstimatorRegistry.entries {
      #expect(help.contains(" \(entry.name),") || help.contains(" \(entry.name);"), "\(entry.name)")
      for flag in entry.parameters.compactMap(\.flag) { #expect(help.contains("\n  \(flag) "), "\(flag)") }
    }
  }

  @Test func summaryOutputHasTheContractedColumns() throws {
    let input = write("w.csv", "0,0,0,0\n-1,-2,-3,-4\n1,-inf,2,-inf\n")
    let r = try eval(["--input", input, "--order", "2"])
    #expect(r.exitCode == 0, "\(r.standardError)")
    let lines = r.standardOutput.split(separator: "\n")
    #expect(lines.first == "estimator,order,k,n,mean,std_error")
    // Row 2 has K' = 2 = m non-zero weights: its JVI is the definition's artefact −∞, reported as
    // undefined and left out of the summary (n = 2).
    #expect(lines.count == 2 && lines[1].hasPrefix("jvi,2,4,2,"))
    #expect(r.standardError.contains("undefined for 1 of 3 instances (0-based: 2)"))
    let all = try eval(["--input", input, "--estimator", "all", "--k", "2"])
    #expect(all.exitCode == 0)
    let names = all.standardOutput.split(separator: "\n").dropFirst().map { $0.split(separator: ",")[0] }
    #expect(names == ["elbo-a", "iwae", "jvi", "delta"])
    #expect(all.standardError.contains("skipping elbo-b"))
  }

  @Test func perInstanceOutputIsExactShortestRoundTrip() throws {
    let input = write("p.csv", "0.1,0.1,0.1\n-inf,-inf,-inf\n-1,-2,-3\n")
    let r = try eval(["--input", input, "--estimator", "iwae", "--per-instance"])
    #expect(r.exitCode == 0, "\(r.standardError)")
    let expected = try LogWeightMatrix(contentsOf: input)
    let iwae = try IWAE().evaluate(expected, workspace: EstimatorWorkspace()).estimates
    #expect(
      r.standardOutput
        == "instance,estimator,order,k,estimate\n0,iwae,0,3,0.1\n1,iwae,0,3,-inf\n2,iwae,0,3,\(iwae[2])\n")
    #expect(Double(String(r.standardOutput.split(separator: "\n")[3].split(separator: ",")[4])) == iwae[2])
  }

  @Test func readsNPYAsTheREADMEShows() throws {
    let m = SyntheticWeightLaw.logNormal(mu: -90, sigma: 1.5).sample(rows: 50, columns: 64, seed: 3)
    let path = writeBytes("logw.npy", m.npyBytes())
    let r = try eval(["--order", "2", "--input", path])
    #expect(r.exitCode == 0, "\(r.standardError)")
    let est = try Jackknife(order: 2).evaluate(m, workspace: EstimatorWorkspace()).estimates
    let s = SampleSummary(est)
    #expect(r.standardOutput == "estimator,order,k,n,mean,std_error\njvi,2,64,50,\(s.mean),\(s.standardError)\n")
  }

  @Test func outputIsIdenticalForOneAndTwoThreads() throws {
    let m = SyntheticWeightLaw.logNormal(mu: 0, sigma: 3).sample(rows: 300, columns: 100, seed: 4)
    let path = writeBytes("t.npy", m.npyBytes())
    let one = try eval(["--input", path, "--estimator", "all", "--order", "3", "--per-instance", "--threads", "1"])
    let two = try eval(["--input", path, "--estimator", "all", "--order", "3", "--per-instance", "--threads", "2"])
    #expect(one.exitCode == 0 && one.standardOutput == two.standardOutput)
  }

  @Test func withoutInputItSaysItUsesTheSyntheticDemo() throws {
    // In an empty folder, so that a trained results/models/default-vae.ckpt is not picked up.
    let r = try ToolRun.run("jvi-eval", ["--order", "2"], in: dir)
    #expect(r.exitCode == 0)
    #expect(r.standardError.contains("synthetic demo matrix") && r.standardError.contains("Exact log p(x) = 2"))
    #expect(r.standardOutput.hasPrefix("estimator,order,k,n,mean,std_error\njvi,2,1000,1000,"))
    let seeded = try eval(["--demo", "--seed", "7", "--estimator", "iwae"])
    #expect(seeded.exitCode == 0 && !seeded.standardError.contains("no --input"))
  }

  @Test func demoModelsPrintTheirExactEvidence() throws {
    let lg = try eval(["--demo-model", "linear-gaussian:q-shift=1.5", "--estimator", "all", "--limit", "50"])
    #expect(lg.exitCode == 0, "\(lg.standardError)")
    #expect(lg.standardError.contains("linear-gaussian d=3 D=6 q-shift=1.5 q-scale=1.2"))
    #expect(lg.standardError.contains("Exact log p(x) differs by instance; its mean over the instances is"))
    let names = lg.standardOutput.split(separator: "\n").dropFirst().map { $0.split(separator: ",")[0] }
    #expect(names == ["elbo-a", "elbo-b", "iwae", "jvi", "delta"])
    let gamma = try eval(["--demo-model", "gamma:shape=0.5,scale=2", "--samples", "64", "--limit", "10"])
    #expect(gamma.exitCode == 0 && gamma.standardError.contains("Gamma(0.5, 2) weights"))
    #expect(gamma.standardError.contains("Exact log p(x) = 0."))
    #expect(gamma.standardOutput.hasPrefix("estimator,order,k,n,mean,std_error\njvi,1,64,10,"))
    for (args, fragment) in [
      (["--demo-model", "gamma:shap=1"], "--demo-model: option 'shap': unknown option"),
      (["--demo-model", "normal"], "option 'model': expected one of"),
      (["--demo-model", "checkpoint:checkpoint=x"], "--demo-model takes a synthetic model"),
      (["--demo-model", "log-normal", "--input", "x.csv"], "does not go with --input"),
    ] {
      let r = try eval(args)
      #expect(r.exitCode == 64, "\(args)")
      #expect(r.standardError.contains(fragment), "\(args): \(r.standardError)")
    }
  }

  @Test func analyticKLInputsEnableELBOB() throws {
    let input = write("lw.csv", "-1,-2\n-3,-4\n")
    let ll = write("ll.csv", "-10,-12\n-3,-5\n")
    let kl = write("kl.csv", "1.5\n0\n")
    let r = try eval(["--input", input, "--estimator", "elbo-b", "--log-likelihood", ll, "--kl", kl, "--per-instance"])
    #expect(r.exitCode == 0, "\(r.standardError)")
    #expect(r.standardOutput == "instance,estimator,order,k,estimate\n0,elbo-b,0,2,-12.5\n1,elbo-b,0,2,-4.0\n")
    let missing = try eval(["--input", input, "--estimator", "elbo-b"])
    #expect(missing.exitCode == 64 && missing.standardError.contains("elbo-b needs"))
  }

  @Test func usageErrorsExit64WithUsageAndHint() throws {
    let input = write("u.csv", "0,1,2\n")
    for (args, fragment) in [
      (["--bogus"], "unknown option '--bogus'"),
      (["--order"], "needs a value"),
      (["--order", "two"], "expected an integer"),
      (["--order", "-1"], "invalid value -1 for --order"),
      (["--estimator", "vae"], "invalid value 'vae' for --estimator"),
      (["--input", input, "--demo"], "cannot be used together"),
      (["--input", input, "--order", "3"], "jvi of order 3 needs k > 3"),
      (["--input", input, "--k", "4"], "k = 4 samples per estimate, but the matrix has only 3 columns"),
      (["--input", input, "--order", "11"], "above the supported maximum 10"),
      (["--estimator", "iwae", "--order", "2"], "--order applies to the jvi estimator"),
      (["--kl", input], "must be given together"),
      (["extra"], "unexpected argument 'extra'"),
    ] {
      let r = try eval(args)
      #expect(r.exitCode == 64, "\(args): exit \(r.exitCode)")
      #expect(r.standardError.hasPrefix("Error: ") && r.standardError.contains(fragment), "\(args): \(r.standardError)")
      #expect(r.standardError.contains("Usage: jvi-eval") && r.standardError.contains("See 'jvi-eval --help'"))
      #expect(r.standardOutput.isEmpty)
    }
  }

  @Test func badFilesExit1NamingTheFileAndTheProblem() throws {
    func npy(_ dict: String, _ data: [UInt8]) -> [UInt8] {
      var header = dict
      header += String(repeating: " ", count: (64 - (10 + header.utf8.count + 1) % 64) % 64) + "\n"
      let n = header.utf8.count
      return [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, UInt8(n & 0xFF), UInt8(n >> 8)] + Array(header.utf8) + data
    }
    let six = [UInt8](repeating: 0, count: 48)
    let cases: [(String, [UInt8], String)] = [
      ("magic.npy", Array("PK\u{3}\u{4}not npy".utf8), "bad magic"),
      ("header.npy", npy("{'descr': '<f8', 'shape': (2, 3), 'fortran_order': False, 'extra': 1}", six), "bad header"),
      ("dtype.npy", npy("{'descr': '<i4', 'fortran_order': False, 'shape': (2, 3), }", six), "unsupported dtype '<i4'"),
      (
        "trunc.npy", npy("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }", Array(six.prefix(40))),
        "truncated data"
      ),
      ("rank.npy", npy("{'descr': '<f8', 'fortran_order': False, 'shape': (6,), }", six), "wrong rank"),
      ("cell.csv", Array("1,2\n3,x\n".utf8), "line 2, column 2: 'x' is not a number"),
      ("nan.csv", Array("1,2\nnan,3\n".utf8), "line 2, column 1"),
      (
        "nan.npy",
        npy(
          "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }",
          Array(six.prefix(40)) + [0, 0, 0, 0, 0, 0, 0xF8, 0x7F]), "row 1, column 2 (0-based) is NaN"
      ),
    ]
    for (name, bytes, fragment) in cases {
      let path = writeBytes(name, bytes)
      let output = dir + "/out-\(name).csv"
      let r = try eval(["--input", path, "--output", output])
      #expect(r.exitCode == 1, "\(name): exit \(r.exitCode) \(r.standardError)")
      #expect(
        r.standardError.hasPrefix("Error: \(path): ") && r.standardError.contains(fragment),
        "\(name): \(r.standardError)")
      #expect(!FileManager.default.fileExists(atPath: output), "\(name) left an output file")
    }
    let missing = try eval(["--input", dir + "/missing.npy"])
    #expect(missing.exitCode == 1 && missing.standardError.contains("missing.npy: cannot open"))
  }

  @Test func undefinedEstimatesAreRefusedWithoutWritingOutputUnderStrict() throws {
    // One row has a single non-zero weight: JVI of order 3 is NaN there by definition.
    let input = write("nan.csv", "0,1,2,3,4\n-inf,-inf,-inf,-inf,5\n")
    let output = dir + "/never.csv"
    let r = try eval(["--input", input, "--order", "3", "--output", output, "--strict"])
    #expect(r.exitCode == 1)
    #expect(r.standardError.contains("instance 1") && r.standardError.contains("undefined"))
    #expect(!FileManager.default.fileExists(atPath: output))
    // Order 1 gives +inf there, the same artefact: refused under --strict too.
    let inf = try eval(["--input", input, "--order", "1", "--per-instance", "--output", output, "--strict"])
    #expect(inf.exitCode == 1 && inf.standardError.contains("1 non-zero weight"))
    #expect(!FileManager.default.fileExists(atPath: output))
  }

  @Test func undefinedInstancesAreReportedAndLeftOutByDefault() throws {
    let input = write("nan.csv", "0,1,2,3,4\n-inf,-inf,-inf,-inf,5\n1,2,3,4,5\n")
    let output = dir + "/per-instance.csv"
    let r = try eval(["--input", input, "--order", "1", "--per-instance", "--output", output])
    #expect(r.exitCode == 0, "\(r.standardError)")
    #expect(r.standardError.contains("jvi of order 1 is undefined for 1 of 3 instances (0-based: 1)"))
    #expect(r.standardError.contains("1 non-zero weight"))
    let lines = try String(contentsOfFile: output, encoding: .utf8).split(
      separator: "\n", omittingEmptySubsequences: false)
    #expect(lines[2] == "1,jvi,1,5," && !lines.contains { $0.contains("nan") || $0.contains("inf") })
    // The summary averages the two defined instances.
    let summary = try eval(["--input", input, "--order", "1"])
    #expect(summary.standardOutput.split(separator: "\n")[1].hasPrefix("jvi,1,5,2,"))
    // PSIS on K < 21: every instance is undefined (the tail has fewer than 5 points); n = 0 and
    // mean and std_error are empty, never NaN.
    let psis = try eval(["--input", input, "--estimator", "psis"])
    #expect(psis.exitCode == 0 && psis.standardOutput.split(separator: "\n")[1] == "psis,0,5,0,,")
    #expect(psis.standardError.contains("PSIS needs at least 5"))
  }

  @Test func diagnosticsPerInstanceAndSummary() throws {
    // 2 instances x 1000 log-normal weights, and one with a dominant weight.
    let m = SyntheticWeightLaw.logNormal(mu: -90, sigma: 1.5).sample(rows: 2, columns: 1000, seed: 2)
    var values = m.values
    values[1000] += 40
    let path = writeBytes("d.npy", try LogWeightMatrix(rowCount: 2, columnCount: 1000, values: values).npyBytes())
    let r = try eval(["--input", path, "--diagnostics", "--per-instance"])
    #expect(r.exitCode == 0, "\(r.standardError)")
    let lines = r.standardOutput.split(separator: "\n")
    #expect(lines[0] == "instance,k,ess,max_weight,pareto_k,psis_ess,jackknife_bias,jackknife_variance")
    let second = lines[2].split(separator: ",").map(String.init)
    #expect(second[1] == "1000" && Double(second[3])! > 0.99 && Double(second[4])! > 0.7)
    // The jackknife's bias estimate is IWAE − JVI-1.
    let iwae = try eval(["--input", path, "--estimator", "iwae", "--per-instance"])
    let jvi = try eval(["--input", path, "--estimator", "jvi", "--per-instance"])
    let i0 = Double(iwae.standardOutput.split(separator: "\n")[1].split(separator: ",")[4])!
    let j0 = Double(jvi.standardOutput.split(separator: "\n")[1].split(separator: ",")[4])!
    let bias = Double(lines[1].split(separator: ",")[6])!
    #expect(abs(bias - (i0 - j0)) <= 1e-12 * max(1, abs(i0)))
    let summary = try eval(["--input", path, "--diagnostics"])
    let s = summary.standardOutput.split(separator: "\n")
    #expect(s[0].hasPrefix("k,n,mean_ess,mean_max_weight,share_pareto_k_above_0.7,pareto_k_threshold"))
    let f = s[1].split(separator: ",").map(String.init)
    #expect(f[0] == "1000" && f[1] == "2" && f[4] == "0.5" && abs(Double(f[5])! - (1 - 1 / 3.0)) <= 1e-15)
    // Short rows: the tail has fewer than 5 points, so pareto_k is inf.
    let short = try eval(["--input", write("s.csv", "0,1,2,3\n"), "--diagnostics", "--per-instance"])
    #expect(short.standardOutput.split(separator: "\n")[1].split(separator: ",")[4] == "inf")
    // Estimator options do not go with --diagnostics.
    #expect(try eval(["--input", path, "--diagnostics", "--alpha", "2"]).exitCode == 64)
  }

  @Test func familyEstimatorsAndTheirParameters() throws {
    let path = write("f.csv", "0,1,2,3,4,5,6,7\n-1,-2,-3,-4,-5,-6,-7,-8\n")
    let r = try eval(["--input", path, "--estimator", "family", "--alpha", "-1", "--partitions", "3"])
    #expect(r.exitCode == 0, "\(r.standardError)")
    let names = r.standardOutput.split(separator: "\n").dropFirst().map { String($0.split(separator: ",")[0]) }
    #expect(
      names == ["elbo-a", "iwae", "jvi", "delta", "psis", "vr", "vr-max", "ciwae", "sumo", "mlmc", "tvo", "tvo-upper"])
    #expect(r.standardError.contains("sumo: the drawn truncation"))
    for (args, fragment) in [
      (["--estimator", "iwae", "--alpha", "2"], "--alpha applies to the vr estimator, not iwae"),
      (["--estimator", "jvi", "--beta", "0.5"], "--beta applies to the ciwae estimator"),
      (["--estimator", "ciwae", "--beta", "2"], "invalid value '2' for --beta"),
      (["--estimator", "all", "--partitions", "3"], "--partitions applies to the tvo and tvo-upper estimators"),
      (["--estimator", "sumo", "--min-terms", "8"], "sumo needs at least 9 samples per estimate"),
    ] {
      let e = try eval(["--input", path] + args)
      #expect(e.exitCode == 64, "\(args)")
      #expect(e.standardError.contains(fragment), "\(args): \(e.standardError)")
    }
  }

  @Test func rowsThatCannotBeCertifiedAreRefusedNamingTheRow() throws {
    // Order 10 on 256 heavy-tailed weights: the terms cancel beyond double-double.
    let m = SyntheticWeightLaw.logNormal(mu: -90, sigma: 5).sample(rows: 1, columns: 256, seed: 5)
    let path = writeBytes("hopeless.npy", m.npyBytes())
    let output = dir + "/hopeless.csv"
    let r = try eval(["--input", path, "--order", "10", "--output", output, "--strict"])
    #expect(r.exitCode == 1)
    #expect(
      r.standardError.contains("instance 0 (0-based)") && r.standardError.contains("cannot be computed accurately"))
    #expect(!FileManager.default.fileExists(atPath: output))
    // Order 6 is certified and printed.
    #expect(try eval(["--input", path, "--order", "6"]).exitCode == 0)
  }

  /// A matrix far larger than the memory the process may use: an 800 MB `.npy` (a sparse file:
  /// every log-weight 0) evaluated under a 400 MB address-space limit (prlimit --as), summary,
  /// per-instance output and diagnostics, read a block of rows at a time.
  @Test func aMatrixLargerThanTheMemoryLimitIsEvaluatedInBlocks() throws {
    let n = 100_000, k = 1_000
    let path = dir + "/sparse.npy"
    let header = NPYArray.float64Header(shape: [n, k])
    _ = FileManager.default.createFile(atPath: path, contents: Data(header))
    let handle = try #require(FileHandle(forWritingAtPath: path))
    try handle.truncate(atOffset: UInt64(header.count + n * k * 8))
    try handle.close()
    defer { try? FileManager.default.removeItem(atPath: path) }
    let limit = "/usr/bin/prlimit"
    guard FileManager.default.isExecutableFile(atPath: limit) else {
      print("skipped: \(limit) (util-linux) is not installed; cannot limit the address space")
      return
    }
    func limited(_ args: [String]) throws -> ToolRun {
      try ToolRun.runProgram(limit, ["--as=\(400 << 20)", ToolRun.productsDirectory.path + "/jvi-eval"] + args)
    }
    let r = try limited(["--input", path, "--estimator", "jvi", "--order", "2"])
    #expect(r.exitCode == 0, "\(r.standardError)")
    #expect(r.standardOutput == "estimator,order,k,n,mean,std_error\njvi,2,1000,100000,0.0,0.0\n")
    let output = dir + "/per-instance.csv"
    let p = try limited(["--input", path, "--estimator", "iwae", "--per-instance", "--output", output])
    #expect(p.exitCode == 0, "\(p.standardError)")
    let lines = try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n")
    #expect(lines.count == n + 1 && lines[n] == "\(n - 1),iwae,0,1000,0.0")
    let d = try limited(["--input", path, "--diagnostics"])
    #expect(d.exitCode == 0 && d.standardOutput.contains("\n1000,100000,1000.0,"), "\(d.standardOutput)")
  }

  /// --gradient-weights: G[n, i] = ∂ estimate_n/∂ log w_{n,i} for iwae, jvi and vr, against central
  /// differences of the estimator itself; rows sum to 1; an all −∞ row and a row whose JVI is
  /// undefined are zeros (and named); the file has the input's shape.
  @Test func gradientWeightsAreTheEstimatesDerivatives() throws {
    let rows: [[Double]] = [
      [-1, -2.5, 0.3, -0.7, -4, 1.2], [5, 5.5, 4, 6, 5.2, 4.9],
      [-Double.infinity, -.infinity, -.infinity, -.infinity, -.infinity, -.infinity],
      [0, -.infinity, -.infinity, -.infinity, -.infinity, -.infinity],
    ]
    let path = writeBytes("g-in.npy", NPYArray.float64Bytes(shape: [4, 6], values: rows.flatMap { $0 }))
    let cases: [([String], any BoundEstimator, Int)] = [
      (["--estimator", "iwae"], try IWAE(), 6), (["--estimator", "jvi", "--order", "2"], try Jackknife(order: 2), 6),
      (["--estimator", "jvi", "--order", "1", "--k", "3"], try Jackknife(order: 1, k: 3), 3),
      (["--estimator", "vr", "--alpha", "-0.5"], try RenyiBound(alpha: -0.5), 6),
    ]
    for (args, estimator, _) in cases {
      let out = dir + "/g.npy"
      let r = try eval(["--input", path, "--gradient-weights", out] + args)
      #expect(r.exitCode == 0, "\(args): \(r.standardError)")
      let g = try NPYArray(bytes: [UInt8](try Data(contentsOf: URL(fileURLWithPath: out))), source: out)
      #expect(g.shape == [4, 6])
      for n in 0..<2 {
        let row = Array(g.values[(n * 6)..<(n * 6 + 6)])
        #expect(abs(row.reduce(0, +) - 1) <= 1e-12, "\(args) row \(n) sums to \(row.reduce(0, +))")
        for i in 0..<6 {
          func value(_ v: Double) throws -> Double {
            var x = rows[n]
            x[i] = v
            let m = try LogWeightMatrix(rows: [x])
            return try estimator.evaluate(m, workspace: EstimatorWorkspace()).estimates[0]
          }
          let h = 1e-5
          let numeric = (try value(rows[n][i] + h) - value(rows[n][i] - h)) / (2 * h)
          #expect(abs(row[i] - numeric) <= 1e-7, "\(args) row \(n) column \(i): \(row[i]) vs \(numeric)")
        }
      }
      #expect(g.values[12..<18].allSatisfy { $0 == 0 }, "\(args): the all −∞ row")
      if args.contains("2") && args.contains("jvi") {
        #expect(
          g.values[18..<24].allSatisfy { $0 == 0 } && r.standardError.contains("(0-based: 3)"), "\(r.standardError)")
      }
      #expect(!g.values.contains { $0.isNaN })
    }
    let psis = try eval(["--input", path, "--estimator", "psis", "--gradient-weights", dir + "/x.npy"])
    #expect(psis.exitCode == 64 && psis.standardError.contains("applies to --estimator iwae, jvi or vr"))
    let csv = try eval(["--input", path, "--estimator", "iwae", "--gradient-weights", dir + "/x.csv"])
    #expect(csv.exitCode == 64 && csv.standardError.contains("writes a .npy file"))
  }
}
