import Foundation
import Testing
import _TestSupport

@testable import JVICore

/// The estimators' definitions on small hand-checked matrices, block replicates, and errors.
struct EstimatorTests {
  static let matrix = makeMatrix()

  static func makeMatrix() -> LogWeightMatrix {
    guard
      let m = try? LogWeightMatrix(rows: [
        [-1.0, -2.0, -3.0, -4.0, -5.0, -6.0],
        [0.5, 0.5, 0.5, 0.5, 0.5, 0.5],
      ])
    else { fatalError("test matrix") }
    return m
  }

  @Test func definitionsOnAHandCheckedRow() throws {
    let ws = EstimatorWorkspace()
    let row = [-1.0, -2.0, -3.0, -4.0, -5.0, -6.0]
    let w = row.map(exp)
    let elbo = try ELBOMonteCarlo().evaluate(Self.matrix, workspace: ws).estimates[0]
    #expect(abs(elbo - (-3.5)) < 1e-15)
    let iwae = try IWAE().evaluate(Self.matrix, workspace: ws).estimates[0]
    #expect(abs(iwae - log(w.reduce(0, +) / 6)) < 1e-15)
    let ess = pow(w.reduce(0, +), 2) / w.map { $0 * $0 }.reduce(0, +)
    let delta = try DeltaMethod().evaluate(Self.matrix, workspace: ws).estimates[0]
    #expect(abs(delta - (iwae + (6 / ess - 1) / 10)) < 1e-14)
    let d = row.withUnsafeBufferPointer { p in
      withUnsafeTemporaryAllocation(of: Double.self, capacity: 6) { WeightDiagnostics(p, scratch: $0) }
    }
    #expect(abs(d.effectiveSampleSize - ess) < 1e-12)
    #expect(abs(d.largestNormalisedWeight - w[0] / w.reduce(0, +)) < 1e-15)
  }

  @Test func blocksAreDisjointReplicates() throws {
    // IWAE(k: 2) on 6 columns: the mean of three block IWAEs, and their spread.
    let r = try IWAE(k: 2).evaluate(Self.matrix, workspace: EstimatorWorkspace())
    #expect(r.blockCount == 3 && r.sampleCount == 2)
    let blocks = [[-1.0, -2.0], [-3.0, -4.0], [-5.0, -6.0]].map { log(($0.map(exp).reduce(0, +)) / 2) }
    let mean = blocks.reduce(0, +) / 3
    #expect(abs(r.estimates[0] - mean) < 1e-14)
    let sd = (blocks.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 2).squareRoot()
    #expect(abs(r.blockStandardDeviations![0] - sd) < 1e-14)
    #expect(r.estimates[1] == 0.5 && r.blockStandardDeviations![1] == 0)
    // k = 4 on 6 columns: one block, the last two columns unused.
    let one = try Jackknife(order: 2, k: 4).evaluate(Self.matrix, workspace: EstimatorWorkspace())
    #expect(one.blockCount == 1 && one.blockStandardDeviations == nil)
    #expect(abs(one.estimates[0] - (try Jackknife.value([-1, -2, -3, -4], order: 2))) < 1e-15)
  }

  @Test func analyticKLForm() throws {
    let ll = [-10.0, -11, -12, -13, -14, -15, -1, -2, -3, -4, -5, -6]
    let m = try Self.matrix.withAnalyticKLInputs(logLikelihood: ll, klDivergence: [2.5, 0])
    let r = try ELBOAnalyticKL().evaluate(m, workspace: EstimatorWorkspace())
    #expect(r.estimates == [-12.5 - 2.5, -3.5])
    #expect(throws: EstimatorError.missingAnalyticKLInputs) {
      try ELBOAnalyticKL().evaluate(Self.matrix, workspace: EstimatorWorkspace())
    }
    #expect(throws: LogWeightMatrixError.self) {
      try Self.matrix.withAnalyticKLInputs(logLikelihood: ll, klDivergence: [.nan, 0])
    }
    #expect(throws: LogWeightMatrixError.self) {
      try Self.matrix.withAnalyticKLInputs(logLikelihood: Array(ll.dropLast()), klDivergence: [1, 0])
    }
  }

  @Test func invalidConfigurationsAreRejectedWhenBuilt() {
    #expect(throws: EstimatorError.self) { try Jackknife(order: -1) }
    #expect(throws: EstimatorError.self) { try Jackknife(order: Jackknife.maximumOrder + 1) }
    #expect(throws: EstimatorError.self) { try Jackknife(order: 3, k: 3) }
    #expect(throws: EstimatorError.self) { try IWAE(k: 0) }
    #expect(throws: EstimatorError.self) { try DeltaMethod(k: 1) }
    #expect(throws: EstimatorError.self) { try ELBOMonteCarlo(k: 0) }
  }

  @Test func mismatchesWithTheMatrixAreReportedByValidate() throws {
    #expect(throws: EstimatorError.tooFewSamples(estimator: "jvi", order: 6, k: 6, minimum: 7)) {
      try Jackknife(order: 6).validate(for: Self.matrix)
    }
    #expect(throws: EstimatorError.blockWiderThanMatrix(estimator: "iwae", k: 7, columns: 6)) {
      try IWAE(k: 7).validate(for: Self.matrix)
    }
    let message = EstimatorError.tooFewSamples(estimator: "jvi", order: 6, k: 6, minimum: 7).description
    #expect(message.contains("order 6") && message.contains("k = 6"))
  }

  @Test func matrixValidationNamesRowAndColumn() {
    #expect(throws: LogWeightMatrixError.invalidValue(field: "log-weight", row: 1, column: 2, value: .infinity)) {
      try LogWeightMatrix(rows: [[0, 0, 0], [0, 0, .infinity]])
    }
    #expect(throws: LogWeightMatrixError.raggedRow(row: 1, expected: 3, actual: 2)) {
      try LogWeightMatrix(rows: [[0, 0, 0], [0, 0]])
    }
    #expect(throws: LogWeightMatrixError.self) { try LogWeightMatrix(rowCount: 0, columnCount: 3, values: []) }
    let e = LogWeightMatrixError.invalidValue(field: "log-weight", row: 4, column: 9, value: .nan)
    #expect(e.description.contains("row 4, column 9") && e.description.contains("NaN"))
    #expect((try? LogWeightMatrix(rows: [[-.infinity, 1]])) != nil)
  }

  @Test func summaryStatistics() {
    let s = SampleSummary([1, 2, 3, 4])
    #expect(s.mean == 2.5 && abs(s.standardError - (5.0 / 3 / 4).squareRoot()) < 1e-15)
    #expect(SampleSummary([0.1, 0.1, 0.1]).mean == 0.1)
    #expect(SampleSummary([7]).standardError == .infinity)
    let inf = SampleSummary([1, -.infinity])
    #expect(inf.mean == -.infinity && inf.standardError == .infinity && inf.isDefined)
    #expect(!SampleSummary([.infinity, -.infinity]).isDefined)
  }

  #if arch(x86_64)
    @Test func digammaMatchesFloat80() {
      for x in [0.01, 0.5, 1, 2.5, 9.99, 10, 64, 1e6] {
        let t = Distributions.digamma(Float80(x))
        #expect(abs(SpecialFunctions.digamma(x) - Double(t)) <= 1e-15 * max(1, abs(Double(t))), "ψ(\(x))")
      }
      #expect(abs(SpecialFunctions.digamma(1) + 0.577_215_664_901_532_9) < 1e-15)
    }
  #endif

  @Test func costGuardRefusesInsteadOfHanging() throws {
    // Exact enumeration of all light triples at K = 1000 is over the hard budget, so a row that
    // no heavy/light split can handle gets this error instead of a 1.7e8-subset loop.
    let evaluator = HeavyLightEvaluator(target: .jackknife(order: 3))
    #expect(evaluator.enumerationCost(h: 0, n: 1000) > HeavyLightEvaluator.hardEnumerationBudget)
    let error = JackknifeRowError(
      target: .jackknife(order: 3), sampleCount: 1000, nonZeroCount: 1000,
      reason: .cost(subsetEvaluations: 1.7e8, limit: 5e7))
    #expect(error.description.contains("JVI of order 3") && error.description.contains("lower order"))
  }
}
