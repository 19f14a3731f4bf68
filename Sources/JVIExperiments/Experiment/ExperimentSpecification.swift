import JVICore

/// A validated experiment: which log-weights, which instances, which K and estimators, how many
/// replicates, which reference, which seed. Read from an experiment file (experiments/README.md):
///
/// | option            | meaning                                                                       |
/// |-------------------|-------------------------------------------------------------------------------|
/// | model             | linear-gaussian, log-normal, gamma, checkpoint or matrix (+ its options, see  |
/// |                   | `ModelSpecification`)                                                         |
/// | instances         | N, the number of instances (images, observations); for a matrix, the first N  |
/// |                   | rows (default: all)                                                           |
/// | k                 | the K grid, ascending integers: `1 2 4 8 … 1024`                              |
/// | estimators        | any of elbo-a elbo-b iwae jvi-M (M = 0…10) delta psis vr[:alpha=A] vr-max     |
/// |                   | ciwae[:beta=B] sumo[:m=M] mlmc[:form=ss|rr,r=R] tvo[:partitions=P] tvo-upper  |
/// |                   | (`EstimatorChoice`), in output order                                          |
/// | replicate-sets    | S ≥ 2 independent N × K_max draws; at K there are S·⌊K_max/K⌋ replicates     |
/// | seed              | fixes every draw                                                              |
/// | reference         | exact (default when known), jvi-1 or iwae on separate columns, ais, or file   |
/// | reference-samples | K_ref for a sampled reference (16384; a matrix: its columns past S·K_max)     |
/// | reference-file    | with reference = file: a CSV instance,reference,reference_se (N lines) or a  |
/// |                   | .npy of N values or N x 2 (value, standard error)                             |
/// | ais-chains        | with reference = ais: chains per instance (16)                                |
/// | ais-temperatures  | T (1000); ais-schedule (sigmoidal), ais-start (prior or proposal),            |
/// |                   | ais-leapfrog (10), ais-step-size (0.05), ais-target-acceptance (0.65),        |
/// |                   | ais-pilot-chains (2), ais-pilot-temperatures (100): see `AISSettings`         |
public struct ExperimentSpecification: Sendable, Equatable {
  /// The file's base name without extension: results go to results/<name>/.
  public var name: String
  public var model: ModelSpecification
  public var instances: Int
  public var sampleCounts: [Int]
  public var estimators: [EstimatorChoice]
  public var replicateSets: Int
  public var seed: UInt64
  public var reference: ReferenceKind
  /// K_ref of a sampled reference; the chains per instance of an AIS reference.
  public var referenceSamples: Int
  /// The AIS settings when reference = ais.
  public var ais: AISSettings?
  /// The file of the reference when reference = file.
  public var referenceFile: String?

  /// K_ref of a sampled or AIS reference; nil for an exact one or one read from a file.
  public var referenceSampleCount: Int? { reference == .exact || reference == .file ? nil : referenceSamples }

  public enum ReferenceKind: String, Sendable, Equatable {
    case exact
    case jackknife = "jvi-1"
    case iwae
    case ais
    /// Read from `reference-file` (`ReferenceEvidence.file`).
    case file
  }

  static let aisKeys: Set<String> = [
    "ais-chains", "ais-temperatures", "ais-schedule", "ais-start", "ais-leapfrog", "ais-step-size",
    "ais-target-acceptance", "ais-pilot-chains", "ais-pilot-temperatures",
  ]
  static let topKeys = Set([
    "model", "instances", "k", "estimators", "replicate-sets", "seed", "reference", "reference-samples",
    "reference-file",
  ]).union(aisKeys)

  public var maximumSampleCount: Int { sampleCounts.last! }

  public init(file: ExperimentFile) throws(ExperimentFileError) {
    var r = EntryReader(path: file.path, entries: file.entries)
    let base = file.path.split(separator: "/").last.map(String.init) ?? file.path
    name = base.split(separator: ".").first.map(String.init) ?? base
    try r.rejectUnknown(known: Self.topKeys.union(ModelSpecification.parameterKeys))
    let kind = try r.required("model", "one of " + ModelSpecification.kinds.joined(separator: ", "))
    model = try ModelSpecification.read(kind: kind, from: &r, kindKey: "model")
    try r.rejectUnread(in: ModelSpecification.parameterKeys, context: "model \(kind)")
    // A matrix's shape, from its header: N rows of C draws.
    var matrixShape: (rows: Int, columns: Int)? = nil
    if case .matrix(let path) = model {
      do {
        let f = try LogWeightFile(path: path)
        matrixShape = (f.rowCount, f.columnCount)
      } catch {
        throw r.error("logw", error.description)
      }
    }
    if let shape = matrixShape {
      instances = try r.int("instances", in: 1...shape.rows) ?? shape.rows
    } else {
      guard let n = try r.int("instances", in: 1...10_000_000) else {
        throw ExperimentFileError(path: file.path, line: nil, key: "instances", problem: "missing; give N >= 1")
      }
      instances = n
    }
    let kWords = try r.required("k", "the sample counts, e.g. 'k = 1 2 4 8 16'")
    sampleCounts = try Self.sampleCounts(kWords, r)
    let estimatorWords = r.words("estimators") ?? []
    if estimatorWords.isEmpty {
      throw ExperimentFileError(
        path: file.path, line: nil, key: "estimators", problem: "missing; give e.g. 'elbo-a iwae jvi-1 jvi-2'")
    }
    var chosen: [EstimatorChoice] = []
    for word in estimatorWords {
      let e: EstimatorChoice
      do {
        e = try EstimatorChoice(word)
      } catch {
        throw r.error("estimators", error.description)
      }
      if chosen.contains(e) { throw r.error("estimators", "'\(word)' is listed twice") }
      if e.needsAnalyticKLInputs && !model.hasAnalyticKL {
        throw r.error("estimators", "elbo-b needs log p(x|z) and an analytic KL, which model \(kind) does not have")
      }
      chosen.append(e)
    }
    estimators = chosen
    guard let sets = try r.int("replicate-sets", in: 2...100_000) else {
      throw ExperimentFileError(
        path: file.path, line: nil, key: "replicate-sets",
        problem: "missing; give S >= 2 (independent N x K_max draws; K has S*floor(K_max/K) replicates)")
    }
    replicateSets = sets
    guard let s = try r.uint64("seed") else {
      throw ExperimentFileError(path: file.path, line: nil, key: "seed", problem: "missing; give an integer seed")
    }
    seed = s
    let referenceText = r.string("reference") ?? (model.hasExactEvidence ? "exact" : "jvi-1")
    guard let reference = ReferenceKind(rawValue: referenceText) else {
      throw r.error("reference", "expected exact, jvi-1, iwae, ais or file, got '\(referenceText)'")
    }
    if reference == .ais, !model.hasLatentVariable {
      throw r.error("reference", "model \(kind) has no latent variable for AIS; use exact, jvi-1 or iwae")
    }
    referenceFile = r.string("reference-file")
    if reference == .file && referenceFile == nil {
      throw r.error("reference", "file needs reference-file = PATH (a CSV instance,reference,reference_se or a .npy)")
    }
    if reference != .file && referenceFile != nil {
      throw r.error("reference-file", "applies to reference = file")
    }
    if reference == .exact, !model.hasExactEvidence, model.kind != "checkpoint" {
      throw r.error("reference", "model \(kind) has no exact log p(x); use jvi-1 or iwae")
    }
    self.reference = reference
    let sampledReference = reference == .jackknife || reference == .iwae
    if let shape = matrixShape {
      // The replicate sets take columns [0, S·K_max); a sampled reference the last K_ref, by
      // default all the columns past the sets.
      let used = replicateSets * sampleCounts.last!
      let spare = shape.columns - used
      let kRef = sampledReference ? try r.int("reference-samples", in: 2...100_000_000) ?? spare : 0
      guard used + kRef <= shape.columns, !sampledReference || kRef >= 2 else {
        let needs =
          sampledReference
          ? "\(replicateSets) replicate sets x K_max \(sampleCounts.last!) + \(max(kRef, 2)) reference samples"
          : "\(replicateSets) replicate sets x K_max \(sampleCounts.last!)"
        throw r.error(
          "logw",
          "\(model.matrixPath ?? "") is \(shape.rows) x \(shape.columns); \(needs) need "
            + "\(used + (sampledReference ? max(kRef, 2) : 0)) columns"
            + (sampledReference ? " (or give reference = file and reference-file)" : ""))
      }
      referenceSamples = sampledReference ? kRef : 0
    } else {
      referenceSamples = try r.int("reference-samples", in: 2...100_000_000) ?? 16_384
    }
    if !sampledReference && reference != .ais && r.entry("reference-samples") != nil {
      throw r.error(
        "reference-samples", "applies to a sampled reference (reference = jvi-1 or iwae), not \(reference.rawValue)")
    }
    if reference == .ais {
      if r.entry("reference-samples") != nil {
        throw r.error("reference-samples", "applies to jvi-1 or iwae; an AIS reference takes ais-chains")
      }
      referenceSamples = try r.int("ais-chains", in: 1...100_000) ?? 16
      ais = try Self.aisSettings(&r)
    } else if let key = Self.aisKeys.sorted().first(where: { r.entry($0) != nil }) {
      throw r.error(key, "applies to reference = ais")
    }
    try r.rejectUnread(known: Self.topKeys.union(ModelSpecification.parameterKeys), context: "model \(kind)")
    let work = Double(instances) * Double(replicateSets) * Double(maximumSampleCount)
    if work > 2e9 {
      throw ExperimentFileError(
        path: file.path, line: nil, key: nil,
        problem: "instances x replicate-sets x K_max = \(compact(work)) log-weights would not fit in memory; "
          + "at most 2e9 (16 GB) are allowed")
    }
  }

  static func aisSettings(_ r: inout EntryReader) throws(ExperimentFileError) -> AISSettings {
    let scheduleText = r.string("ais-schedule") ?? "sigmoidal"
    guard let schedule = AnnealingSchedule(rawValue: scheduleText) else {
      throw r.error("ais-schedule", "expected linear, geometric or sigmoidal, got '\(scheduleText)'")
    }
    let startText = r.string("ais-start") ?? "prior"
    guard let start = AnnealingStart(rawValue: startText) else {
      throw r.error("ais-start", "expected prior or proposal, got '\(startText)'")
    }
    let d = AISSettings.standard
    let t = try r.int("ais-temperatures", in: AISSettings.temperatureRange) ?? d.temperatures
    let leapfrog = try r.int("ais-leapfrog", in: AISSettings.leapfrogRange) ?? d.leapfrogSteps
    let step =
      try r.double("ais-step-size", expected: AISSettings.stepSizeExpectation, where: AISSettings.isValidStepSize)
      ?? d.initialStepSize
    let acceptance =
      try r.double(
        "ais-target-acceptance", expected: AISSettings.targetAcceptanceExpectation,
        where: AISSettings.isValidTargetAcceptance) ?? d.targetAcceptance
    let pilots = try r.int("ais-pilot-chains", in: AISSettings.pilotChainRange) ?? d.pilotChains
    let pilotTemperatures =
      try r.int("ais-pilot-temperatures", in: AISSettings.pilotTemperatureRange) ?? d.pilotTemperatures
    // Every value is validated above, so the settings accept them.
    return try! AISSettings(
      temperatures: t, schedule: schedule, start: start, leapfrogSteps: leapfrog, initialStepSize: step,
      targetAcceptance: acceptance, pilotChains: pilots, pilotTemperatures: pilotTemperatures)
  }

  static func sampleCounts(_ text: String, _ r: EntryReader) throws(ExperimentFileError) -> [Int] {
    var ks: [Int] = []
    for word in text.split(separator: " ") {
      guard let k = Int(word), k >= 1, k <= 100_000_000 else {
        throw r.error("k", "expected positive integers, got '\(word)'")
      }
      if let last = ks.last, k <= last { throw r.error("k", "the sample counts must increase; \(k) follows \(last)") }
      ks.append(k)
    }
    return ks
  }
}
