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
  let block: any BlockGradient

  /// - Parameter precision: how JVI's weights of order m ≥ 2 are summed: `.extended` (the
  ///   default, `--gradient-weights`) or `.automatic` (the training path's).
  /// - Throws: `EstimatorError.invalidConfiguration` for an estimator without gradient weights
  ///   (only iwae, jvi and vr have them: `BoundEstimator.blockGradient`) or a JVI of an order
  ///   too large for the weights (`JackknifeGradientWeights.init`).
  public init(
    _ estimator: any BoundEstimator, blockWidth k: Int,
    precision: JackknifeGradientWeights.Precision = .extended
  ) throws(EstimatorError) {
    self.estimator = estimator
    guard let block = try estimator.blockGradient(blockWidth: k, precision: precision) else {
      throw .invalidConfiguration(
        "gradient weights exist for the iwae, jvi and vr estimators, not \(estimator.name)")
    }
    self.block = block
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
      let target = UnsafeMutableBufferPointer(rebasing: out[(b * k)..<((b + 1) * k)])
      block.weights(row, into: target, scratch: scratch)
      if blocks > 1 { for i in target.indices { target[i] /= Double(blocks) } }
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

/// The derivatives of one block's estimate with respect to its k log-weights, as an estimator
/// computes them (`BoundEstimator.blockGradient`).
public protocol BlockGradient: Sendable {
  /// Writes ∂estimate/∂x_i, i = 0…k−1, of the block `x` into `out`; `scratch` holds ≥ 3k doubles.
  /// An all −∞ block gets zeros.
  func weights(
    _ x: UnsafeBufferPointer<Double>, into out: UnsafeMutableBufferPointer<Double>,
    scratch: UnsafeMutableBufferPointer<Double>)
}

/// IWAE's: the normalised weights w̃_i = w_i/Σ w.
public struct NormalizedWeightsGradient: BlockGradient {
  public init() {}

  public func weights(
    _ x: UnsafeBufferPointer<Double>, into out: UnsafeMutableBufferPointer<Double>,
    scratch: UnsafeMutableBufferPointer<Double>
  ) {
    if LogSpace.maximum(x) == -.infinity {
      for i in out.indices { out[i] = 0 }
    } else {
      LogSpace.normalizedWeights(x, into: out)
    }
  }
}

/// VR-α's: the normalised w_i^(1−α) (`EstimatorGradient.renyiWeights`).
public struct RenyiWeightsGradient: BlockGradient {
  public let alpha: Double

  public init(alpha: Double) { self.alpha = alpha }

  public func weights(
    _ x: UnsafeBufferPointer<Double>, into out: UnsafeMutableBufferPointer<Double>,
    scratch: UnsafeMutableBufferPointer<Double>
  ) {
    EstimatorGradient.renyiWeights(x, alpha: alpha, into: out, scratch: scratch)
  }
}

/// JVI's: the jackknife weights (time linear in k).
extension JackknifeGradientWeights: BlockGradient {}
