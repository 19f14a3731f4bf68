import Foundation
import JVICore
import Testing

@testable import JVIExperiments

/// The sweep runner's contract: deterministic for any thread count, resumable without losing or
/// duplicating a row, shardable and mergeable, and strict about what it will overwrite.
@Suite struct SweepRunnerTests {
  static let text = """
    # A small, fast sweep.
    model = log-normal
    sigma = 1.2
    instances = 60
    k = 1 2 4 8 16 32 64
    estimators = elbo-a iwae jvi-1 jvi-2 delta
    replicate-sets = 3
    seed = 5
    """

  static func options(_ directory: String, runID: String = "r", threads: Int = 2) -> SweepOptions {
    var o = SweepOptions(runID: runID)
    o.resultsDirectory = directory
    o.threads = threads
    o.bootstrapResamples = 300
    return o
  }

  static func runner(_ options: SweepOptions, text: String = text) throws -> SweepRunner {
    SweepRunner(
      experimentPath: "experiments/small.experiment", experimentText: text, plan: try plan(text, name: "small"),
      options: options)
  }

  /// The CSV without its `seconds` column (the only field that may differ between runs).
  static func withoutSeconds(_ path: String) throws -> [String] {
    try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map {
      $0.split(separator: ",", omittingEmptySubsequences: false).dropLast().joined(separator: ",")
    }
  }

  @Test func resultsDoNotDependOnTheThreadCount() throws {
    let d = temporaryDirectory()
    let one = try Self.runner(Self.options(d, runID: "one", threads: 1)).run()
    let two = try Self.runner(Self.options(d, runID: "two", threads: 2)).run()
    #expect(try Self.withoutSeconds(one.csvPath) == Self.withoutSeconds(two.csvPath))
    #expect(
      try String(contentsOfFile: one.intervalsPath, encoding: .utf8)
        == String(contentsOfFile: two.intervalsPath, encoding: .utf8))
    let rows = try SweepRunner.readRows(one.csvPath)
    // 7 K for elbo-a and iwae, 6 for jvi-1 and delta (K ≥ 2), 5 for jvi-2 (K ≥ 3).
    #expect(rows.count == 7 + 7 + 6 + 5 + 6)
    #expect(rows.allSatisfy { $0.statistics.replicates == 3 * (64 / $0.k) && $0.statistics.instances == 60 })
    #expect(!(try String(contentsOfFile: one.csvPath, encoding: .utf8)).contains("nan"))
    let svg = try String(contentsOfFile: try #require(one.figurePath), encoding: .utf8)
    #expect(svg.hasPrefix("<svg") && svg.contains("jvi-2") && svg.contains("delta") && !svg.contains("nan"))
    let manifest = try String(contentsOfFile: one.manifestPath, encoding: .utf8)
    for field in [
      "\"status\": \"complete\"", "\"seed\": \"5\"", "\"build_configuration\"", "\"swift_version\"",
      "\"git_revision\"", "\"start_time\"", "\"end_time\": \"", "\"command_line\"",
    ] {
      #expect(manifest.contains(field), "manifest lacks \(field)")
    }
  }

  @Test func anInterruptedSweepResumesWithoutLosingOrRepeatingARow() throws {
    let d = temporaryDirectory()
    let whole = try Self.runner(Self.options(d, runID: "whole")).run()
    var first = Self.options(d, runID: "cut")
    first.maximumNewCells = 9
    let partial = try Self.runner(first).run()
    #expect(!partial.complete && partial.figurePath == nil)
    #expect(try SweepRunner.readRows(partial.csvPath).count == 9)
    #expect(try String(contentsOfFile: partial.manifestPath, encoding: .utf8).contains("\"status\": \"incomplete\""))
    var again = Self.options(d, runID: "cut")
    again.resume = true
    let resumed = try Self.runner(again).run()
    #expect(resumed.complete && resumed.cellsAlreadyDone == 9 && resumed.cellsComputed == 31 - 9)
    #expect(try Self.withoutSeconds(resumed.csvPath) == Self.withoutSeconds(whole.csvPath))
    #expect(
      try String(contentsOfFile: resumed.intervalsPath, encoding: .utf8)
        == String(contentsOfFile: whole.intervalsPath, encoding: .utf8))
    let manifest = try String(contentsOfFile: resumed.manifestPath, encoding: .utf8)
    #expect(manifest.contains("\"resumed_at\": [\"") && manifest.contains("\"kept_from_before\": 9"))
    // Resuming a finished run computes nothing.
    let idle = try Self.runner(again).run()
    #expect(idle.cellsComputed == 0 && idle.complete)
    #expect(try Self.withoutSeconds(idle.csvPath) == Self.withoutSeconds(whole.csvPath))
  }

  @Test func resumingRefusesAChangedExperimentAndANewRunRefusesToOverwrite() throws {
    let d = temporaryDirectory()
    _ = try Self.runner(Self.options(d)).run()
    #expect(throws: SweepError.self) { try Self.runner(Self.options(d)).run() }
    var resume = Self.options(d)
    resume.resume = true
    let changed = Self.text.replacingOccurrences(of: "seed = 5", with: "seed = 6")
    let error = #expect(throws: SweepError.self) { try Self.runner(resume, text: changed).run() }
    #expect(error?.message.contains("has changed since run 'r'") == true)
    var missing = Self.options(d, runID: "nope")
    missing.resume = true
    #expect(throws: SweepError.self) { try Self.runner(missing).run() }
  }

  @Test(arguments: [1, 3, 7])
  func shardsOfInstancesMergeIntoTheUnshardedResult(count: Int) throws {
    let d = temporaryDirectory()
    let whole = try Self.runner(Self.options(d, runID: "whole")).run()
    let p = try plan(Self.text, name: "small")
    for i in 1...count {
      var o = Self.options(d, runID: "split", threads: i % 2 + 1)
      o.shard = ShardSelection(index: i, count: count)
      let outcome = try Self.runner(o).run()
      #expect(outcome.figurePath == nil && outcome.complete)
      let manifest = try String(contentsOfFile: outcome.manifestPath, encoding: .utf8)
      let block = p.instances(shard: o.shard)
      #expect(manifest.contains("\"first\": \(block.lowerBound)") && manifest.contains("\"end\": \(block.upperBound)"))
      if i == count - 1 {
        // All but the last shard: the merge names the missing one.
        let error = #expect(throws: SweepError.self) {
          try ShardMerge.merge(plan: p, experimentText: Self.text, runID: "split", resultsDirectory: d)
        }
        #expect(error?.message.contains("shard \(count) of \(count) is missing") == true)
      }
    }
    let merged = try ShardMerge.merge(plan: p, experimentText: Self.text, runID: "split", resultsDirectory: d)
    #expect(merged.shards == count)
    #expect(try Self.withoutSeconds(merged.csvPath) == Self.withoutSeconds(whole.csvPath))
    for suffix in [".intervals.csv", ".reference.csv"] {
      #expect(
        try String(contentsOfFile: d + "/small/split" + suffix, encoding: .utf8)
          == String(contentsOfFile: d + "/small/whole" + suffix, encoding: .utf8), "\(suffix)")
    }
    #expect(try String(contentsOfFile: merged.figurePath, encoding: .utf8).contains("split across \(count) shards"))
    #expect(try String(contentsOfFile: merged.manifestPath, encoding: .utf8).contains("\"shard_layout\""))
  }

  @Test func aKilledShardResumesAloneAndTheMergeRefusesForeignShards() throws {
    let d = temporaryDirectory()
    let whole = try Self.runner(Self.options(d, runID: "whole")).run()
    let p = try plan(Self.text, name: "small")
    for i in 1...2 {
      var o = Self.options(d, runID: "s")
      o.shard = ShardSelection(index: i, count: 2)
      if i == 2 { o.maximumNewCells = 11 }
      _ = try Self.runner(o).run()
    }
    // Shard 2 stopped after 11 cells: the merge says it is not complete.
    let incomplete = #expect(throws: SweepError.self) {
      try ShardMerge.merge(plan: p, experimentText: Self.text, runID: "s", resultsDirectory: d)
    }
    #expect(incomplete?.message.contains("shard 2 (") == true && incomplete?.message.contains("--resume") == true)
    var again = Self.options(d, runID: "s")
    again.shard = ShardSelection(index: 2, count: 2)
    again.resume = true
    let resumed = try Self.runner(again).run()
    #expect(resumed.cellsAlreadyDone == 11 && resumed.cellsComputed == 31 - 11 && resumed.complete)
    let merged = try ShardMerge.merge(plan: p, experimentText: Self.text, runID: "s", resultsDirectory: d)
    #expect(try Self.withoutSeconds(merged.csvPath) == Self.withoutSeconds(whole.csvPath))
    // Another experiment file (another seed) cannot be merged with these shards.
    let other = Self.text.replacingOccurrences(of: "seed = 5", with: "seed = 6")
    let foreign = #expect(throws: SweepError.self) {
      try ShardMerge.merge(plan: try plan(other, name: "small"), experimentText: other, runID: "s", resultsDirectory: d)
    }
    #expect(foreign?.message.contains("another experiment file") == true)
    // A missing cell file names the cell and the shard to resume.
    try FileManager.default.removeItem(atPath: d + "/small/s.shard-1-of-2/cells/4.csv")
    let missing = #expect(throws: SweepError.self) {
      try ShardMerge.merge(plan: p, experimentText: Self.text, runID: "s", resultsDirectory: d)
    }
    #expect(missing?.message.contains("is missing from shard 1 of 2") == true)
  }

  /// A source that produces a NaN log-weight is reported with the instance, not written.
  @Test func badLogWeightsStopTheSweepNamingTheInstance() throws {
    struct Broken: LogWeightSource {
      var instanceCount: Int { 4 }
      var name: String { "broken" }
      func logWeights(samples: Int, rows: Range<Int>, seed: UInt64, threads: Int) throws -> LogWeightMatrix {
        var v = [Double](repeating: 0, count: rows.count * samples)
        v[2 * samples + 1] = .nan
        return .trusted(rowCount: rows.count, columnCount: samples, values: v)
      }
    }
    let p = try plan(Self.text.replacingOccurrences(of: "instances = 60", with: "instances = 4"))
    let error = #expect(throws: SweepError.self) {
      try ReplicateDraws(source: Broken(), plan: p, keepLikelihood: false, threads: 1)
    }
    #expect(error?.message.contains("instance 2 (0-based), sample 1") == true)
  }
}

@Suite struct ExperimentFileTests {
  static let good = """
    # comment line
    model = linear-gaussian   # trailing comment
    q-shift = 0.5
    instances = 10
    k = 1 4 16
    estimators = elbo-a elbo-b iwae jvi-2 delta
    replicate-sets = 2
    seed = 3
    """

  @Test func aGoodFileParses() throws {
    let e = try ExperimentSpecification(file: ExperimentFile(path: "experiments/lg.experiment", text: Self.good))
    #expect(e.name == "lg" && e.instances == 10 && e.sampleCounts == [1, 4, 16] && e.replicateSets == 2)
    #expect(e.estimators == [.elboMonteCarlo, .elboAnalyticKL, .iwae, .jackknife(order: 2), .delta])
    #expect(e.reference == .exact)
    guard case .linearGaussian(let d, let dObs, _, _, let q) = e.model else {
      Issue.record("model")
      return
    }
    #expect(d == 3 && dObs == 6 && q.meanShift == 0.5 && q.scale == 1.2)
    // jvi-2 needs K ≥ 3 and delta K ≥ 2: 3 + 3 + 3 + 2 + 2 cells.
    #expect(SweepPlan(e).cells.count == 13)
  }

  @Test(arguments: [
    ("model = linear-gaussian\nsigma = 2\n", "x.experiment:2: option 'sigma': does not apply to model linear-gaussian"),
    ("model = log-normal\nsigmaa = 2\n", "x.experiment:2: option 'sigmaa': unknown option"),
    ("model = log-normal\nk = 1 2\nk = 4\n", "x.experiment:3: option 'k': given twice (first on line 2)"),
    (
      "model = log-normal\nk = 4 2\ninstances = 5\n",
      "x.experiment:2: option 'k': the sample counts must increase; 2 follows 4"
    ),
    (
      "model = log-normal\nk = 1 two\ninstances = 5\n",
      "x.experiment:2: option 'k': expected positive integers, got 'two'"
    ),
    ("model = gamma\nshape = -1\n", "x.experiment:2: option 'shape': expected a positive number, got '-1'"),
    (
      "model = normal\n",
      "x.experiment:1: option 'model': expected one of linear-gaussian, log-normal, gamma, checkpoint"
    ),
    ("just words\n", "x.experiment:1: expected 'key = value', got 'just words'"),
    (
      "model = log-normal\ninstances = 5\nk = 1 2\nestimators = iwae jvi-11\n",
      "x.experiment:4: option 'estimators': unknown estimator 'jvi-11'"
    ),
    (
      "model = log-normal\ninstances = 5\nk = 1 2\nestimators = elbo-b\n",
      "x.experiment:4: option 'estimators': elbo-b needs"
    ),
    (
      "model = log-normal\ninstances = 5\nk = 1 2\nestimators = iwae\nseed = 1\n",
      "x.experiment: option 'replicate-sets': missing"
    ),
    ("model = log-normal\nk = 1 2\n", "x.experiment: option 'instances': missing"),
    (
      "model = checkpoint\ncheckpoint = m.ckpt\nlatent = fuzzy\n",
      "x.experiment:3: option 'latent': expected relaxed or discrete"
    ),
    (
      "model = log-normal\ninstances = 5\nk = 1\nestimators = iwae\nreplicate-sets = 1\n",
      "x.experiment:5: option 'replicate-sets': expected an integer in 2..."
    ),
  ])
  func badFilesNameTheLineAndTheOption(text: String, expected: String) {
    do {
      _ = try ExperimentSpecification(file: ExperimentFile(path: "x.experiment", text: text))
      Issue.record("accepted: \(text)")
    } catch {
      #expect(error.description.hasPrefix(expected), "\(error.description)")
    }
  }

  @Test func inlineModelsParse() throws {
    #expect(
      try ModelSpecification.parse(inline: "gamma:shape=2,scale=3", origin: "--demo-model")
        == .law(.gamma(shape: 2, scale: 3)))
    #expect(
      try ModelSpecification.parse(inline: "log-normal", origin: "--demo-model")
        == .law(.logNormal(mu: 0, sigma: 1)))
    #expect(throws: ExperimentFileError.self) { try ModelSpecification.parse(inline: "gamma:shape", origin: "x") }
    #expect(throws: ExperimentFileError.self) { try ModelSpecification.parse(inline: "gamma:mu=1", origin: "x") }
  }
}

@Suite struct CellStatisticsTests {
  /// Two instances, three replicates, a hand computation of every field.
  @Test func smallCaseByHand() {
    let estimates = [1.0, 2, 3, 10, 10, 13]
    let s = estimates.withUnsafeBufferPointer {
      CellStatistics(estimates: $0, replicates: 3, reference: [2.5, 11], referenceVariance: [0.25, 0])
    }
    // Instance 0: mean 2, s² = 1, bias −0.5; instance 1: mean 11, s² = 3, bias 0.
    #expect(s.mean == 6.5 && s.reference == 6.75 && s.bias == -0.25)
    #expect(s.variance == 2)
    #expect(s.referenceStandardError == 0.25)  // sqrt(0.25 + 0)/2
    // SE²(bias) = (1/3 + 0.25 + 3/3)/4.
    #expect(abs(s.biasStandardError - ((1.0 / 3 + 0.25 + 1) / 4).squareRoot()) < 1e-15)
    // mse_0 = mean((1−2.5)², (2−2.5)², (3−2.5)²) − 0.25 = (2.25 + 0.25 + 0.25)/3 − 0.25; mse_1 = (1+1+4)/3.
    let mse0 = (2.25 + 0.25 + 0.25) / 3 - 0.25, mse1 = 2.0
    #expect(abs(s.meanSquaredError - (mse0 + mse1) / 2) < 1e-15)
    // Var_r of squared errors: instance 0 values (2.25, 0.25, 0.25), instance 1 (1, 1, 4).
    let v0 = ((2.25 - 11.0 / 12) * (2.25 - 11.0 / 12) + 2 * (0.25 - 11.0 / 12) * (0.25 - 11.0 / 12)) / 2
    let seMSE = ((v0 / 3 + 4 * 0.25 * 0.25) + 3.0 / 3).squareRoot() / 2
    #expect(abs(s.meanSquaredErrorStandardError - seMSE) < 1e-14)
  }

  @Test func equalReplicatesHaveNoSpread() {
    let estimates = [Double](repeating: 0.1, count: 40)
    let s = estimates.withUnsafeBufferPointer {
      CellStatistics(
        estimates: $0, replicates: 8, reference: [Double](repeating: 0.3, count: 5),
        referenceVariance: [Double](repeating: 0, count: 5))
    }
    #expect(s.mean == 0.1 && s.reference == 0.3 && s.variance == 0 && s.varianceStandardError == 0)
    #expect(s.biasStandardError == 0)
  }

  /// For many near-normal replicates the percentile interval is bias ± 1.96 SE, whatever the threads.
  @Test func bootstrapIntervalIsNormalForLargeSamples() {
    var g = Xoshiro256StarStar(seed: 4)
    let n = 200, r = 64
    let estimates = (0..<(n * r)).map { _ in Sampling.standardNormal(using: &g) }
    let reference = [Double](repeating: 0, count: n), zero = reference
    let (one, two, stats) = estimates.withUnsafeBufferPointer { e in
      (
        BiasBootstrap.interval(
          estimates: e, replicates: r, reference: reference, referenceVariance: zero,
          seed: 1, stream: 2, threads: 1),
        BiasBootstrap.interval(
          estimates: e, replicates: r, reference: reference, referenceVariance: zero,
          seed: 1, stream: 2, threads: 2),
        CellStatistics(estimates: e, replicates: r, reference: reference, referenceVariance: zero)
      )
    }
    #expect(one == two)
    let halfWidth = (one.upper - one.lower) / 2
    #expect(abs(halfWidth / (1.96 * stats.biasStandardError) - 1) < 0.08)
    #expect(abs((one.upper + one.lower) / 2 - stats.bias) < 0.1 * halfWidth)
  }
}
