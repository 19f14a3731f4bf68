import JVICore

/// Every estimator jvi's front doors offer, in one list: jvi-eval's `--estimator`, experiment
/// files, sweep CSVs and figures, the C interface and the Python package read it.
///
/// Adding an estimator is a `BoundEstimator` conformer in its own file (JVICore/Estimators) and
/// one entry here (docs/adding-an-estimator.md).
public enum EstimatorRegistry {
  public static let entries: [EstimatorEntry] = [
    EstimatorEntry("elbo-a", summary: "Monte Carlo ELBO", lists: [.classic, .family], colour: "#1f77b4") {
      _, k, _ throws(EstimatorError) in try ELBOMonteCarlo(k: k)
    },
    EstimatorEntry("elbo-b", summary: "analytic KL", lists: [.classic, .family], colour: "#d62728") {
      _, k, _ throws(EstimatorError) in try ELBOAnalyticKL(k: k)
    },
    EstimatorEntry("iwae", summary: "", lists: [.classic, .family], colour: "#2ca02c") {
      _, k, _ throws(EstimatorError) in try IWAE(k: k)
    },
    EstimatorEntry(
      "jvi", summary: "jackknife variational inference",
      parameters: [
        EstimatorParameter(
          key: "order", flag: "--order", keyword: "order", placeholder: "M", kind: .integer, default: .integer(1))
      ],
      numbers: 0...Jackknife.maximumOrder, lists: [.classic, .family], colour: "#17becf",
      wordColours: ["jvi-1": "#ff7f0e", "jvi-2": "#9467bd", "jvi-3": "#8c564b", "jvi-4": "#7f7f7f", "jvi-5": "#bcbd22"]
    ) { a, k, _ throws(EstimatorError) in try Jackknife(order: a.integer("order"), k: k) },
    EstimatorEntry(
      "delta", summary: "the delta method", lists: [.classic, .family], leftOutOfListsWhenTooNarrow: true,
      colour: "#e377c2"
    ) {
      _, k, _ throws(EstimatorError) in try DeltaMethod(k: k)
    },
    EstimatorEntry("psis", summary: "Pareto-smoothed IWAE", lists: [.family], colour: "#17becf") {
      _, k, _ throws(EstimatorError) in try ParetoSmoothedIWAE(k: k)
    },
    EstimatorEntry(
      "vr", summary: "Renyi bound",
      parameters: [
        EstimatorParameter(
          key: "alpha", flag: "--alpha", keyword: "alpha", placeholder: "A", kind: .real,
          default: .real(RenyiBound.defaultAlpha))
      ], lists: [.family], colour: "#b5cf6b"
    ) { a, k, _ throws(EstimatorError) in try RenyiBound(alpha: a.real("alpha"), k: k) },
    EstimatorEntry("vr-max", summary: "the Renyi bound at alpha = -inf", lists: [.family], colour: "#393b79") {
      _, k, _ throws(EstimatorError) in try RenyiMax(k: k)
    },
    EstimatorEntry(
      "ciwae", summary: "beta ELBO + (1 - beta) IWAE; MIWAE is iwae with --k blocks",
      parameters: [
        EstimatorParameter(
          key: "beta", flag: "--beta", keyword: "beta", placeholder: "B", kind: .real,
          default: .real(CombinationIWAE.defaultBeta))
      ], lists: [.family], colour: "#e7969c"
    ) { a, k, _ throws(EstimatorError) in try CombinationIWAE(beta: a.real("beta"), k: k) },
    EstimatorEntry(
      "sumo", summary: "unbiased, randomised by --seed",
      parameters: [
        EstimatorParameter(
          key: "m", flag: "--min-terms", keyword: "min_terms", placeholder: "M", kind: .integer,
          default: .integer(SUMO.defaultMinimumTerms))
      ], lists: [.family], colour: "#000000"
    ) { a, k, seed throws(EstimatorError) in try SUMO(minimumTerms: a.integer("m"), k: k, seed: seed) },
    EstimatorEntry(
      "mlmc", summary: "multilevel, unbiased, randomised by --seed",
      parameters: [
        EstimatorParameter(
          key: "form", flag: "--mlmc-form", keyword: "form", placeholder: "ss|rr",
          kind: .choice(MultilevelIWAE.Form.allCases.map(\.rawValue)), default: .choice("rr")),
        EstimatorParameter(
          key: "r", flag: nil, keyword: "rate", placeholder: "R", kind: .real,
          default: .real(MultilevelIWAE.defaultRate)),
      ], lists: [.family], colour: "#de9ed6"
    ) { a, k, seed throws(EstimatorError) in
      try MultilevelIWAE(
        form: MultilevelIWAE.Form(rawValue: a.choice("form")) ?? .russianRoulette, rate: a.real("r"), k: k,
        seed: seed)
    },
    EstimatorEntry(
      "tvo", summary: "the thermodynamic lower Riemann sum",
      parameters: [partitions], lists: [.family], companions: ["tvo-upper"], colour: "#8ca252"
    ) { a, k, _ throws(EstimatorError) in
      try ThermodynamicBound(side: .lower, partitions: a.integer("partitions"), k: k)
    },
    EstimatorEntry("tvo-upper", summary: "the upper sum", parameters: [partitions], colour: "#637939") {
      a, k, _ throws(EstimatorError) in try ThermodynamicBound(side: .upper, partitions: a.integer("partitions"), k: k)
    },
  ]

  static let partitions = EstimatorParameter(
    key: "partitions", flag: "--partitions", keyword: "partitions", placeholder: "P", kind: .integer,
    default: .integer(ThermodynamicBound.defaultPartitions))

  /// The entry named `name`, or nil.
  public static func entry(named name: String) -> EstimatorEntry? { entries.first { $0.name == name } }

  /// The entries of a list, in registry order.
  public static func entries(in list: EstimatorEntry.List) -> [EstimatorEntry] {
    entries.filter { $0.lists.contains(list) }
  }

  /// The word of a sweep CSV row or a result: `jvi-2` for jvi of order 2, the label otherwise.
  public static func word(estimator label: String, order: Int) -> String {
    entry(named: label)?.numbers != nil ? "\(label)-\(order)" : label
  }

  /// A word's figure colour: the word's own, else its estimator's (by the name before any colon).
  public static func colour(of word: String) -> String {
    let head = String(word.split(separator: ":").first ?? Substring(word))
    for e in entries {
      if let c = e.wordColours[word] { return c }
      if e.name == head { return e.colour }
    }
    return "#17becf"
  }

  /// Every word an experiment file accepts, for messages.
  static var grammar: String {
    let words = entries.map(\.grammar)
    return words.dropLast().joined(separator: ", ") + " or " + (words.last ?? "")
  }
}
