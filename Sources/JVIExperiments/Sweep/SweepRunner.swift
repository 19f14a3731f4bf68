import JVICore
import JVIModels

/// How to run a sweep: where, with how many threads, which shard, new or resumed.
public struct SweepOptions: Sendable {
  public static let defaultResultsDirectory = "results"
  public static let defaultBootstrapResamples = 2000

  public var runID: String
  public var resultsDirectory: String = SweepOptions.defaultResultsDirectory
  public var threads: Int = 1
  public var shard: ShardSelection? = nil
  /// Continue `runID`: skip the cells its CSV already has.
  public var resume: Bool = false
  public var commandLine: [String] = []
  public var bootstrapResamples: Int = SweepOptions.defaultBootstrapResamples
  /// Stop after computing this many new cells (tests simulate an interruption with it).
  public var maximumNewCells: Int? = nil

  public init(runID: String) { self.runID = runID }
}

/// What a sweep wrote.
public struct SweepOutcome: Sendable {
  public var csvPath: String
  public var intervalsPath: String
  public var manifestPath: String
  public var referencePath: String
  /// Nil for a shard (the figure comes with `--merge`).
  public var figurePath: String?
  public var cellsComputed: Int
  public var cellsAlreadyDone: Int
  public var cellsInShard: Int
  public var complete: Bool { cellsComputed + cellsAlreadyDone == cellsInShard }
}

/// Runs the cells of an experiment and writes results/<experiment>/<run>.{csv, intervals.csv,
/// reference.csv, manifest.json, svg}.
///
/// Every file is replaced atomically (temporary file + rename) after each cell, so an interrupted
/// sweep leaves whole rows only, and `--resume` continues from the last finished cell: the draws
/// are regenerated from the seed, the rows already written are kept, no row is lost or
/// duplicated. Cells run in plan order; a shard takes every N-th cell.
public final class SweepRunner {
  public let plan: SweepPlan
  public let options: SweepOptions
  let experimentPath: String
  let experimentText: String
  let report: (String) -> Void

  public init(
    experimentPath: String, experimentText: String, plan: SweepPlan, options: SweepOptions,
    report: @escaping (String) -> Void = { _ in }
  ) {
    self.plan = plan
    self.options = options
    self.experimentPath = experimentPath
    self.experimentText = experimentText
    self.report = report
  }

  var directory: String { options.resultsDirectory + "/" + plan.experiment.name }
  var base: String { directory + "/" + options.runID + (options.shard?.fileSuffix ?? "") }

  public func run() throws -> SweepOutcome {
    let start = monotonicSeconds()
    let startTime = RunEnvironment.utcTimestamp()
    let experiment = plan.experiment
    let cells = plan.cells(shard: options.shard)
    let csvPath = base + ".csv", intervalsPath = base + ".intervals.csv"
    let manifestPath = base + ".manifest.json"

    // Everything that can be checked is checked before the first file is written.
    var rows: [SweepRow] = []
    var intervals: [IntervalRow] = []
    var manifest = SweepManifest(
      experimentPath: experimentPath, experimentText: experimentText, plan: plan, options: options,
      startTime: startTime)
    if options.resume {
      guard FileIO.exists(manifestPath), FileIO.exists(csvPath) else {
        throw SweepError("there is no run '\(options.runID)' to resume: \(csvPath) or \(manifestPath) is missing")
      }
      let old = try FileIO.readText(manifestPath)
      try manifest.continuing(old, path: manifestPath)
      rows = try Self.readRows(csvPath)
      intervals = FileIO.exists(intervalsPath) ? try Self.readIntervals(intervalsPath) : []
      let planned = Set(cells.map(CellKey.init))
      var seen = Set<CellKey>()
      for r in rows {
        guard planned.contains(r.key), seen.insert(r.key).inserted else {
          throw SweepError("\(csvPath): cell \(r.key) does not belong to this experiment or appears twice")
        }
      }
      // An interval written just before an interruption, for a row that was not: dropped, recomputed.
      intervals = intervals.filter { seen.contains($0.key) }
    } else if FileIO.exists(csvPath) || FileIO.exists(manifestPath) {
      throw SweepError(
        "run '\(options.runID)' of \(experiment.name) already exists (\(csvPath)); continue it with "
          + "--resume \(options.runID) or choose another --run-id")
    }
    report("building \(experiment.model.kind) log-weights for \(experiment.instances) instances")
    let source = try experiment.model.makeSource(instances: experiment.instances)
    if experiment.estimators.contains(.elboAnalyticKL) && !source.providesAnalyticKL {
      throw SweepError(
        "elbo-b needs log p(x|z) and an analytic KL, which \(source.name) does not provide; remove it from estimators")
    }
    if experiment.reference == .exact && source.exactLogEvidence(rows: 0..<1) == nil {
      throw SweepError("\(source.name) has no exact log p(x); use reference = jvi-1 or iwae")
    }
    let labels = Self.labels(experiment.model, source)
    manifest.model = labels.model
    manifest.dataset = labels.dataset

    let done = Set(rows.map(\.key))
    let pending = cells.filter { !done.contains(CellKey($0)) }
    try FileIO.createDirectories(directory)
    try FileIO.writeAtomically(manifest.json.text() + "\n", to: manifestPath)
    try Self.write(rows: rows, to: csvPath)
    try Self.write(intervals: intervals, to: intervalsPath)
    do {
      return try compute(
        pending: pending, cells: cells, rows: rows, intervals: intervals, manifest: manifest, source: source,
        labels: labels, start: start)
    } catch {
      manifest.fail(endTime: RunEnvironment.utcTimestamp(), message: "\(error)")
      try? FileIO.writeAtomically(manifest.json.text() + "\n", to: manifestPath)
      throw error
    }
  }

  /// The reference, the draws and the pending cells, after the files are in place.
  func compute(
    pending: [SweepPlan.Cell], cells: [SweepPlan.Cell], rows initialRows: [SweepRow],
    intervals initialIntervals: [IntervalRow],
    manifest initialManifest: SweepManifest, source: any LogWeightSource, labels: (model: String, dataset: String),
    start: Double
  ) throws -> SweepOutcome {
    let experiment = plan.experiment
    let csvPath = base + ".csv", intervalsPath = base + ".intervals.csv"
    let manifestPath = base + ".manifest.json", referencePath = base + ".reference.csv"
    var rows = initialRows, intervals = initialIntervals, manifest = initialManifest
    let alreadyDone = rows.count

    // The reference: exact, or sampled on separate columns (kept in <run>.reference.csv for resumes).
    let referenceStart = monotonicSeconds()
    let reference: ReferenceEvidence
    if options.resume, FileIO.exists(referencePath) {
      reference = try Self.readReference(
        referencePath, count: experiment.instances, kind: experiment.reference,
        samples: experiment.reference == .exact ? nil : experiment.referenceSamples)
      report("reference: read \(referencePath)")
    } else if experiment.reference == .exact {
      reference = try ReferenceEvidence.exact(source)
    } else if experiment.reference == .ais, let settings = experiment.ais {
      let chains = experiment.referenceSamples
      report("reference: \(settings), \(chains) chains for each instance")
      reference = try ReferenceEvidence.annealed(
        try Self.annealableModel(source), settings: settings, chains: chains, seed: plan.referenceSeed,
        threads: options.threads, progress: referenceProgress())
    } else {
      let kRef = experiment.referenceSamples
      report("reference: \(experiment.reference.rawValue) of \(kRef) separate samples for each instance")
      reference = try ReferenceEvidence.sampled(
        source, kind: experiment.reference, samples: kRef, seed: plan.referenceSeed, threads: options.threads,
        progress: referenceProgress())
    }
    try FileIO.writeAtomically(reference.csv, to: referencePath)
    manifest.reference = reference
    manifest.referenceSeconds = monotonicSeconds() - referenceStart

    var computed = 0
    if !pending.isEmpty {
      let drawStart = monotonicSeconds()
      let needsLikelihood = experiment.estimators.contains(.elboAnalyticKL)
      report(
        "drawing \(experiment.replicateSets) replicate sets of \(experiment.instances) x "
          + "\(experiment.maximumSampleCount) log-weights")
      let draws = try ReplicateDraws(
        source: source, plan: plan, keepLikelihood: needsLikelihood, threads: options.threads
      ) { s, total in
        self.report("drawn replicate set \(s)/\(total), \(DurationText.format(monotonicSeconds() - drawStart))")
      }
      manifest.drawSeconds = monotonicSeconds() - drawStart
      let cellStart = monotonicSeconds()
      for cell in pending {
        if let limit = options.maximumNewCells, computed >= limit { break }
        let t0 = monotonicSeconds()
        let (row, interval) = try evaluate(cell, draws: draws, reference: reference, labels: labels)
        var timed = row
        timed.seconds = monotonicSeconds() - t0
        intervals.append(interval)
        try Self.write(intervals: intervals, to: intervalsPath)
        rows.append(timed)
        try Self.write(rows: rows, to: csvPath)
        computed += 1
        report(
          "cell \(rows.count)/\(cells.count) (\(CellKey(cell))) done; "
            + Self.elapsedAndETA(since: cellStart, done: computed, remaining: pending.count - computed))
      }
      manifest.cellSeconds = monotonicSeconds() - cellStart
    }

    var figurePath: String? = nil
    let complete = rows.count == cells.count
    if complete && options.shard == nil {
      let path = base + ".svg"
      try FileIO.writeAtomically(Self.figure(rows: rows, plan: plan, labels: labels).svg, to: path)
      figurePath = path
    }
    manifest.finish(
      endTime: RunEnvironment.utcTimestamp(), seconds: monotonicSeconds() - start, computed: computed,
      alreadyDone: alreadyDone, complete: complete)
    try FileIO.writeAtomically(manifest.json.text() + "\n", to: manifestPath)
    return SweepOutcome(
      csvPath: csvPath, intervalsPath: intervalsPath, manifestPath: manifestPath, referencePath: referencePath,
      figurePath: figurePath, cellsComputed: computed, cellsAlreadyDone: alreadyDone, cellsInShard: cells.count)
  }

  /// One cell: replicate estimates, statistics, bootstrap interval.
  func evaluate(
    _ cell: SweepPlan.Cell, draws: ReplicateDraws, reference: ReferenceEvidence,
    labels: (model: String, dataset: String)
  ) throws(SweepError) -> (SweepRow, IntervalRow) {
    let estimates = try draws.estimates(
      of: cell.estimator, k: cell.k, threads: options.threads, seeds: { [plan] in plan.estimatorSeed($0) })
    let r = draws.replicates(k: cell.k)
    return estimates.withUnsafeBufferPointer { e in
      let statistics = CellStatistics(
        estimates: e, replicates: r, reference: reference.values, referenceVariance: reference.variances)
      let interval = BiasBootstrap.interval(
        estimates: e, replicates: r, reference: reference.values, referenceVariance: reference.variances,
        resamples: options.bootstrapResamples, seed: plan.bootstrapSeed, stream: UInt64(cell.index),
        threads: options.threads)
      let key = CellKey(cell)
      return (
        SweepRow(
          model: labels.model, dataset: labels.dataset, estimator: key.estimator, order: key.order, k: key.k,
          statistics: statistics, seconds: 0),
        IntervalRow(key: key, level: 0.95, lower: interval.lower, upper: interval.upper)
      )
    }
  }

  /// The CSV `model` and `dataset` labels (commas would break the CSV: replaced by semicolons).
  static func labels(_ model: ModelSpecification, _ source: any LogWeightSource) -> (model: String, dataset: String) {
    let dataset: String
    switch model {
    case .linearGaussian(_, _, _, let dataSeed, _): dataset = "draws-from-the-model data-seed=\(dataSeed)"
    case .law: dataset = "iid-weights"
    case .checkpoint(let path, let directory, let split, _):
      let c = (try? Checkpoint(contentsOf: path))?.configuration
      let folder = directory ?? c?.dataDirectory ?? "data"
      let name = folder.split(separator: "/").last.map(String.init) ?? folder
      switch c?.model {
      case .bbbRegression?:
        let curve = c!.bayes.curve
        dataset = "regression-curve points=\(curve.points) noise=\(curve.noiseSD) seed=\(curve.seed) (replicates)"
      case .bbbClassifier?: dataset = "\(name) train (replicates)"
      default: dataset = "\(name) \(split.rawValue)"
      }
    }
    func clean(_ s: String) -> String { String(s.map { $0 == "," ? ";" : $0 }) }
    var label = source.name
    switch model {
    case .law(.logNormal(let mu, let sigma)): label = "log-normal mu=\(compact(mu)) sigma=\(compact(sigma))"
    case .law(.gamma(let a, let theta)): label = "gamma shape=\(compact(a)) scale=\(compact(theta))"
    default: break
    }
    return (clean(label), clean(dataset))
  }

  /// The model behind a sweep's source, when AIS can run on it.
  static func annealableModel(_ source: any LogWeightSource) throws -> any AnnealableModel {
    if let model = source as? any AnnealableModel { return model }
    if let model = (source as? CheckpointLogWeightSource)?.base as? any AnnealableModel { return model }
    throw SweepError(
      "\(source.name) has no AIS target (a prior and a differentiable log p(x|z)); reference = ais runs on "
        + "gaussian-vae checkpoints and linear-gaussian")
  }

  static func figure(rows: [SweepRow], plan: SweepPlan, labels: (model: String, dataset: String)) -> SweepFigure {
    let e = plan.experiment
    var reference =
      e.reference == .exact ? "exact log p(x)" : "reference \(e.reference.rawValue) of \(e.referenceSamples) samples"
    if let ais = e.ais {
      reference =
        "reference AIS (\(ais.temperatures) temperatures from the \(ais.start.rawValue), \(e.referenceSamples) chains)"
    }
    return SweepFigure(
      title: "\(e.name) \u{2014} \(labels.model)",
      subtitle:
        "\(labels.dataset), N = \(e.instances) instances, \(e.replicateSets) replicate sets of K_max = "
        + "\(e.maximumSampleCount), \(reference), seed \(e.seed)",
      rows: rows)
  }

  /// The reference's progress report, "reference: done/total instances, … elapsed, ETA …", timed
  /// from the call.
  func referenceProgress() -> (Int, Int) -> Void {
    let start = monotonicSeconds()
    return { done, total in
      self.report(
        "reference: \(done)/\(total) instances, "
          + Self.elapsedAndETA(since: start, done: done, remaining: total - done))
    }
  }

  /// "… elapsed, ETA …" for `done` units of work finished since `start`, `remaining` to go.
  static func elapsedAndETA(since start: Double, done: Int, remaining: Int) -> String {
    let elapsed = monotonicSeconds() - start
    return
      "\(DurationText.format(elapsed)) elapsed, ETA \(DurationText.format(elapsed / Double(done) * Double(remaining)))"
  }
}
