/// ELBO-B, the evidence lower bound with an analytic KL term:
///
///     ELBO-B = (1/k) Σ_i log p(x | z_i) − KL(q(z|x) ‖ p(z)),   z_i ~ q(z|x),
///
/// unbiased for the same ELBO as ELBO-A but with a different variance (it samples only the
/// likelihood). It reads the matrix's `logLikelihood` and `klDivergence`; using it on a matrix
/// without them is an error (`EstimatorError.missingAnalyticKLInputs`).
/// Cost: one pass over the block.
public struct ELBOAnalyticKL: BoundEstimator {
  public var name: String { "elbo-b" }
  public var order: Int { 0 }
  public let sampleCount: Int?
  public var needsAnalyticKLInputs: Bool { true }

  public init(k: Int? = nil) throws(EstimatorError) {
    if let k, k < 1 { throw .invalidConfiguration("elbo-b: k must be at least 1, got \(k)") }
    sampleCount = k
  }

  public func estimate(_ matrix: LogWeightMatrix, row: Int, columns: Range<Int>, workspace: EstimatorWorkspace)
    throws(EstimatorError) -> Double
  {
    guard let ll = matrix.logLikelihood, let kl = matrix.klDivergence else { throw .missingAnalyticKLInputs }
    let base = row * matrix.columnCount
    let mean = ll.withUnsafeBufferPointer { all in
      LogSpace.shiftedMean(
        UnsafeBufferPointer(rebasing: all[(base + columns.lowerBound)..<(base + columns.upperBound)]))
    }
    return mean - kl[row]
  }
}
