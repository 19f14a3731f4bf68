import JVICore

/// The objective of each image from its k log-weights ℓ_s, and the per-sample weights of its
/// gradient. Every objective's gradient is Σ_s g_s ∇ℓ_s with g held constant (it is linear in
/// the ∇ℓ_s): g_s = 1/k (ELBO), the normalised weights w̃_s (IWAE), the jackknife weights
/// (JVI), w̃ within each group divided by M (MIWAE), β/k + (1 − β)w̃_s (CIWAE), and the normalised
/// w_s^(1−α) (VR-α). The encoder's path weights h differ from g for the doubly reparameterised
/// estimator (w̃_s², or the jackknife's `doublyReparameterized` weights) and for PIWAE (its
/// encoder follows MIWAE while the decoder follows IWAE).
enum VAEObjectiveWeights {
  /// True when the encoder's weights h are not the decoder's g.
  static func separateEncoderWeights(_ objective: VAEObjective, _ gradient: VAEGradientEstimator) -> Bool {
    if case .piwae = objective { return true }
    return gradient == .dreg
  }

  /// Evaluates `images` rows of k log-weights; with `weights`, writes g (and h into
  /// `encoderWeights` when `separateEncoderWeights`). `scratch` holds ≥ 3k doubles.
  static func evaluate(
    _ objective: VAEObjective, gradient: VAEGradientEstimator = .standard, logWeights lw: UnsafePointer<Double>,
    images: Int, samples k: Int, weights g: UnsafeMutablePointer<Double>?,
    encoderWeights h: UnsafeMutablePointer<Double>? = nil, scratch: UnsafeMutableBufferPointer<Double>,
    workspace: EstimatorWorkspace, jackknifeWeights: JackknifeGradientWeights?
  ) throws(EstimatorError) -> ObjectiveValue {
    var value = ObjectiveValue(images: images)
    let separate = g != nil && separateEncoderWeights(objective, gradient)
    precondition(!separate || h != nil, "\(objective) with the \(gradient) gradient needs encoder weights")
    for b in 0..<images {
      let row = UnsafeBufferPointer(start: lw + b * k, count: k)
      let elbo = LogSpace.shiftedMean(row)
      value.elboSum += elbo
      let weights = g.map { UnsafeMutableBufferPointer(start: $0 + b * k, count: k) }
      let encoder = separate ? h.map { UnsafeMutableBufferPointer(start: $0 + b * k, count: k) } : nil
      switch objective {
      case .elboMonteCarlo, .elboAnalyticKL:
        value.objectiveSum += elbo
        if let weights { for s in 0..<k { weights[s] = 1 / Double(k) } }
      case .iwae, .vimco:
        value.objectiveSum += LogSpace.logMeanExp(row)
        if let weights { LogSpace.normalizedWeights(row, into: weights) }
        if let encoder, let weights { for s in 0..<k { encoder[s] = weights[s] * weights[s] } }
      case .jackknife(let m):
        value.objectiveSum += try Jackknife.value(row, order: m, workspace: workspace)
        if let weights {
          let w: JackknifeGradientWeights
          if let given = jackknifeWeights {
            w = given
          } else {
            w = try JackknifeGradientWeights(sampleCount: k, order: m)
          }
          w.weights(row, into: weights, scratch: scratch)
          if let encoder { w.doublyReparameterized(row, into: encoder, scratch: scratch) }
        }
      case .miwae(let groups):
        value.objectiveSum += groupedIWAE(row, groups: groups, weights: weights)
      case .piwae(let groups):
        value.objectiveSum += LogSpace.logMeanExp(row)
        if let weights { LogSpace.normalizedWeights(row, into: weights) }
        if let encoder { _ = groupedIWAE(row, groups: groups, weights: encoder) }
      case .ciwae(let beta):
        let iwae = LogSpace.logMeanExp(row)
        value.objectiveSum += beta * elbo + (1 - beta) * iwae
        if let weights {
          LogSpace.normalizedWeights(row, into: weights)
          for s in 0..<k { weights[s] = beta / Double(k) + (1 - beta) * weights[s] }
        }
      case .renyi(let alpha):
        value.objectiveSum += RenyiBound.value(row, alpha: alpha)
        if let weights { EstimatorGradient.renyiWeights(row, alpha: alpha, into: weights, scratch: scratch) }
      }
    }
    return value
  }

  /// MIWAE(M, k/M): the mean over M groups of consecutive samples of each group's log-mean-exp,
  /// and (with `weights`) each sample's normalised weight within its group divided by M.
  static func groupedIWAE(
    _ row: UnsafeBufferPointer<Double>, groups m: Int, weights: UnsafeMutableBufferPointer<Double>?
  ) -> Double {
    let size = row.count / m
    precondition(size * m == row.count, "\(row.count) samples do not split into \(m) groups")
    var total = 0.0
    for q in 0..<m {
      let group = UnsafeBufferPointer(rebasing: row[(q * size)..<((q + 1) * size)])
      total += LogSpace.logMeanExp(group)
      if let weights {
        let out = UnsafeMutableBufferPointer(rebasing: weights[(q * size)..<((q + 1) * size)])
        LogSpace.normalizedWeights(group, into: out)
        for s in out.indices { out[s] /= Double(m) }
      }
    }
    return total / Double(m)
  }
}
