import JVICore

extension GaussianVAE {
  /// Forward pass for `count` binary images (count × inputSize) with the noise already in
  /// `state.epsilon`: fills log p(x | z), log p(z), log q(z | x), log w per sample and the
  /// analytic KL per image, all accumulated in Double. With `keepLogitGradients`, also leaves
  /// t − σ(ℓ) in the state for `backward`.
  public func forward<T: NetworkScalar>(
    images x: UnsafePointer<T>, count: Int, parameters: UnsafePointer<T>, state: GaussianVAEBatchState<T>,
    keepLogitGradients: Bool = false
  ) {
    let d = architecture.latentSize, input = architecture.inputSize, k = state.samples
    precondition(count <= state.maximumImages, "\(count) images exceed the \(state.maximumImages) the state holds")
    let enc = encoder.forward(x, rows: count, parameters: parameters, state: state.encoder)
    let half = state.halfLogVariance.pointer, sigma = state.sigma.pointer
    for b in 0..<count {
      for j in 0..<d { half[b * d + j] = enc[b * 2 * d + d + j] * 0.5 }
    }
    T.exp(half, sigma, count: count * d)
    let eps = state.epsilon.pointer, z = state.z.pointer
    for b in 0..<count {
      for s in 0..<k {
        let row = (b * k + s) * d
        for j in 0..<d { z[row + j] = enc[b * 2 * d + j] + sigma[b * d + j] * eps[row + j] }
      }
    }
    let logits = decoder.forward(z, rows: count * k, parameters: parameters, state: state.decoder)
    for b in 0..<count {
      decoderLogLikelihood(
        outputs: logits + b * k * input, observation: x + b * input, rows: k, parameters: parameters,
        into: state.logLikelihood.pointer + b * k,
        gradient: keepLogitGradients ? state.dLogits.pointer + b * k * input : nil)
    }
    let constant = Double(d) * GaussianVAE.logTwoPi
    for b in 0..<count {
      var sumLogVariance = 0.0, kl = 0.0
      for j in 0..<d {
        let mu = Double(enc[b * 2 * d + j]), lv = Double(enc[b * 2 * d + d + j]), s = Double(sigma[b * d + j])
        sumLogVariance += lv
        kl += mu * mu + s * s - 1 - lv
      }
      state.klDivergence.pointer[b] = 0.5 * kl
      for s in 0..<k {
        let row = b * k + s
        var zz = 0.0, ee = 0.0
        for j in 0..<d {
          let zv = Double(z[row * d + j]), ev = Double(eps[row * d + j])
          zz += zv * zv
          ee += ev * ev
        }
        let logPrior = -0.5 * (zz + constant)
        let logPosterior = -0.5 * (ee + constant + sumLogVariance)
        state.logPrior.pointer[row] = logPrior
        state.logPosterior.pointer[row] = logPosterior
        state.logWeights.pointer[row] = state.logLikelihood.pointer[row] + logPrior - logPosterior
      }
    }
  }

  /// The objective on `count` images and, with `gradients`, the gradient of the loss
  /// −lossScale·Σ_images objective accumulated into `gradients` (lossScale = 1/batch size).
  ///
  /// Every objective's gradient is Σ_s g_s ∇ log w_s (plus the KL term for ELBO-B), with the
  /// sample weights g held constant (`VAEObjectiveWeights`). Through z = μ + σ ⊙ ε:
  ///
  ///     ∂log w/∂z = ∂log p(x|z)/∂z − z,   ∂log w/∂μ = ∂log w/∂z,
  ///     ∂log w/∂log σ² = (∂log w/∂z) ⊙ ε ⊙ σ/2 + 1/2  (the 1/2 from −log q).
  ///
  /// The encoder's gradient uses its own weights h (`VAEObjectiveWeights.separateEncoderWeights`:
  /// the decoder then back-propagates twice, once with g for its parameters and once with h for
  /// z). With `gradient` = .stl or .dreg it is the path derivative alone, q's parameters held
  /// fixed inside log q: ∂log w/∂z gains +ε/σ (= −∂log q/∂z) and the 1/2 (the score term's
  /// share) is dropped: per dimension ∂/∂μ = Σ_s h_s ∂log w_s/∂z, ∂/∂log σ² = Σ_s h_s
  /// (∂log w_s/∂z) ε_s σ/2.
  public func objective<T: NetworkScalar>(
    _ objective: VAEObjective, gradient: VAEGradientEstimator = .standard, images x: UnsafePointer<T>, count: Int,
    parameters: UnsafePointer<T>, state: GaussianVAEBatchState<T>, gradients: UnsafeMutablePointer<T>? = nil,
    lossScale: Double = 1, jackknifeWeights: JackknifeGradientWeights? = nil
  ) throws(EstimatorError) -> ObjectiveValue {
    let d = architecture.latentSize, input = architecture.inputSize, k = state.samples
    precondition(
      gradients == nil || architecture.likelihood != .gaussianPerPixel,
      "training a per-pixel Gaussian likelihood is not supported: its log-variance has no gradient here")
    forward(images: x, count: count, parameters: parameters, state: state, keepLogitGradients: gradients != nil)
    let ll = state.logLikelihood.pointer, g = state.sampleWeights.pointer
    let separate = gradients != nil && VAEObjectiveWeights.separateEncoderWeights(objective, gradient)
    let h = separate ? state.encoderWeights.pointer : g
    var value = try VAEObjectiveWeights.evaluate(
      objective, gradient: gradient, logWeights: state.logWeights.pointer, images: count, samples: k,
      weights: gradients == nil ? nil : g, encoderWeights: separate ? h : nil, scratch: state.weightScratch.buffer,
      workspace: state.estimatorWorkspace, jackknifeWeights: jackknifeWeights)
    if objective == .elboAnalyticKL {
      value.objectiveSum = 0
      for b in 0..<count {
        value.objectiveSum +=
          LogSpace.shiftedMean(UnsafeBufferPointer(start: ll + b * k, count: k)) - state.klDivergence.pointer[b]
      }
    }
    guard let gradients else { return value }

    // Decoder: ∂loss/∂ℓ = −lossScale·g·(t − σ(ℓ)) per row (and −lossScale·h·(t − σ(ℓ)) for z).
    let dLogits = state.dLogits.pointer, rows = count * k
    if separate { state.dLogitsPath.pointer.update(from: dLogits, count: rows * input) }
    scaleRows(dLogits, rows: rows, width: input, by: g, factor: -lossScale)
    let dz = state.dz.pointer
    decoder.backward(
      outputGradient: dLogits, rows: rows, parameters: parameters, gradients: gradients,
      inputGradient: separate ? nil : dz, state: state.decoder)
    if separate {
      let path = state.dLogitsPath.pointer
      scaleRows(path, rows: rows, width: input, by: h, factor: -lossScale)
      decoder.backward(
        outputGradient: path, rows: rows, parameters: parameters, gradients: nil, inputGradient: dz,
        state: state.decoder)
    }
    let analyticKL = objective == .elboAnalyticKL
    let pathOnly = gradient != .standard
    let z = state.z.pointer, eps = state.epsilon.pointer, sigma = state.sigma.pointer
    if !analyticKL {
      // The prior: ∂(−lossScale·h·log p(z))/∂z = lossScale·h·z; the path form adds
      // ∂(−lossScale·h·(−log q))/∂z = −lossScale·h·ε/σ.
      for b in 0..<count {
        for s in 0..<k {
          let r = b * k + s
          let scale = T(lossScale * h[r])
          for j in 0..<d {
            dz[r * d + j] += scale * z[r * d + j]
            if pathOnly { dz[r * d + j] -= scale * eps[r * d + j] / sigma[b * d + j] }
          }
        }
      }
    }
    let enc = state.encoder.preActivations[encoder.layers.count - 1].pointer
    let dEnc = state.dEncoderOutput.pointer
    for b in 0..<count {
      for j in 0..<d {
        var dMu: T = 0, dLogVariance: T = 0
        for s in 0..<k {
          let r = (b * k + s) * d + j
          dMu += dz[r]
          dLogVariance += dz[r] * eps[r]
        }
        dLogVariance *= sigma[b * d + j] * 0.5
        if analyticKL {
          // +lossScale·KL: ∂KL/∂μ = μ, ∂KL/∂log σ² = (σ² − 1)/2.
          let s = sigma[b * d + j]
          dMu += T(lossScale) * enc[b * 2 * d + j]
          dLogVariance += T(lossScale * 0.5) * (s * s - 1)
        } else if !pathOnly {
          // −lossScale·Σ_s h_s·(1/2) from −log q, with Σ_s h_s = 1 for every weighting of the
          // standard estimator (exactly, not as rounded).
          dLogVariance -= T(lossScale * 0.5)
        }
        dEnc[b * 2 * d + j] = dMu
        dEnc[b * 2 * d + d + j] = dLogVariance
      }
    }
    encoder.backward(
      outputGradient: dEnc, rows: count, parameters: parameters, gradients: gradients, inputGradient: nil,
      state: state.encoder)
    return value
  }

  /// Row r of `values` (rows × width) times factor·weights[r].
  func scaleRows<T: NetworkScalar>(
    _ values: UnsafeMutablePointer<T>, rows: Int, width: Int, by weights: UnsafePointer<Double>, factor: Double
  ) {
    for r in 0..<rows {
      let scale = T(factor * weights[r])
      let p = values + r * width
      for j in 0..<width { p[j] *= scale }
    }
  }
}
