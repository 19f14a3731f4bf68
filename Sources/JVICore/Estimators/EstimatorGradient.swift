/// The derivatives of an estimate with respect to its instance's log-weights,
///
///     G[n, i] = ∂ estimate_n / ∂ log w_{n,i},
///
/// so that a training loop elsewhere can back-propagate through jvi's estimate with
/// loss = −Σ_{n,i} G[n, i]·log w_{n,i}, G held constant (`jvi-eval --gradient-weights`). For
/// IWAE they are the normalised weights w̃_i; for VR-α the normalised w_i^(1−α) (1/k at α = 1);
/// for JVI of order m the jackknife weights (`JackknifeGradientWeights` in extended precision:
/// time linear in k, the double nearest the definition). With blocks of k < K columns the
/// estimate is the mean of B = ⌊K/k⌋ block estimates, so each block's weights are divided by B
/// (columns past B·k get 0). Every row sums to 1 (the estimates are shift-equivariant: adding
/// c to every log-weight adds c), up to rounding; an all −∞ block gets 0.
public struct EstimatorGradient: Sendable {
  public let estimator: any BoundEstimator
  let jackknife: JackknifeGradientWeights?

  /// - Parameter precision: how JVI's weights of order m ≥ 2 are summed: `.extended` (the
  ///   default, `--gradient-weights`) or `.automatic` (the training path's).
  /// - Throws: `EstimatorError.invalidConfiguration` for an estimator without gradient weights
  ///   (only iwae, jvi and vr have them) or a JVI of an order too large for the weights
  ///   (`JackknifeGradientWeights.init`).
  public init(
    _ estimator: any BoundEstimator, blockWidth k: Int,
    precision: JackknifeGradientWeights.Precision = .extended
  ) throws(EstimatorError) {
    self.estimator = estimator
    switch estimator {
    case is IWAE, is RenyiBound:
      jackknife = nil
    case let j as Jackknife:
      jackknife = try JackknifeGradientWeights(sampleCount: k, order: j.order, precision: precision)
    default:
      throw .invalidConfiguration(
        "--gradient-weights applies to the iwae, jvi and vr estimators, not \(estimator.name)")
    }
  }

  /// The weights of one instance's K log-weights `x` into `out` (K values), in blocks of `k`;
  /// `scratch` holds ≥ 3k doubles.
  public func weights(
    _ x: UnsafeBufferPointer<Double>, blockWidth k: Int, into out: UnsafeMutableBufferPointer<Double>,
    scratch: UnsafeMutableBufferPointer<Double>
  ) {
    let blocks = x.count / k
    for i in out.indices { out[i] = 0 }
    for b in 0..<blocks {
      let row = UnsafeBufferPointer(rebasing: x[(b * k)..<((b + 1) * k)])
      let block = UnsafeMutableBufferPointer(rebasing: out[(b * k)..<((b + 1) * k)])
      switch estimator {
      case let r as RenyiBound:
        Self.renyiWeights(row, alpha: r.alpha, into: block, scratch: scratch)
      case is Jackknife:
        jackknife?.weights(row, into: block, scratch: scratch)
      default:
        if LogSpace.maximum(row) == -.infinity {
          for i in block.indices { block[i] = 0 }
        } else {
          LogSpace.normalizedWeights(row, into: block)
        }
      }
      if blocks > 1 { for i in block.indices { block[i] /= Double(blocks) } }
    }
  }

  /// ∂L_α/∂x_i: the normalised weights of (1 − α)x (1/k at α = 1; 0 for an all −∞ block).
  public static func renyiWeights(
    _ x: UnsafeBufferPointer<Double>, alpha: Double, into out: UnsafeMutableBufferPointer<Double>,
    scratch: UnsafeMutableBufferPointer<Double>
  ) {
    let k = x.count, t = 1 - alpha
    if LogSpace.maximum(x) == -.infinity {
      for i in 0..<k { out[i] = 0 }
      return
    }
    if t == 0 {
      for i in 0..<k { out[i] = 1 / Double(k) }
      return
    }
    let scaled = UnsafeMutableBufferPointer(rebasing: scratch[0..<k])
    for i in 0..<k { scaled[i] = t * x[i] }
    LogSpace.normalizedWeights(UnsafeBufferPointer(scaled), into: out)
  }
}
