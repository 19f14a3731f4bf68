/// CIWAE, the convex combination of the ELBO and IWAE (Rainforth, Kosiorek, Le, Maddison, Igl,
/// Wood, Teh, "Tighter variational bounds are not necessarily better", ICML 2018):
///
///     CIWAE_β = β·ELBO_K + (1 − β)·IWAE_K,   ELBO_K = (1/K) Σ log w_i,   0 ≤ β ≤ 1,
///
/// a lower bound in expectation between the two. MIWAE(M, K) is IWAE with blocks of K
/// (`--k K` on M·K columns), so it needs no estimator of its own.
///
/// Computed as IWAE + β·(ELBO − IWAE); β = 0 and β = 1 return the IWAE and ELBO values exactly.
/// Edge cases: a zero weight makes the ELBO −∞, so CIWAE is −∞ for β > 0; equal log-weights give
/// that value exactly (ELBO = IWAE).
/// Error bound: ≤ 2 ulp beyond the two kernels' own. Cost: one exp and one add per element.
public struct CombinationIWAE: BoundEstimator {
  public static let defaultBeta = 0.5

  public var name: String { "ciwae" }
  public var label: String { beta == CombinationIWAE.defaultBeta ? "ciwae" : "ciwae:beta=\(compact(beta))" }
  public var order: Int { 0 }
  public let beta: Double
  public let sampleCount: Int?

  public init(beta: Double = CombinationIWAE.defaultBeta, k: Int? = nil) throws(EstimatorError) {
    guard beta >= 0 && beta <= 1 else {
      throw .invalidConfiguration("ciwae: beta must lie in [0, 1], got \(beta)")
    }
    if let k, k < 1 { throw .invalidConfiguration("ciwae: k must be at least 1, got \(k)") }
    self.beta = beta
    sampleCount = k
  }

  public func estimate(_ matrix: LogWeightMatrix, row: Int, columns: Range<Int>, workspace: EstimatorWorkspace)
    throws(EstimatorError) -> Double
  {
    matrix.withRow(row, columns: columns) { x in
      let iwae = LogSpace.logMeanExp(x)
      if beta == 0 { return iwae }
      let elbo = LogSpace.shiftedMean(x)
      if beta == 1 || elbo == -.infinity { return elbo }
      return iwae + beta * (elbo - iwae)
    }
  }
}
