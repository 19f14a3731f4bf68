import JVICore

/// `<run>.manifest.json`: how a run was made — command line, experiment file and its fingerprint,
/// git revision, seed, build configuration, Swift version, threads, host, start and end time —
/// and what it produced. Written when the run starts (status "running") and again at the end.
public struct SweepManifest: Sendable {
  var experimentPath: String
  var experimentFingerprint: String
  var plan: SweepPlan
  var options: SweepOptions
  var startTime: String
  var resumedAt: [String] = []
  var endTime: String? = nil
  var status = "running"
  var model: String? = nil
  var dataset: String? = nil
  var reference: ReferenceEvidence? = nil
  var referenceSeconds: Double? = nil
  var drawSeconds: Double? = nil
  var cellSeconds: Double? = nil
  var totalSeconds: Double? = nil
  /// The instances this run (or shard) computed.
  var instanceBlock: Range<Int>? = nil
  var cellsComputed = 0
  var cellsAlreadyDone = 0
  var failure: String? = nil
  let git = RunEnvironment.gitRevision()

  init(experimentPath: String, experimentText: String, plan: SweepPlan, options: SweepOptions, startTime: String) {
    self.experimentPath = experimentPath
    experimentFingerprint = RunEnvironment.fingerprint(experimentText)
    self.plan = plan
    self.options = options
    self.startTime = startTime
  }

  /// Continues a run whose manifest text is `old`: the experiment file must be unchanged; the
  /// original start time is kept and this start is added to `resumed_at`.
  mutating func continuing(_ old: String, path: String) throws(SweepError) {
    let json: JSONValue
    do {
      json = try JSONValue.parse(old)
    } catch {
      throw SweepError("\(path) is not a jvi-sweep manifest: \(error)")
    }
    guard let fingerprint = json["experiment_fingerprint"]?.stringValue else {
      throw SweepError("\(path) is not a jvi-sweep manifest (no experiment_fingerprint)")
    }
    guard fingerprint == experimentFingerprint else {
      throw SweepError(
        "\(experimentPath) has changed since run '\(options.runID)' started (fingerprint \(fingerprint), now "
          + "\(experimentFingerprint)); its rows would not match. Start a new run instead of --resume")
    }
    resumedAt = (json["resumed_at"]?.arrayValue ?? []).compactMap(\.stringValue) + [startTime]
    startTime = json["start_time"]?.stringValue ?? startTime
  }

  /// A run that stopped on an error: the error goes into the manifest.
  mutating func fail(endTime: String, message: String) {
    self.endTime = endTime
    status = "failed"
    failure = message
  }

  mutating func finish(endTime: String, seconds: Double, computed: Int, alreadyDone: Int, complete: Bool) {
    self.endTime = endTime
    totalSeconds = seconds
    cellsComputed = computed
    cellsAlreadyDone = alreadyDone
    status = complete ? "complete" : "incomplete"
  }

  var json: JSONValue {
    let e = plan.experiment
    func seconds(_ x: Double?) -> JSONValue { x.map { .number(($0 * 1000).rounded() / 1000) } ?? .null }
    var referenceFields: [(String, JSONValue)] = [("kind", .string(e.reference.rawValue))]
    if let path = e.referenceFile { referenceFields.append(("file", .string(path))) }
    if e.referenceSampleCount != nil {
      referenceFields.append(("samples", .integer(e.referenceSamples)))
      referenceFields.append(("seed_stream", .string("reference")))
      if let bias = reference?.selfBiasEstimate {
        referenceFields.append(("iwae_self_bias_estimate", .number(bias)))
      }
      if let ais = e.ais {
        referenceFields += [
          ("ais_temperatures", .integer(ais.temperatures)), ("ais_schedule", .string(ais.schedule.rawValue)),
          ("ais_start", .string(ais.start.rawValue)), ("ais_leapfrog_steps", .integer(ais.leapfrogSteps)),
          ("ais_initial_step_size", .number(ais.initialStepSize)),
          ("ais_target_acceptance", .number(ais.targetAcceptance)), ("ais_pilot_chains", .integer(ais.pilotChains)),
          ("ais_pilot_temperatures", .integer(ais.pilotTemperatures)),
        ]
      }
    }
    let git: JSONValue = self.git.map { .string($0.revision) } ?? .null
    let dirty: JSONValue = self.git.map { .bool($0.dirty) } ?? .null
    let shard: JSONValue = options.shard.map { .string($0.description) } ?? .null
    let end: JSONValue = endTime.map(JSONValue.string) ?? .null
    let modelLabel: JSONValue = model.map(JSONValue.string) ?? .null
    let datasetLabel: JSONValue = dataset.map(JSONValue.string) ?? .null
    let block: JSONValue =
      instanceBlock.map {
        .object([("first", .integer($0.lowerBound)), ("end", .integer($0.upperBound)), ("count", .integer($0.count))])
      } ?? .null
    let cells: JSONValue = .object([
      ("in_this_run", .integer(plan.cells.count)),
      ("computed_by_this_invocation", .integer(cellsComputed)),
      ("kept_from_before", .integer(cellsAlreadyDone)),
    ])
    let timing: JSONValue = .object([
      ("reference", seconds(referenceSeconds)), ("draws", seconds(drawSeconds)), ("cells", seconds(cellSeconds)),
      ("total", seconds(totalSeconds)),
    ])
    var fields: [(String, JSONValue)] = []
    fields.append(("tool", .string("jvi-sweep")))
    fields.append(("status", .string(status)))
    if let failure { fields.append(("error", .string(failure))) }
    fields.append(("run_id", .string(options.runID)))
    fields.append(("shard", shard))
    fields.append(("instance_block", block))
    fields.append(("command_line", .array(options.commandLine.map(JSONValue.string))))
    fields.append(("experiment_file", .string(experimentPath)))
    fields.append(("experiment_fingerprint", .string(experimentFingerprint)))
    fields.append(("seed", .string(String(e.seed))))
    fields.append(("git_revision", git))
    fields.append(("git_uncommitted_changes", dirty))
    fields.append(("build_configuration", .string(RunEnvironment.buildConfiguration)))
    fields.append(("swift_version", .string(RunEnvironment.swiftVersion)))
    fields.append(("kernels", .string(RunEnvironment.kernels)))
    fields.append(("threads", .integer(options.threads)))
    fields.append(("host", .string(RunEnvironment.hostName)))
    fields.append(("start_time", .string(startTime)))
    fields.append(("resumed_at", .array(resumedAt.map(JSONValue.string))))
    fields.append(("end_time", end))
    fields.append(("model", modelLabel))
    fields.append(("dataset", datasetLabel))
    fields.append(("instances", .integer(e.instances)))
    fields.append(("k", .array(e.sampleCounts.map(JSONValue.integer))))
    fields.append(("estimators", .array(e.estimators.map { .string($0.description) })))
    fields.append(("replicate_sets", .integer(e.replicateSets)))
    fields.append(("reference", .object(referenceFields)))
    fields.append(("bootstrap_resamples", .integer(options.bootstrapResamples)))
    fields.append(("cells", cells))
    fields.append(("seconds", timing))
    return .object(fields)
  }
}
