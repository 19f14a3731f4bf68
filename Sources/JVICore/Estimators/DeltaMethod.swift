#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The delta-method bias-corrected IWAE:
///
///     delta_k = IWAE_k + (k/ESS − 1) / (2(k − 1)),   ESS = (Σ w_i)² / Σ w_i²,
///
/// since E[IWAE_k] ≈ log p(x) − s₂/(2k) with s₂ = Var(w)/E[w]², and k/ESS − 1 = k Σu_i² − 1
/// (u = normalised weights) has expectation (k − 1)/k · s₂ + O(1/k), whence the 2(k − 1).
/// It needs k ≥ 2.
///
/// Edge cases: equal weights give that value exactly (ESS = k); an all −∞ block gives −∞.
/// Cost: as IWAE plus one multiply-add per sample.
public struct DeltaMethod: BoundEstimator {
  public var name: String { "delta" }
  public var order: Int { 0 }
  public let sampleCount: Int?
  public var minimumSampleCount: Int { 2 }

  public init(k: Int? = nil) throws(EstimatorError) {
    if let k, k < 2 { throw .tooFewSamples(estimator: "delta", order: 0, k: k, minimum: 2) }
    sampleCount = k
  }

  public func estimate(_ matrix: LogWeightMatrix, row: Int, columns: Range<Int>, workspace: EstimatorWorkspace)
    throws(EstimatorError) -> Double
  {
    workspace.reserve(rowLength: columns.count, order: 1)
    let scratch = workspace.expValues.leading(columns.count)
    return matrix.withRow(row, columns: columns) { x in
      let d = WeightDiagnostics(x, scratch: scratch)
      if d.iwae == -.infinity { return -.infinity }
      return d.iwae + d.excessOverEqualWeights(sampleCount: x.count) / (2 * Double(x.count - 1))
    }
  }
}
