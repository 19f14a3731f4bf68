import JVICore

/// The CSV output of `jvi-eval` (a fixed contract other tools rely on).
///
/// - per instance: `instance,estimator,order,k,estimate`, one row per instance and estimator,
///   0-based instances, doubles in shortest round-trip form (`-inf` for −∞);
/// - summary: `estimator,order,k,n,mean,std_error`, one row per estimator; `std_error` is the
///   standard error across instances (`inf` when not estimable: one instance or an infinite estimate).
public enum EvaluationCSV {
  public static let perInstanceHeader = "instance,estimator,order,k,estimate"
  public static let summaryHeader = "estimator,order,k,n,mean,std_error"

  /// Shortest round-trip text of a double ("1.0", "-0.25", "1e-05", "-inf").
  public static func format(_ x: Double) -> String { String(describing: x) }

  public static func perInstance(_ evaluation: EstimatorEvaluation) -> String {
    var out = perInstanceHeader + "\n"
    for r in evaluation.results {
      let prefix = ",\(r.name),\(r.order),\(r.sampleCount),"
      for (i, v) in r.estimates.enumerated() { out += String(i) + prefix + format(v) + "\n" }
    }
    return out
  }

  public static func summary(_ evaluation: EstimatorEvaluation) -> String {
    var out = summaryHeader + "\n"
    for r in evaluation.results {
      out +=
        "\(r.name),\(r.order),\(r.sampleCount),\(r.summary.count),\(format(r.summary.mean)),"
        + "\(format(r.summary.standardError))\n"
    }
    return out
  }

  /// The first undefined (NaN) estimate, as (estimator, row), if any. Output must never contain NaN.
  public static func firstUndefined(_ evaluation: EstimatorEvaluation) -> (
    result: EstimatorEvaluation.Result, row: Int
  )? {
    for r in evaluation.results {
      if let i = r.estimates.firstIndex(where: { $0.isNaN }) { return (r, i) }
    }
    return nil
  }
}
