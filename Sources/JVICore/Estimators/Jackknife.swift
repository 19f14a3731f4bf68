/// JVI_{k,m}, jackknife variational inference of order m (Nowozin, ICLR 2018):
///
///     JVI_{k,m} = Σ_{j=0}^{m} c_j Lbar_{k−j},   c_j = (−1)^j (k − j)^m / (j! (m − j)!),
///
/// where Lbar_{k−j} is the mean of IWAE_{k−j} over all (k−j)-subsets of the k samples. It
/// removes the bias of IWAE order by order: bias(JVI_{k,m}) = O(k^−(m+1)).
///
/// Evaluated exactly and centred on IWAE_k, never as the raw Σ c_j Lbar (which loses
/// log₁₀ Σ|c_j| digits, up to 5e−5 absolute at k = 1000, m = 3):
/// - m = 0: IWAE_k;
/// - m = 1: IWAE_k − (k − 1) g(1) by `LogSpace.leaveOneOut`, O(k);
/// - m ≥ 2: the heavy/light method (`HeavyLightEvaluator`), O(k·R) per instance.
///
/// Edge cases (docs/jackknife-math.md §0): with K' non-zero weights, an all-zero
/// block gives −∞; K' ≤ m gives the IEEE value of the definition in `value(_:order:)`:
/// (−1)^(m+1)·∞ when K' = m, NaN when K' < m. As a `BoundEstimator` both are undefined: the
/// estimate is NaN and the instance is reported as such. Equal log-weights give that value exactly.
///
/// Error bound: m = 1 a few ulp (≤ 1.6e−15·max(1, |JVI|)); m = 2, 3 ≤ 1.2e−14·max(1, |JVI|)
/// (measured 1.9e−15 against 40-digit enumeration at K = 64…1000). Beyond that the light terms
/// cancel ≈ K^(m−2)-fold: every row carries an a-posteriori bound on its rounding error
/// (`HeavyLightDiagnostics.errorBound`), rows whose bound exceeds 1e−13 relative are recomputed
/// with the light terms in double-double, and a row still above 1e−9 relative is refused with
/// `EstimatorError.rowNotEvaluable` rather than printed. Measured: orders 4–8 within 1e−9 of
/// 40-digit enumeration at K ≤ 22; orders ≤ 6 certified to ≤ 6e−13 relative up to K = 5000.
///
/// Orders above `maximumOrder` are refused: the exact fallback for small or sparse blocks
/// enumerates up to C(2m + 1, m) subsets per instance, and the cancellation grows like K^(m−2).
public struct Jackknife: BoundEstimator {
  public static let maximumOrder = 10

  public var name: String { "jvi" }
  public let order: Int
  public let sampleCount: Int?
  public var minimumSampleCount: Int { order + 1 }
  let evaluator: HeavyLightEvaluator?

  public init(order: Int, k: Int? = nil) throws(EstimatorError) {
    guard order >= 0 else { throw .invalidConfiguration("jvi: the order must be at least 0, got \(order)") }
    guard order <= Jackknife.maximumOrder else {
      throw .invalidConfiguration(
        "jvi: order \(order) is above the supported maximum \(Jackknife.maximumOrder); its coefficients grow like "
          + "K^m/m!, so double precision cannot resolve the estimate, and small or sparse blocks would need up to "
          + "C(2m+1, m) subset evaluations per instance")
    }
    if let k, k <= order {
      throw .tooFewSamples(estimator: "jvi", order: order, k: k, minimum: order + 1)
    }
    self.order = order
    sampleCount = k
    evaluator = order >= 2 ? HeavyLightEvaluator(target: .jackknife(order: order)) : nil
  }

  public func estimate(_ matrix: LogWeightMatrix, row: Int, columns: Range<Int>, workspace: EstimatorWorkspace)
    throws(EstimatorError) -> Double
  {
    try matrix.withRow(row, columns: columns) { (x) throws(EstimatorError) -> Double in
      let v = try Jackknife.value(x, order: order, evaluator: evaluator, workspace: workspace)
      // ±∞ from a block with some non-zero weight is the definition's artefact of K' = m, not an
      // estimate: undefined (NaN). Only an all-zero block's −∞ is a value.
      if v.isInfinite && LogSpace.maximum(x) > -.infinity { return .nan }
      return v
    }
  }

  /// With K' ≤ m non-zero weights the definition gives NaN (K' < m) or (−1)^(m+1)·∞ (K' = m):
  /// both are reported as undefined.
  public func undefinedReason(_ x: UnsafeBufferPointer<Double>) -> String {
    let nonZero = x.filter { $0 > -.infinity }.count
    return "it has \(nonZero) non-zero weight\(nonZero == 1 ? "" : "s") in a block of \(x.count), and JVI of order m "
      + "needs at least m + 1 = \(order + 1) (with fewer the definition gives NaN or an infinity)"
  }

  /// JVI of order m for one block of log-weights.
  static func value(
    _ x: UnsafeBufferPointer<Double>, order: Int, evaluator: HeavyLightEvaluator?, workspace: EstimatorWorkspace
  ) throws(EstimatorError) -> Double {
    switch order {
    case 0:
      return LogSpace.logMeanExp(x)
    case 1:
      workspace.reserve(rowLength: x.count, order: 1)
      let scratch = workspace.expValues.leading(x.count)
      return LogSpace.leaveOneOut(x, scratch: scratch).jackknife(sampleCount: x.count)
    default:
      guard let evaluator else { return .nan }
      do {
        return try evaluator.evaluate(x, workspace: workspace)
      } catch {
        throw .rowNotEvaluable(row: nil, message: error.description)
      }
    }
  }

  /// JVI of order m for one block of log-weights (0 ≤ m < K, m ≤ `maximumOrder`).
  public static func value(_ x: UnsafeBufferPointer<Double>, order: Int, workspace: EstimatorWorkspace)
    throws(EstimatorError) -> Double
  {
    let estimator = try Jackknife(order: order, k: x.count)
    return try value(x, order: order, evaluator: estimator.evaluator, workspace: workspace)
  }

  /// JVI of order m for one row of log-weights (0 ≤ m < K, m ≤ `maximumOrder`).
  public static func value(_ x: [Double], order: Int, workspace: EstimatorWorkspace = EstimatorWorkspace())
    throws(EstimatorError) -> Double
  {
    let estimator = try Jackknife(order: order, k: x.count)
    return try x.withUnsafeBufferPointer { (p) throws(EstimatorError) -> Double in
      try value(p, order: order, evaluator: estimator.evaluator, workspace: workspace)
    }
  }
}

extension Jackknife {
  /// The jackknife weights of order m for blocks of k (`JackknifeGradientWeights`).
  public func blockGradient(blockWidth k: Int, precision: JackknifeGradientWeights.Precision) throws(EstimatorError)
    -> (any BlockGradient)?
  { try JackknifeGradientWeights(sampleCount: k, order: order, precision: precision) }
}
