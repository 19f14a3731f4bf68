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

  /// Why `id` cannot name a run (it becomes part of file names), or nil: a run ID is letters,
  /// digits, '-', '_' and '.', not starting with '.'.
  public static func runIDProblem(_ id: String) -> String? {
    guard !id.isEmpty, id.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." }),
      !id.hasPrefix(".")
    else {
      return "a run id is letters, digits, '-', '_' and '.', not starting with '.'; got '\(id)'"
    }
    return nil
  }
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
/// reference.csv, manifest.json, svg}; with a shard, the shard's folder instead.
///
/// Every file is replaced atomically (temporary file + rename) after each cell, so an interrupted
/// sweep leaves whole rows only, and `--resume` continues from the last finished cell: the draws
/// are regenerated from the seed, the cells already written are kept, no row is lost or
/// duplicated. Cells run in plan order.
///
/// A shard (`--shard I/N`) takes the block of instances `SweepPlan.instances(shard:)` and computes
/// their reference, their replicate draws and every cell on them, into
/// `<run>.shard-I-of-N/` (`manifest.json`, `reference.csv`, `cells/<index>.csv`, see
/// `CellPartial`); `ShardMerge` joins the N folders into the run's files, bit-identical to a
/// run over all instances with the same seed.
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
  /// The run's files, or the shard's folder.
  var base: String { directory + "/" + options.runID + (options.shard?.fileSuffix ?? "") }
  var instances: Range<Int> { plan.instances(shard: options.shard) }
  var manifestPath: String { options.shard == nil ? base + ".manifest.json" : base + "/manifest.json" }
  var referencePath: String { options.shard == nil ? base + ".reference.csv" : base + "/reference.csv" }
  var csvPath: String { base + ".csv" }
  var intervalsPath: String { base + ".intervals.csv" }
  func cellPath(_ cell: SweepPlan.Cell) -> String { base + "/cells/" + String(cell.index) + ".csv" }

  public func run() throws -> SweepOutcome {
    let start = monotonicSeconds()
    let startTime = RunEnvironment.utcTimestamp()
    let experiment = plan.experiment
    let cells = plan.cells

    // Everything that can be checked is checked before the first file is written.
    var rows: [SweepRow] = []
    var intervals: [IntervalRow] = []
    var done = Set<CellKey>()
    var manifest = SweepManifest(
      experimentPath: experimentPath, experimentText: experimentText, plan: plan, options: options,
      startTime: startTime)
    if options.resume {
      guard FileIO.exists(manifestPath), options.shard != nil || FileIO.exists(csvPath) else {
        throw SweepError(
          "there is no run '\(options.runID)' to resume: \(options.shard == nil ? csvPath : base) or \(manifestPath) "
            + "is missing")
      }
      let old = try FileIO.readText(manifestPath)
      try manifest.continuing(old, path: manifestPath)
      if options.shard == nil {
        rows = try Self.readRows(csvPath)
        intervals = FileIO.exists(intervalsPath) ? try Self.readIntervals(intervalsPath) : []
        let planned = Set(cells.map(CellKey.init))
        for r in rows {
          guard planned.contains(r.key), done.insert(r.key).inserted else {
            throw SweepError("\(csvPath): cell \(r.key) does not belong to this experiment or appears twice")
          }
        }
        // An interval written just before an interruption, for a row that was not: dropped, recomputed.
        intervals = intervals.filter { done.contains($0.key) }
      } else {
        for cell in cells where FileIO.exists(cellPath(cell)) {
          let part = try CellPartial(text: try FileIO.readText(cellPath(cell)), path: cellPath(cell))
          guard part.key == CellKey(cell), part.instances == instances else {
            throw SweepError(
              "\(cellPath(cell)) holds cell \(part.key) of instances \(part.instances), not this shard's")
          }
          done.insert(part.key)
        }
      }
    } else if FileIO.exists(options.shard == nil ? csvPath : base) || FileIO.exists(manifestPath) {
      throw SweepError(
        "run '\(options.runID)' of \(experiment.name) already exists (\(options.shard == nil ? csvPath : base)); "
          + "continue it with --resume \(options.runID) or choose another --run-id")
    }
    report("building \(experiment.model.kind) log-weights for \(experiment.instances) instances")
    let source = try experiment.model.makeSource(instances: experiment.instances)
    if experiment.estimators.contains(where: \.needsAnalyticKLInputs) && !source.providesAnalyticKL {
      throw SweepError(
        "elbo-b needs log p(x|z) and an analytic KL, which \(source.name) does not provide; remove it from estimators")
    }
    if experiment.reference == .exact && source.exactLogEvidence(rows: 0..<1) == nil {
      throw SweepError("\(source.name) has no exact log p(x); use reference = jvi-1 or iwae")
    }
    let labels = Self.labels(experiment.model, source)
    manifest.model = labels.model
    manifest.dataset = labels.dataset
    manifest.instanceBlock = instances

    let pending = cells.filter { !done.contains(CellKey($0)) }
    if options.shard == nil {
      try FileIO.createDirectories(directory)
      try FileIO.writeAtomically(manifest.json.text() + "\n", to: manifestPath)
      try Self.write(rows: rows, to: csvPath)
      try Self.write(intervals: intervals, to: intervalsPath)
    } else {
      try FileIO.createDirectories(base + "/cells")
      try FileIO.writeAtomically(manifest.json.text() + "\n", to: manifestPath)
    }
    do {
      return try compute(
        pending: pending, alreadyDone: done.count, rows: rows, intervals: intervals, manifest: manifest,
        source: source, labels: labels, start: start)
    } catch {
      manifest.fail(endTime: RunEnvironment.utcTimestamp(), message: "\(error)")
      try? FileIO.writeAtomically(manifest.json.text() + "\n", to: manifestPath)
      throw error
    }
  }

  /// The reference, the draws and the pending cells, after the files are in place.
  func compute(
    pending: [SweepPlan.Cell], alreadyDone: Int, rows initialRows: [SweepRow],
    intervals initialIntervals: [IntervalRow],
    manifest initialManifest: SweepManifest, source: any LogWeightSource, labels: (model: String, dataset: String),
    start: Double
  ) throws -> SweepOutcome {
    let experiment = plan.experiment
    var rows = initialRows, intervals = initialIntervals, manifest = initialManifest
    let block = instances

    // The reference of the block's instances: exact, or sampled on separate columns (kept for resumes).
    let referenceStart = monotonicSeconds()
    let reference: ReferenceEvidence
    if options.resume, FileIO.exists(referencePath) {
      reference = try Self.readReference(
        referencePath, count: block.count, kind: experiment.reference,
        samples: experiment.referenceSampleCount, firstInstance: block.lowerBound)
      report("reference: read \(referencePath)")
    } else if experiment.reference == .exact {
      reference = try ReferenceEvidence.exact(source, rows: block)
    } else if experiment.reference == .file, let path = experiment.referenceFile {
      report("reference: read from \(path)")
      reference = try ReferenceEvidence.file(path, instances: experiment.instances, rows: block)
    } else if experiment.reference == .ais, let settings = experiment.ais {
      let chains = experiment.referenceSamples
      report("reference: \(settings), \(chains) chains for each instance")
      reference = try ReferenceEvidence.annealed(
        try Self.annealableModel(source), settings: settings, chains: chains, seed: plan.referenceSeed, rows: block,
        threads: options.threads, progress: referenceProgress())
    } else {
      let kRef = experiment.referenceSamples
      report("reference: \(experiment.reference.rawValue) of \(kRef) separate samples for each instance")
      reference = try ReferenceEvidence.sampled(
        source, kind: experiment.reference, samples: kRef, seed: plan.referenceSeed, rows: block,
        threads: options.threads, progress: referenceProgress())
    }
    try FileIO.writeAtomically(reference.csv(firstInstance: block.lowerBound), to: referencePath)
    manifest.reference = reference
    manifest.referenceSeconds = monotonicSeconds() - referenceStart

    var computed = 0
    if !pending.isEmpty {
      let drawStart = monotonicSeconds()
      let needsLikelihood = experiment.estimators.contains(where: \.needsAnalyticKLInputs)
      report(
        "drawing \(experiment.replicateSets) replicate sets of \(block.count) x "
          + "\(experiment.maximumSampleCount) log-weights")
      let draws = try ReplicateDraws(
        source: source, plan: plan, rows: block, keepLikelihood: needsLikelihood, threads: options.threads
      ) { s, total in
        self.report("drawn replicate set \(s)/\(total), \(DurationText.format(monotonicSeconds() - drawStart))")
      }
      manifest.drawSeconds = monotonicSeconds() - drawStart
      let cellStart = monotonicSeconds()
      for cell in pending {
        if let limit = options.maximumNewCells, computed >= limit { break }
        let part = try CellPartial.compute(
          cell, plan: plan, draws: draws, reference: reference, instances: block,
          resamples: options.bootstrapResamples, threads: options.threads)
        if options.shard == nil {
          let (row, interval) = part.finish(reference: reference, labels: labels)
          intervals.append(interval)
          try Self.write(intervals: intervals, to: intervalsPath)
          rows.append(row)
          try Self.write(rows: rows, to: csvPath)
        } else {
          try FileIO.writeAtomically(part.text, to: cellPath(cell))
        }
        computed += 1
        report(
          "cell \(alreadyDone + computed)/\(plan.cells.count) (\(CellKey(cell))) done; "
            + Self.elapsedAndETA(since: cellStart, done: computed, remaining: pending.count - computed))
      }
      manifest.cellSeconds = monotonicSeconds() - cellStart
    }

    var figurePath: String? = nil
    let complete = alreadyDone + computed == plan.cells.count
    if complete && options.shard == nil {
      let path = base + ".svg"
      try FileIO.writeAtomically(Self.figure(rows: rows, plan: plan, labels: labels).svg, to: path)
      figurePath = path
    }
    manifest.finish(
      endTime: RunEnvironment.utcTimestamp(), seconds: monotonicSeconds() - start, computed: computed,
      alreadyDone: alreadyDone, complete: complete)
    try FileIO.writeAtomically(manifest.json.text() + "\n", to: manifestPath)
    let isShard = options.shard != nil
    return SweepOutcome(
      csvPath: isShard ? base + "/cells" : csvPath, intervalsPath: isShard ? base + "/cells" : intervalsPath,
      manifestPath: manifestPath, referencePath: referencePath, figurePath: figurePath, cellsComputed: computed,
      cellsAlreadyDone: alreadyDone, cellsInShard: plan.cells.count)
  }
}
