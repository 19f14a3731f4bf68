import JVICore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A trained Gaussian VAE on one observation x as an AIS target: γ(z) = N(z; 0, I) p(x | z),
/// p(x | z) = Π_j Bernoulli(x_j | σ(ℓ_j(z))) or a Gaussian on the decoder's mean
/// (`DecoderLikelihood`), base the prior or the encoder's q(z | x) = N(μ(x), diag σ²(x)) (x
/// encoded once per observation).
///
///     ∇_z log γ = J_ℓ(z)ᵀ (x − σ(ℓ(z))) − z   (Bernoulli; Gaussian: J_μ(z)ᵀ (x − μ(z)) e^{−v} − z),
///     ∇ log q = −(z − μ)/σ².
///
/// The networks run in `T` (`Float` or `Double`, see `NetworkPrecision`); the chains' positions,
/// log-densities and gradients are Double. With `T = Float`, z is rounded to Float on its way
/// into the decoder, the logits and the per-pixel terms are Float, and each row's sum over
/// pixels is accumulated in Double (`bernoulliLogLikelihood`); the prior, the base and every
/// weight increment are Double. The decoder runs forward on all rows at once and
/// back-propagates to its input only (no parameter gradients): about 4·P_dec flops per row per
/// evaluation, P_dec the decoder's weights.
public final class GaussianVAEAnnealingTarget<T: NetworkScalar>: ObservationTarget {
  public let model: GaussianVAE
  let parameters: [T]
  public let start: AnnealingStart
  public let maximumRows: Int
  let decoderState: MLPState<T>
  let encoderState: MLPState<T>
  let pixels: ScalarBuffer<T>
  let logitGradient: ScalarBuffer<T>
  let logLikelihood: ScalarBuffer<Double>
  /// z in the network's scalar, and the decoder's input gradient (rows × d).
  let latent: ScalarBuffer<T>
  let latentGradient: ScalarBuffer<T>
  /// Per observation: μ, σ² (observations × d) and −½(d log 2π + Σ log σ²).
  var mean: [Double]
  var variance: [Double]
  var logBaseConstant: [Double]
  var observationCount = 0
  var rowsPerObservation = 1

  public init(model: GaussianVAE, parameters: [T], start: AnnealingStart, maximumRows: Int) {
    precondition(
      parameters.count == model.parameterCount, "\(parameters.count) parameters for a model of \(model.parameterCount)")
    precondition(maximumRows >= 1, "maximumRows must be at least 1, got \(maximumRows)")
    self.model = model
    self.parameters = parameters
    self.start = start
    self.maximumRows = maximumRows
    decoderState = MLPState(model.decoder, maximumRows: maximumRows)
    encoderState = MLPState(model.encoder, maximumRows: maximumRows)
    let input = model.architecture.inputSize, d = model.architecture.latentSize
    pixels = ScalarBuffer(count: maximumRows * input)
    logitGradient = ScalarBuffer(count: maximumRows * input)
    logLikelihood = ScalarBuffer(count: maximumRows)
    latent = ScalarBuffer(count: maximumRows * d)
    latentGradient = ScalarBuffer(count: maximumRows * d)
    mean = [Double](repeating: 0, count: maximumRows * d)
    variance = [Double](repeating: 1, count: maximumRows * d)
    logBaseConstant = [Double](repeating: 0, count: maximumRows)
  }

  public var dimension: Int { model.architecture.latentSize }

  @_specialize(where T == Float)
  @_specialize(where T == Double)
  public func setObservations(_ xs: [[Double]], rowsPerObservation: Int) {
    let input = model.architecture.inputSize, d = dimension, n = xs.count
    precondition(n >= 1, "no observations")
    precondition(n <= maximumRows, "\(n) observations exceed the \(maximumRows) rows of the state")
    precondition(rowsPerObservation >= 1, "rows per observation must be at least 1, got \(rowsPerObservation)")
    precondition(xs.allSatisfy { $0.count == input }, "every observation needs \(input) values")
    observationCount = n
    self.rowsPerObservation = rowsPerObservation
    for (g, x) in xs.enumerated() {
      for j in 0..<input { pixels.pointer[g * input + j] = T(x[j]) }
      logBaseConstant[g] = -0.5 * Double(d) * GaussianVAE.logTwoPi
    }
    guard start == .proposal else { return }
    parameters.withUnsafeBufferPointer { p in
      let out = model.encoder.forward(pixels.pointer, rows: n, parameters: p.baseAddress!, state: encoderState)
      for g in 0..<n {
        for j in 0..<d {
          let logVariance = Double(out[g * 2 * d + d + j])
          mean[g * d + j] = Double(out[g * 2 * d + j])
          variance[g * d + j] = exp(logVariance)
          logBaseConstant[g] -= 0.5 * logVariance
        }
      }
    }
  }

  public func sampleBase(into z: UnsafeMutablePointer<Double>, rows: Int, noise: UnsafeMutablePointer<NormalStream>) {
    let d = dimension
    for r in 0..<rows {
      let g = r / rowsPerObservation
      for j in 0..<d {
        let e = noise[r].next()
        z[r * d + j] = start == .proposal ? mean[g * d + j] + variance[g * d + j].squareRoot() * e : e
      }
    }
  }

  @_specialize(where T == Float)
  @_specialize(where T == Double)
  public func evaluate(_ z: UnsafePointer<Double>, rows: Int, into out: AnnealingEvaluation) {
    precondition(rows <= maximumRows, "\(rows) rows exceed the \(maximumRows) the state holds")
    let d = dimension, input = model.architecture.inputSize
    let zt = latent.pointer, dzt = latentGradient.pointer
    for i in 0..<(rows * d) { zt[i] = T(z[i]) }
    parameters.withUnsafeBufferPointer { p in
      let params = p.baseAddress!
      let logits = model.decoder.forward(zt, rows: rows, parameters: params, state: decoderState)
      var first = 0
      while first < rows {
        let g = first / rowsPerObservation, count = min(rowsPerObservation - first % rowsPerObservation, rows - first)
        model.decoderLogLikelihood(
          outputs: logits + first * input, observation: pixels.pointer + g * input, rows: count, parameters: params,
          into: logLikelihood.pointer + first, gradient: logitGradient.pointer + first * input)
        first += count
      }
      model.decoder.backward(
        outputGradient: logitGradient.pointer, rows: rows, parameters: params, gradients: nil,
        inputGradient: dzt, state: decoderState)
    }
    let priorConstant = -0.5 * Double(d) * GaussianVAE.logTwoPi
    for r in 0..<rows {
      let g = r / rowsPerObservation
      var zz = 0.0, quadratic = 0.0
      for j in 0..<d {
        let v = z[r * d + j]
        zz += v * v
        out.jointGradient[r * d + j] = Double(dzt[r * d + j]) - v
        if start == .proposal {
          let c = (v - mean[g * d + j]) / variance[g * d + j]
          quadratic += c * (v - mean[g * d + j])
          out.baseGradient[r * d + j] = -c
        } else {
          out.baseGradient[r * d + j] = -v
        }
      }
      let logPrior = priorConstant - 0.5 * zz
      out.logJoint[r] = logPrior + logLikelihood.pointer[r]
      out.logBase[r] = start == .proposal ? logBaseConstant[g] - 0.5 * quadratic : logPrior
    }
  }
}

extension GaussianVAELogWeightSource: AnnealableModel {
  public var latentDimension: Int { model.architecture.latentSize }

  public func observation(_ i: Int) -> [Double] {
    var x = [Double](repeating: 0, count: model.architecture.inputSize)
    x.withUnsafeMutableBufferPointer { observations.write(i, into: $0.baseAddress!) }
    return x
  }

  /// z ~ N(0, I), then x from p(x | z): x_j ~ Bernoulli(σ(ℓ_j(z))), or x_j = μ_j(z) + e^{v_j/2} ε_j
  /// for a Gaussian likelihood (the decoder in Double, whatever the precision).
  public func simulate(using g: inout Xoshiro256StarStar) -> (observation: [Double], latent: [Double]) {
    let d = latentDimension
    let z = (0..<d).map { _ in Sampling.standardNormal(using: &g) }
    let state = MLPState<Double>(model.decoder, maximumRows: 1)
    var x = [Double](repeating: 0, count: model.architecture.inputSize)
    parameters.withUnsafeBufferPointer { p in
      z.withUnsafeBufferPointer { zp in
        let out = model.decoder.forward(zp.baseAddress!, rows: 1, parameters: p.baseAddress!, state: state)
        for j in x.indices {
          switch model.architecture.likelihood {
          case .bernoulli: x[j] = Sampling.uniform(using: &g) < 1 / (1 + exp(-out[j])) ? 1 : 0
          case .gaussian(let v): x[j] = out[j] + exp(0.5 * v) * Sampling.standardNormal(using: &g)
          case .gaussianPerPixel:
            let v = p[model.logVarianceOffset! + j]
            x[j] = out[j] + exp(0.5 * v) * Sampling.standardNormal(using: &g)
          }
        }
      }
    }
    return (x, z)
  }

  /// A target whose networks run in `precision`.
  public func makeTarget(start: AnnealingStart, maximumRows: Int) -> any ObservationTarget {
    switch precision {
    case .float32:
      GaussianVAEAnnealingTarget(model: model, parameters: floatParameters, start: start, maximumRows: maximumRows)
    case .float64:
      GaussianVAEAnnealingTarget(model: model, parameters: parameters, start: start, maximumRows: maximumRows)
    }
  }
}
