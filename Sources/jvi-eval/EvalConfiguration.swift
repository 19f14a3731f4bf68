import CommandLineSupport
import JVICore
import JVIExperiments

/// The validated options of one `jvi-eval` run.
struct EvalConfiguration {
  enum Source {
    case file(String)
    case demo(explicit: Bool)
  }

  /// The synthetic demo: 1000 × 1000 log-normal weights, log w ~ N(0, 2²), log p = 2.
  static let demoLaw = SyntheticWeightLaw.logNormal(mu: 0, sigma: 2)
  static let demoShape = (rows: 1000, columns: 1000)

  var source: Source
  var estimator: String
  var order: Int
  var k: Int?
  var perInstance: Bool
  var outputPath: String?
  var seed: UInt64
  var analyticKLFiles: (logLikelihood: String, kl: String)?
  var threads: Int

  init(_ o: ParsedOptions) throws {
    if o.has("--input") && o.has("--demo") { throw UsageError("--input and --demo cannot be used together") }
    if let input = o.string("--input") {
      source = .file(input)
    } else {
      source = .demo(explicit: o.has("--demo"))
    }
    estimator = o.string("--estimator") ?? "jvi"
    order = try o.int("--order", in: 0...Int.max) ?? 1
    if o.has("--order") && estimator != "jvi" && estimator != "all" {
      throw UsageError("--order applies to the jvi estimator, not \(estimator)")
    }
    k = try o.int("--k", in: 1...Int.max)
    perInstance = o.has("--per-instance")
    outputPath = o.string("--output")
    seed = try o.uint64("--seed") ?? 0
    switch (o.string("--log-likelihood"), o.string("--kl")) {
    case (nil, nil): analyticKLFiles = nil
    case (let ll?, let kl?):
      guard case .file = source else { throw UsageError("--log-likelihood and --kl go with --input") }
      analyticKLFiles = (ll, kl)
    default: throw UsageError("--log-likelihood and --kl must be given together")
    }
    threads = try o.int("--threads", in: 1...1024) ?? ParallelRows.availableProcessors
  }

  /// The matrix to evaluate; says on standard error when it is the synthetic demo.
  func loadMatrix() throws -> LogWeightMatrix {
    switch source {
    case .file(let path):
      var m = try LogWeightMatrix(contentsOf: path)
      if let files = analyticKLFiles {
        m = try m.withAnalyticKLInputs(logLikelihoodFile: files.logLikelihood, klFile: files.kl)
      }
      return m
    case .demo(let explicit):
      let shape = EvalConfiguration.demoShape
      let why = explicit ? "" : "no --input given; "
      Output.standardError(
        "jvi-eval: \(why)evaluating the seeded synthetic demo matrix: \(shape.rows) instances x \(shape.columns) "
          + "samples of \(EvalConfiguration.demoLaw), seed \(seed). Exact log p(x) = "
          + "\(compact(EvalConfiguration.demoLaw.logEvidence)).\n")
      return EvalConfiguration.demoLaw.sample(rows: shape.rows, columns: shape.columns, seed: seed)
    }
  }

  /// The estimators to run, checked against the matrix (inconsistent options are usage errors).
  func makeEstimators(for matrix: LogWeightMatrix) throws -> [any BoundEstimator] {
    var list: [any BoundEstimator] = []
    do {
      switch estimator {
      case "elbo-a": list = [try ELBOMonteCarlo(k: k)]
      case "elbo-b": list = [try ELBOAnalyticKL(k: k)]
      case "iwae": list = [try IWAE(k: k)]
      case "jvi": list = [try Jackknife(order: order, k: k)]
      case "delta": list = [try DeltaMethod(k: k)]
      default:
        list = [try ELBOMonteCarlo(k: k)]
        if matrix.hasAnalyticKLInputs {
          list.append(try ELBOAnalyticKL(k: k))
        } else {
          Output.standardError("jvi-eval: skipping elbo-b (it needs --log-likelihood and --kl).\n")
        }
        list += [try IWAE(k: k), try Jackknife(order: order, k: k)]
        if (k ?? matrix.columnCount) >= 2 { list.append(try DeltaMethod(k: k)) }
      }
      for e in list { try e.validate(for: matrix) }
    } catch {
      if case .missingAnalyticKLInputs = error {
        throw UsageError(error.description + "; pass --log-likelihood FILE and --kl FILE")
      }
      throw UsageError(error.description)
    }
    return list
  }
}
