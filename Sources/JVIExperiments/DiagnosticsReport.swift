import JVICore
import JVIModels

/// `jvi-eval --diagnostics`: `ImportanceDiagnostics` of every instance (on its first block of k
/// columns), computed in parallel over rows (bit-identical for any thread count), as CSV.
///
/// - per instance: `instance,k,ess,max_weight,pareto_k,psis_ess,jackknife_bias,jackknife_variance`
///   (`pareto_k` is `inf` when the tail has fewer than 5 points; undefined values are empty);
/// - summary: `k,n,mean_ess,mean_max_weight,share_pareto_k_above_0.7,pareto_k_threshold,
///   share_pareto_k_above_threshold,share_pareto_k_infinite,mean_jackknife_bias,mean_jackknife_variance`,
///   the shares over all n instances (an infinite k̂ is above every threshold), the means over
///   the instances where the value is defined.
public struct DiagnosticsReport: Sendable {
  public let sampleCount: Int
  public let instances: [ImportanceDiagnostics]

  public init(_ matrix: LogWeightMatrix, k: Int?, threads: Int) {
    let width = k ?? matrix.columnCount
    let n = matrix.rowCount
    let fields = 6
    let out = ScalarBuffer<Double>(count: n * fields, repeating: .nan)
    ParallelRows.forEachChunk(count: n, chunkSize: 16, threads: threads) { _, rows in
      let workspace = EstimatorWorkspace()
      for row in rows {
        let d = matrix.withRow(row, columns: 0..<width) { ImportanceDiagnostics($0, workspace: workspace) }
        out.store(d.fields, at: row * fields)
      }
    }
    let v = out.array
    sampleCount = width
    instances = (0..<n).map { i in ImportanceDiagnostics(fields: v[(i * fields)..<((i + 1) * fields)]) }
  }

  public static let perInstanceHeader = "instance,k,ess,max_weight,pareto_k,psis_ess,jackknife_bias,jackknife_variance"
  public static let summaryHeader =
    "k,n,mean_ess,mean_max_weight,share_pareto_k_above_0.7,pareto_k_threshold,share_pareto_k_above_threshold,"
    + "share_pareto_k_infinite,mean_jackknife_bias,mean_jackknife_variance"

  public var perInstanceCSV: String {
    var out = DiagnosticsReport.perInstanceHeader + "\n"
    for (i, d) in instances.enumerated() {
      out += "\(i),\(sampleCount)," + d.fields.map(EvaluationCSV.format).joined(separator: ",") + "\n"
    }
    return out
  }

  /// The share of instances whose k̂ exceeds `threshold`.
  public func shareAbove(_ threshold: Double) -> Double {
    Double(instances.filter { $0.paretoK > threshold }.count) / Double(Swift.max(1, instances.count))
  }

  public var summaryCSV: String {
    func mean(_ values: [Double]) -> Double {
      let defined = values.filter { !$0.isNaN }
      return defined.isEmpty ? .nan : SampleSummary(defined).mean
    }
    let threshold = ImportanceDiagnostics.paretoKThreshold(sampleCount: sampleCount)
    let infinite = Double(instances.filter { $0.paretoK == .infinity }.count) / Double(Swift.max(1, instances.count))
    let fields = [
      mean(instances.map(\.effectiveSampleSize)), mean(instances.map(\.largestWeight)), shareAbove(0.7), threshold,
      shareAbove(threshold), infinite, mean(instances.map(\.jackknifeBias)), mean(instances.map(\.jackknifeVariance)),
    ]
    return DiagnosticsReport.summaryHeader + "\n" + "\(sampleCount),\(instances.count),"
      + fields.map(EvaluationCSV.format).joined(separator: ",") + "\n"
  }
}
