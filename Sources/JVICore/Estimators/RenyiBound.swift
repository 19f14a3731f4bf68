#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// VR-α, the Monte Carlo estimate of the Rényi variational bound (Li & Turner, "Rényi divergence
/// variational inference", NeurIPS 2016, eq. 9):
///
///     L̂_α = (1/(1 − α))·log((1/K) Σ_i w_i^(1−α)),   α ≠ 1;   L̂_1 = (1/K) Σ_i log w_i (the ELBO).
///
/// α = 0 is IWAE_K; α → 1 the ELBO; α < 0 lies above IWAE and α → −∞ is VR-max. L_α is
/// non-increasing in α, and E[L̂_α] ≤ log p(x) for α ≥ 0 (for α < 0 it may lie above).
///
/// Evaluation, with t = 1 − α and the log-weights centred on their mean c, d_i = log w_i − c:
/// - |t|·max|d_i| ≤ 1: L̂ = c + log1p(A)/t, A = t·mean(d) + mean(e^(t d) − 1 − t d), where
///   e^y − 1 − y comes from its Taylor series (`expMinusOneMinusArgument`). As t → 0 the sum of
///   the first-order terms t·d_i cancels exactly by the centring and A ≈ t²·Var(d)/2, so nothing
///   is lost: the direct (1/t)·log-mean-exp form loses about log₁₀(1/|t|) digits there.
/// - otherwise: (1/t)·(log Σ e^(t (log w_i − s)) − log K) + s with s the maximum (t > 0) or the
///   minimum (t < 0) of the log-weights, so every exponent is ≤ 0.
/// α = 0 and α = 1 use the IWAE and ELBO kernels themselves, so they agree bit for bit.
///
/// Edge cases: an all −∞ block gives −∞. Zero weights (−∞) add nothing for α < 1 and make the
/// estimate −∞ for α ≥ 1 (w^(1−α) = ∞, or log 0 in the ELBO). Equal log-weights give that value.
/// Error bound: centred path ≤ c·ε·(|c| + max|d|) absolute; exponential path ≤ c·ε·(|s| + max|log w − s| + log K/|t|).
/// Cost: one exp or one short series per element, two passes.
public struct RenyiBound: BoundEstimator {
  public static let defaultAlpha = 0.5

  public var name: String { "vr" }
  public var label: String { alpha == RenyiBound.defaultAlpha ? "vr" : "vr:alpha=\(compact(alpha))" }
  public var order: Int { 0 }
  public let alpha: Double
  public let sampleCount: Int?

  public init(alpha: Double = RenyiBound.defaultAlpha, k: Int? = nil) throws(EstimatorError) {
    guard alpha.isFinite else { throw .invalidConfiguration("vr: alpha must be a finite number, got \(alpha)") }
    if let k, k < 1 { throw .invalidConfiguration("vr: k must be at least 1, got \(k)") }
    self.alpha = alpha
    sampleCount = k
  }

  public func estimate(_ matrix: LogWeightMatrix, row: Int, columns: Range<Int>, workspace: EstimatorWorkspace)
    throws(EstimatorError) -> Double
  {
    matrix.withRow(row, columns: columns) { RenyiBound.value($0, alpha: alpha) }
  }

  /// L̂_α of one block.
  public static func value(_ x: UnsafeBufferPointer<Double>, alpha: Double) -> Double {
    if alpha == 0 { return LogSpace.logMeanExp(x) }
    if alpha == 1 { return LogSpace.shiftedMean(x) }
    let t = 1 - alpha
    let mx = LogSpace.maximum(x)
    if mx == -.infinity { return -.infinity }
    let c = LogSpace.shiftedMean(x)
    if c == -.infinity {
      // Some weights are zero: they add nothing for t > 0 and make Σ w^t infinite for t < 0.
      return t < 0 ? -.infinity : exponentialForm(x, t: t, shift: mx)
    }
    var spread = 0.0, mn = mx
    for v in x {
      spread = Swift.max(spread, Swift.abs(v - c))
      mn = Swift.min(mn, v)
    }
    if Swift.abs(t) * spread > 1 { return exponentialForm(x, t: t, shift: t > 0 ? mx : mn) }
    var first = 0.0, second = 0.0
    for v in x {
      let y = t * (v - c)
      first += y
      second += expMinusOneMinusArgument(y)
    }
    let a = (first + second) / Double(x.count)
    return c + log1p(a) / t
  }

  /// (1/t)·(log Σ e^(t (x_i − s)) − log K) + s, with t·(x_i − s) ≤ 0 for every i.
  static func exponentialForm(_ x: UnsafeBufferPointer<Double>, t: Double, shift s: Double) -> Double {
    var sum = 0.0
    for v in x where v > -.infinity { sum += exp(t * (v - s)) }
    return s + (log(sum) - log(Double(x.count))) / t
  }

  /// e^y − 1 − y for |y| ≤ 1 by its Taylor series y²·Σ_{n≥0} yⁿ/(n + 2)! (18 terms: the
  /// truncation is below 2⁻⁶⁰ relative); beyond, expm1(y) − y (which loses at most two bits there).
  @inlinable
  public static func expMinusOneMinusArgument(_ y: Double) -> Double {
    if Swift.abs(y) > 1 { return expm1(y) - y }
    let c = RenyiBound.inverseFactorials
    var s = c[20]
    var n = 19
    while n >= 2 {
      s = s * y + c[n]
      n -= 1
    }
    return y * y * s
  }

  /// 1/n! for n = 0…20.
  @usableFromInline static let inverseFactorials: [Double] = {
    var f = [Double](repeating: 1, count: 21)
    var p = 1.0
    for n in 1...20 {
      p *= Double(n)
      f[n] = 1 / p
    }
    return f
  }()
}

extension RenyiBound {
  /// The normalised w_i^(1−α).
  public func blockGradient(blockWidth k: Int, precision: JackknifeGradientWeights.Precision) throws(EstimatorError)
    -> (any BlockGradient)?
  { RenyiWeightsGradient(alpha: alpha) }
}
