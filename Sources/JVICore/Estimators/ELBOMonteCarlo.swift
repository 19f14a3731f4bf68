/// ELBO-A, the Monte Carlo evidence lower bound: the mean of the log-weights,
///
///     ELBO-A = (1/k) Σ_i log w_i,   E[ELBO-A] = log p(x) − KL(q(z|x) ‖ p(z|x)).
///
/// Edge cases: any −∞ log-weight gives −∞. Equal log-weights give that value exactly.
/// Error bound: ≤ (k/16 + 4)·ε·Σ|log w_i − log w_1|/k + ε|log w_1| (shifted blocked sum).
/// Cost: one pass, one add per sample.
public struct ELBOMonteCarlo: BoundEstimator {
  public var name: String { "elbo-a" }
  public var order: Int { 0 }
  public let sampleCount: Int?

  public init(k: Int? = nil) throws(EstimatorError) {
    if let k, k < 1 { throw .invalidConfiguration("elbo-a: k must be at least 1, got \(k)") }
    sampleCount = k
  }

  public func estimate(_ matrix: LogWeightMatrix, row: Int, columns: Range<Int>, workspace: EstimatorWorkspace)
    throws(EstimatorError) -> Double
  {
    matrix.withRow(row, columns: columns) { LogSpace.shiftedMean($0) }
  }
}
