import JVICore

extension DiscreteVAE {
  /// Forward pass for `count` binary images with the logistic noise already in `state.noise`:
  /// fills log p(x | latent), the log prior ratio and log w per sample (sums in Double). With
  /// `keepGradients` (relaxed latents only), leaves what `objective` needs for the backward pass.
  public func forward<T: NetworkScalar>(
    images x: UnsafePointer<T>, count: Int, parameters: UnsafePointer<T>, state: DiscreteVAEBatchState<T>,
    latent kind: LatentKind = .relaxed, keepGradients: Bool = false
  ) {
    let d = architecture.latentSize, input = architecture.inputSize, k = state.samples
    let rows = count * k, n = rows * d
    precondition(count <= state.maximumImages, "\(count) images exceed the \(state.maximumImages) the state holds")
    let g = encoder.forward(x, rows: count, parameters: parameters, state: state.encoder)
    let noise = state.noise.pointer, a = state.shifted.pointer, latent = state.latent.pointer
    for b in 0..<count {
      for s in 0..<k {
        let row = (b * k + s) * d
        for j in 0..<d { a[row + j] = g[b * d + j] + noise[row + j] }
      }
    }
    let sa = state.scratchA.pointer, sb = state.scratchB.pointer
    switch kind {
    case .relaxed:
      // y = σ(a/τ).
      let invTau = T(1 / temperature)
      for i in 0..<n { sa[i] = a[i] * invTau }
      T.sigmoid(sa, latent, count: n)
      // log p(z) − log q(z) = [−a − 2 softplus(−a)] − [−L − 2 softplus(−L)] per coordinate.
      for i in 0..<n { sa[i] = -a[i] }
      T.softplus(sa, sa, count: n)
      for i in 0..<n { sb[i] = -noise[i] }
      T.softplus(sb, sb, count: n)
      for r in 0..<rows {
        var ratio = 0.0
        for j in 0..<d {
          let i = r * d + j
          ratio += Double(noise[i]) - Double(a[i]) + 2 * (Double(sb[i]) - Double(sa[i]))
        }
        state.logPriorRatio.pointer[r] = ratio
      }
    case .discrete:
      // b = 1[a > 0]; log p(b) − log q(b) = −d log 2 + Σ_j softplus(−(2b_j − 1) G_j).
      for b in 0..<count {
        for s in 0..<k {
          let row = (b * k + s) * d
          for j in 0..<d {
            let on = a[row + j] > 0
            latent[row + j] = on ? 1 : 0
            sa[row + j] = on ? -g[b * d + j] : g[b * d + j]
          }
        }
      }
      T.softplus(sa, sa, count: n)
      let logHalf = -0.693_147_180_559_945_3 * Double(d)
      for r in 0..<rows {
        var s = 0.0
        for j in 0..<d { s += Double(sa[r * d + j]) }
        state.logPriorRatio.pointer[r] = logHalf + s
      }
    }
    let logits = decoder.forward(latent, rows: rows, parameters: parameters, state: state.decoder)
    for b in 0..<count {
      T.bernoulliLogLikelihood(
        logits: logits + b * k * input, targets: x + b * input, targetRowStride: 0, rows: k, columns: input,
        into: state.logLikelihood.pointer + b * k,
        gradient: keepGradients ? state.dLogits.pointer + b * k * input : nil, gradientScale: nil)
    }
    for r in 0..<rows {
      state.logWeights.pointer[r] = state.logLikelihood.pointer[r] + state.logPriorRatio.pointer[r]
    }
  }

  /// The objective on `count` images (relaxed latents) and, with `gradients`, the gradient of
  /// −lossScale·Σ objective accumulated into it. Every objective's gradient is Σ_s g_s ∇ log w_s
  /// with the sample weights g held constant (1/k, w̃, or the jackknife weights). Through
  /// z = (G + L)/τ, y = σ(z), a = τz:
  ///
  ///     ∂log w/∂z = ∂log p(x|y)/∂y ⊙ y(1 − y) + τ(1 − 2σ(a)),   ∂log w/∂G = (1/τ) ∂log w/∂z,
  ///
  /// and log q(z | x) = log τ − L − 2 softplus(−L) does not change along the path (zero gradient).
  ///
  /// - Throws: `EstimatorError.invalidConfiguration` for ELBO-B (there is no analytic KL).
  public func objective<T: NetworkScalar>(
    _ objective: VAEObjective, images x: UnsafePointer<T>, count: Int, parameters: UnsafePointer<T>,
    state: DiscreteVAEBatchState<T>, gradients: UnsafeMutablePointer<T>? = nil, lossScale: Double = 1,
    jackknifeWeights: JackknifeGradientWeights? = nil
  ) throws(EstimatorError) -> ObjectiveValue {
    if objective == .elboAnalyticKL {
      throw .invalidConfiguration(
        "elbo-b needs an analytic KL(q(z|x) || p(z)); the relaxed Bernoulli posterior and logistic prior have none")
    }
    let d = architecture.latentSize, input = architecture.inputSize, k = state.samples
    let rows = count * k
    forward(images: x, count: count, parameters: parameters, state: state, keepGradients: gradients != nil)
    let value = try VAEObjectiveWeights.evaluate(
      objective, logWeights: state.logWeights.pointer, images: count, samples: k,
      weights: gradients == nil ? nil : state.sampleWeights.pointer, scratch: state.weightScratch.buffer,
      workspace: state.estimatorWorkspace, jackknifeWeights: jackknifeWeights)
    guard let gradients else { return value }
    let g = state.sampleWeights.pointer
    let dLogits = state.dLogits.pointer
    for r in 0..<rows {
      let scale = T(-lossScale * g[r])
      let p = dLogits + r * input
      for j in 0..<input { p[j] *= scale }
    }
    let dy = state.dLatent.pointer
    decoder.backward(
      outputGradient: dLogits, rows: rows, parameters: parameters, gradients: gradients, inputGradient: dy,
      state: state.decoder)
    // σ(a) for the prior term, in scratch B; y is in `latent`.
    let a = state.shifted.pointer, y = state.latent.pointer, sigmaA = state.scratchB.pointer
    T.sigmoid(a, sigmaA, count: rows * d)
    let tau = T(temperature), invTau = T(1 / temperature)
    let dEnc = state.dEncoderOutput.pointer
    for b in 0..<count {
      for j in 0..<d { dEnc[b * d + j] = 0 }
      for s in 0..<k {
        let r = b * k + s
        let priorScale = T(-lossScale * g[r]) * tau
        for j in 0..<d {
          let i = r * d + j
          let dz = dy[i] * y[i] * (1 - y[i]) + priorScale * (1 - 2 * sigmaA[i])
          dEnc[b * d + j] += dz * invTau
        }
      }
    }
    encoder.backward(
      outputGradient: dEnc, rows: count, parameters: parameters, gradients: gradients, inputGradient: nil,
      state: state.encoder)
    return value
  }
}
