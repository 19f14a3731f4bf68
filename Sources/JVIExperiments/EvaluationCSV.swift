import JVICore

/// The CSV output of `jvi-eval` (a fixed contract other tools rely on).
///
/// - per instance: `instance,estimator,order,k,estimate`, one row per instance and estimator,
///   0-based instances, doubles in shortest round-trip form (`-inf` for −∞); an undefined
///   instance has an empty `estimate` (never NaN);
/// - summary: `estimator,order,k,n,mean,std_error`, one row per estimator, over the `n` defined
///   instances; `std_error` is the standard error across them (`inf` when not estimable: one
///   instance or an infinite estimate); with no defined instance `mean` and `std_error` are empty.
public enum EvaluationCSV {
  public static let perInstanceHeader = "instance,estimator,order,k,estimate"
  public static let summaryHeader = "estimator,order,k,n,mean,std_error"

  /// Shortest round-trip text of a double ("1.0", "-0.25", "1e-05", "-inf"); empty for NaN.
  public static func format(_ x: Double) -> String { x.isNaN ? "" : String(describing: x) }

  /// The per-instance rows, numbered from `firstInstance` (a shard's first global instance),
  /// handed to `write` a chunk of text at a time (estimator by estimator, instances in order).
  public static func perInstance(
    _ evaluation: EstimatorEvaluation, firstInstance: Int = 0, write: (String) throws -> Void
  ) throws {
    try write(perInstanceHeader + "\n")
    for r in evaluation.results {
      let suffix = ",\(r.name),\(r.order),\(r.sampleCount),"
      var i = firstInstance
      try r.estimates.forEachChunk { chunk in
        var text = ""
        text.reserveCapacity(chunk.count * (suffix.utf8.count + 24))
        for v in chunk {
          text += String(i) + suffix + format(v) + "\n"
          i += 1
        }
        try write(text)
      }
    }
  }

  /// The per-instance rows as one string.
  public static func perInstance(_ evaluation: EstimatorEvaluation, firstInstance: Int = 0) throws -> String {
    var out = ""
    try perInstance(evaluation, firstInstance: firstInstance) { out += $0 }
    return out
  }

  public static func summary(_ evaluation: EstimatorEvaluation) -> String {
    var out = summaryHeader + "\n"
    for r in evaluation.results {
      let s = r.summary
      let defined = s.count > 0 && s.isDefined
      out +=
        "\(r.name),\(r.order),\(r.sampleCount),\(s.count),\(defined ? format(s.mean) : ""),"
        + "\(defined ? format(s.standardError) : "")\n"
    }
    return out
  }
}
