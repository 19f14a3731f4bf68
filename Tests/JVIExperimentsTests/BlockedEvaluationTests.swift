import Foundation
import JVICore
import Testing

@testable import JVIExperiments

/// Evaluation a block of rows at a time: any blocking gives the same bits as the whole matrix at
/// once (estimates, undefined rows, summaries, diagnostics), and the spools that hold the
/// per-instance results read back exactly what went in.
@Suite struct BlockedEvaluationTests {
  /// A matrix served in blocks of `rows` rows.
  struct Blocked: LogWeightBlockSource {
    let matrix: LogWeightMatrix
    let rowsPerBlock: Int
    var rowCount: Int { matrix.rowCount }
    var columnCount: Int { matrix.columnCount }
    var hasAnalyticKLInputs: Bool { matrix.hasAnalyticKLInputs }
    func block(_ rows: Range<Int>) -> LogWeightMatrix { matrix.rows(rows) }
  }

  /// 37 rows of log-normal weights, row 5 with a single non-zero weight (JVI undefined there).
  static func matrix() throws -> LogWeightMatrix {
    var v = SyntheticWeightLaw.logNormal(mu: -3, sigma: 1.5).sample(rows: 37, columns: 24, seed: 4).values
    for j in 1..<24 { v[5 * 24 + j] = -.infinity }
    return try LogWeightMatrix(rowCount: 37, columnCount: 24, values: v)
  }

  @Test func anyBlockingGivesTheSameBits() throws {
    let m = try Self.matrix()
    let estimators: [any BoundEstimator] = [
      try IWAE(), try Jackknife(order: 2), try SUMO(seed: 3), try MultilevelIWAE(seed: 3), try ParetoSmoothedIWAE(),
      try RenyiBound(alpha: 0.5, k: 8),
    ]
    let whole = try EstimatorEvaluation(estimators, on: m, threads: 1)
    let wholeCSV = try EvaluationCSV.perInstance(whole)
    for rows in [1, 4, 36] {
      for threads in [1, 2] {
        let blocked = try EstimatorEvaluation(estimators, on: Blocked(matrix: m, rowsPerBlock: rows), threads: threads)
        #expect(try EvaluationCSV.perInstance(blocked) == wholeCSV, "\(rows) rows per block, \(threads) threads")
        #expect(EvaluationCSV.summary(blocked) == EvaluationCSV.summary(whole))
        for (a, b) in zip(blocked.results, whole.results) {
          #expect(a.undefinedCount == b.undefinedCount && a.firstUndefined == b.firstUndefined)
        }
      }
    }
    let jvi = whole.results[1]
    #expect(jvi.undefinedCount == 1 && jvi.firstUndefined.map(\.row) == [5] && jvi.summary.count == 36)
    // The summary is SampleSummary's of the defined estimates.
    var estimates: [Double] = []
    try jvi.estimates.forEachChunk { estimates += $0 }
    #expect(jvi.summary == SampleSummary(estimates.filter { !$0.isNaN }))
  }

  @Test func diagnosticsDoNotDependOnTheBlocking() throws {
    let m = try Self.matrix()
    let whole = try DiagnosticsReport(m, k: nil, threads: 1)
    for rows in [1, 5] {
      let blocked = try DiagnosticsReport(Blocked(matrix: m, rowsPerBlock: rows), k: 16, threads: 2)
      let same = try DiagnosticsReport(m, k: 16, threads: 1)
      #expect(try blocked.perInstanceCSV == same.perInstanceCSV)
      #expect(try blocked.summaryCSV == same.summaryCSV)
    }
    #expect(try whole.perInstanceCSV.split(separator: "\n").count == 38)
  }

  /// Values beyond the memory limit go to the spill file; every chunking reads them back in order.
  @Test func spoolsReadBackWhatWentIn() throws {
    var g = Xoshiro256StarStar(seed: 12)
    let values = (0..<1000).map { i in i % 97 == 0 ? Double.nan : Sampling.standardNormal(using: &g) }
    let spool = DoubleSpool(memoryLimit: 100)
    for start in stride(from: 0, to: 1000, by: 77) { try spool.append(Array(values[start..<min(1000, start + 77)])) }
    #expect(spool.count == 1000)
    for chunk in [1, 64, 100, 333, 5000] {
      var back: [Double] = []
      try spool.forEachChunk(chunk) { back += $0 }
      #expect(back.count == 1000 && zip(back, values).allSatisfy { $0.bitPattern == $1.bitPattern }, "chunk \(chunk)")
    }
    // The streaming summary is SampleSummary's, bit for bit, with and without infinities.
    let streamed = try SampleSummary(streaming: { body in try spool.forEachChunk(64) { body($0) } })
    #expect(streamed == SampleSummary(values.filter { !$0.isNaN }))
    let infinite = values + [-.infinity]
    let s = SampleSummary(streaming: { body in infinite.withUnsafeBufferPointer { body($0) } })
    let t = SampleSummary(infinite.filter { !$0.isNaN })
    #expect(s.count == t.count && s.mean == t.mean && s.standardError == t.standardError)
  }
}
