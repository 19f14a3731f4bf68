#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// How a VAE's decoder output scores an observation x (D values), per row of outputs.
public enum DecoderLikelihood: Sendable, Equatable {
  /// p(x | z) = Π_j Bernoulli(x_j | σ(ℓ_j)) on the decoder's logits ℓ; x_j ∈ {0, 1}.
  case bernoulli
  /// p(x | z) = Π_j N(x_j; μ_j, e^{v}) with the decoder's output as μ and one fixed log-variance v
  /// for every pixel.
  case gaussian(logVariance: Double)
  /// p(x | z) = Π_j N(x_j; μ_j, e^{v_j}) with a per-pixel log-variance v (D values) held among the
  /// parameters as the tensor "decoder.log_variance" (learned, or fixed per pixel).
  case gaussianPerPixel

  public var description: String {
    switch self {
    case .bernoulli: "bernoulli likelihood"
    case .gaussian(let v): "gaussian likelihood (log-variance \(v))"
    case .gaussianPerPixel: "gaussian likelihood (per-pixel log-variance)"
    }
  }
}

extension GaussianVAE {
  /// log p(x | z) of `rows` decoder outputs against one observation `x`, per row in Double, and
  /// with `gradient` its derivative in the outputs:
  ///
  /// - Bernoulli: −Σ_j softplus((1 − 2x_j) ℓ_j), ∂/∂ℓ_j = x_j − σ(ℓ_j) (`bernoulliLogLikelihood`).
  /// - Gaussian: −½ Σ_j [log 2π + v_j + (x_j − μ_j)² e^{−v_j}], ∂/∂μ_j = (x_j − μ_j) e^{−v_j}, each
  ///   term in Double from the network's μ (relative error ≈ D·ε of Double in the sum).
  ///
  /// Cost: O(rows · D), one exp per pixel for Bernoulli, none for Gaussian (e^{−v} once per call).
  public func decoderLogLikelihood<T: NetworkScalar>(
    outputs: UnsafePointer<T>, observation x: UnsafePointer<T>, rows: Int, parameters: UnsafePointer<T>,
    into out: UnsafeMutablePointer<Double>, gradient: UnsafeMutablePointer<T>?
  ) {
    let input = architecture.inputSize
    let v: (Int) -> Double
    switch architecture.likelihood {
    case .bernoulli:
      T.bernoulliLogLikelihood(
        logits: outputs, targets: x, targetRowStride: 0, rows: rows, columns: input, into: out, gradient: gradient,
        gradientScale: nil)
      return
    case .gaussian(let logVariance): v = { _ in logVariance }
    case .gaussianPerPixel:
      let p = parameters + (logVarianceOffset ?? 0)
      v = { Double(p[$0]) }
    }
    var precision = [Double](repeating: 0, count: input)
    var constant = 0.0
    for j in 0..<input {
      precision[j] = exp(-v(j))
      constant += GaussianVAE.logTwoPi + v(j)
    }
    for r in 0..<rows {
      let mu = outputs + r * input
      var quadratic = 0.0
      for j in 0..<input {
        let residual = Double(x[j]) - Double(mu[j])
        quadratic += residual * residual * precision[j]
        if let gradient { gradient[r * input + j] = T(residual * precision[j]) }
      }
      out[r] = -0.5 * (constant + quadratic)
    }
  }
}
