/// VR-max, the α → −∞ limit of the Rényi bound estimate (Li & Turner, "Rényi divergence
/// variational inference", NeurIPS 2016, Algorithm 1):
///
///     lim_{α→−∞} (1/(1 − α))·log((1/K) Σ_i w_i^(1−α)) = max_i log w_i.
///
/// It back-propagates through the single largest weight in training; as an evidence estimate it
/// usually lies above log p(x).
/// Edge cases: an all −∞ block gives −∞; equal log-weights give that value.
/// Error bound: exact (a maximum). Cost: K/4 vector compares.
public struct RenyiMax: BoundEstimator {
  public var name: String { "vr-max" }
  public var order: Int { 0 }
  public let sampleCount: Int?

  public init(k: Int? = nil) throws(EstimatorError) {
    if let k, k < 1 { throw .invalidConfiguration("vr-max: k must be at least 1, got \(k)") }
    sampleCount = k
  }

  public func estimate(_ matrix: LogWeightMatrix, row: Int, columns: Range<Int>, workspace: EstimatorWorkspace)
    throws(EstimatorError) -> Double
  {
    matrix.withRow(row, columns: columns) { LogSpace.maximum($0) }
  }
}
