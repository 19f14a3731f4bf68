/// PSIS, the Pareto-smoothed IWAE estimate of log p(x) (Vehtari, Simpson, Gelman, Yao, Gabry,
/// JMLR 2024), computed as the stan-dev `loo` package computes it (`ParetoSmoothing`):
///
///     PSIS_K = M + log((1/K) Σ_i w̃_i),   w̃ = the weights with their T = ⌈min(K/5, 3√K)⌉ largest
///              replaced by a fitted generalized Pareto tail and capped at the largest weight.
///
/// Smoothing trades the IWAE estimate's heavy upper tail for a small bias: the estimate is
/// neither a bound nor unbiased, but its variance stays finite when Var(w) is not. The fitted
/// shape k̂ (`jvi-eval --diagnostics`) says whether the weights can be trusted: k̂ > 0.7 (or above
/// min(1 − 1/log₁₀K, 0.7) for the sample size) means they cannot.
///
/// Undefined (reported per row) when the tail has fewer than 5 points, i.e. K < 21.
/// Edge cases: an all −∞ block gives −∞; equal log-weights give that value exactly.
/// Error bound: a few ulp beyond the fit's own rounding (see `ParetoSmoothing`).
/// Cost: O(K log K) for the sort plus ≈ 40·T log1p for the fit; ≈ 25k instances/s at K = 1024.
public struct ParetoSmoothedIWAE: BoundEstimator {
  public var name: String { "psis" }
  public var order: Int { 0 }
  public let sampleCount: Int?

  public init(k: Int? = nil) throws(EstimatorError) {
    if let k, k < 1 { throw .invalidConfiguration("psis: k must be at least 1, got \(k)") }
    sampleCount = k
  }

  public func estimate(_ matrix: LogWeightMatrix, row: Int, columns: Range<Int>, workspace: EstimatorWorkspace)
    throws(EstimatorError) -> Double
  {
    workspace.reserve(rowLength: columns.count, order: 1)
    let scratch = workspace.expValues.leading(columns.count)
    return matrix.withRow(row, columns: columns) { ParetoSmoothing.smooth($0, scratch: scratch).logMeanWeight }
  }

  public func undefinedReason(_ x: UnsafeBufferPointer<Double>) -> String {
    "the Pareto tail of K = \(x.count) samples has \(ParetoSmoothing.tailLength(sampleCount: x.count)) points; "
      + "PSIS needs at least \(ParetoSmoothing.minimumTailLength) (K >= \(ParetoSmoothing.minimumSampleCount))"
  }
}

extension ParetoSmoothedIWAE {
  /// Narrower blocks are accepted and left undefined: the tail needs 5 points (K ≥ 21).
  public var smallestDefinedSampleCount: Int { ParetoSmoothing.minimumSampleCount }
}
