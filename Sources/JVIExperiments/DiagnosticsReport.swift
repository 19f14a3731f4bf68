import JVICore
import JVIModels

/// `jvi-eval --diagnostics`: `ImportanceDiagnostics` of every instance (on its first block of k
/// columns), computed a block of rows at a time in parallel over rows (bit-identical for any
/// thread count and block size; the six values per instance are spooled), as CSV.
///
/// - per instance: `instance,k,ess,max_weight,pareto_k,psis_ess,jackknife_bias,jackknife_variance`
///   (`pareto_k` is `inf` when the tail has fewer than 5 points; undefined values are empty);
/// - summary: `k,n,mean_ess,mean_max_weight,share_pareto_k_above_0.7,pareto_k_threshold,
///   share_pareto_k_above_threshold,share_pareto_k_infinite,mean_jackknife_bias,mean_jackknife_variance`,
///   the shares over all n instances (an infinite k̂ is above every threshold), the means over
///   the instances where the value is defined.
public struct DiagnosticsReport {
  public let sampleCount: Int
  public let instanceCount: Int
  /// The six fields of each instance in turn (`ImportanceDiagnostics.fields`).
  let fields: DoubleSpool
  static let fieldCount = 6
  /// Instances whose k̂ exceeds 0.7, the sample-size threshold, and is infinite.
  let aboveSevenTenths: Int
  let aboveThreshold: Int
  let infinite: Int

  public init(_ source: any LogWeightBlockSource, k: Int?, threads: Int) throws {
    let width = k ?? source.columnCount
    let threshold = ImportanceDiagnostics.paretoKThreshold(sampleCount: width)
    let f = Self.fieldCount
    let spool = DoubleSpool()
    var counts = (0, 0, 0)
    for rows in source.blockRanges {
      let matrix = try source.block(rows)
      let n = matrix.rowCount
      let out = ScalarBuffer<Double>(count: n * f, repeating: .nan)
      ParallelRows.forEachChunk(count: n, chunkSize: 16, threads: threads) { _, rows in
        let workspace = EstimatorWorkspace()
        for row in rows {
          let d = matrix.withRow(row, columns: 0..<width) { ImportanceDiagnostics($0, workspace: workspace) }
          out.store(d.fields, at: row * f)
        }
      }
      try spool.append(UnsafeBufferPointer(out.buffer))
      for i in 0..<n {
        let k = out.pointer[i * f + 2]
        if k > 0.7 { counts.0 += 1 }
        if k > threshold { counts.1 += 1 }
        if k == .infinity { counts.2 += 1 }
      }
    }
    sampleCount = width
    instanceCount = source.rowCount
    fields = spool
    (aboveSevenTenths, aboveThreshold, infinite) = counts
  }

  public static let perInstanceHeader = "instance,k,ess,max_weight,pareto_k,psis_ess,jackknife_bias,jackknife_variance"
  public static let summaryHeader =
    "k,n,mean_ess,mean_max_weight,share_pareto_k_above_0.7,pareto_k_threshold,share_pareto_k_above_threshold,"
    + "share_pareto_k_infinite,mean_jackknife_bias,mean_jackknife_variance"

  /// Every instance's diagnostics, in row order, to `body` (a chunk at a time).
  public func forEachChunk(_ body: ([ImportanceDiagnostics]) throws -> Void) throws {
    let f = Self.fieldCount
    try fields.forEachChunk(f << 12) { chunk in
      try body((0..<(chunk.count / f)).map { ImportanceDiagnostics(fields: chunk[($0 * f)..<(($0 + 1) * f)]) })
    }
  }

  /// The per-instance rows, handed to `write` a chunk of text at a time.
  public func perInstanceCSV(write: (String) throws -> Void) throws {
    try write(DiagnosticsReport.perInstanceHeader + "\n")
    var i = 0
    try forEachChunk { chunk in
      var text = ""
      for d in chunk {
        text += "\(i),\(sampleCount)," + d.fields.map(EvaluationCSV.format).joined(separator: ",") + "\n"
        i += 1
      }
      try write(text)
    }
  }

  public var perInstanceCSV: String {
    get throws {
      var out = ""
      try perInstanceCSV { out += $0 }
      return out
    }
  }

  /// The share of instances whose k̂ exceeds 0.7 and the sample-size threshold.
  public var shareAboveSevenTenths: Double { Double(aboveSevenTenths) / Double(Swift.max(1, instanceCount)) }
  public var shareAboveThreshold: Double { Double(aboveThreshold) / Double(Swift.max(1, instanceCount)) }

  public var summaryCSV: String {
    get throws {
      let f = Self.fieldCount
      /// The mean of field j over the instances where it is defined.
      func mean(_ j: Int) throws -> Double {
        let s = try SampleSummary(streaming: { body in
          try fields.forEachChunk(f << 12) { chunk in
            let column = stride(from: j, to: chunk.count, by: f).map { chunk[$0] }
            column.withUnsafeBufferPointer { body($0) }
          }
        })
        return s.count == 0 ? .nan : s.mean
      }
      let threshold = ImportanceDiagnostics.paretoKThreshold(sampleCount: sampleCount)
      let n = Double(Swift.max(1, instanceCount))
      let values = [
        try mean(0), try mean(1), shareAboveSevenTenths, threshold, shareAboveThreshold, Double(infinite) / n,
        try mean(4), try mean(5),
      ]
      return DiagnosticsReport.summaryHeader + "\n" + "\(sampleCount),\(instanceCount),"
        + values.map(EvaluationCSV.format).joined(separator: ",") + "\n"
    }
  }
}
