import JVICore

/// A VAE with a diagonal-Gaussian encoder q(z | x) = N(μ(x), diag σ²(x)), prior N(0, I) and a
/// Bernoulli decoder on logits: p(x | z) = Π_j Bernoulli(x_j | σ(ℓ_j(z))), evaluated as
/// −Σ_j softplus((1 − 2x_j) ℓ_j) (no sigmoid-then-log, no epsilon).
///
/// The encoder MLP outputs [μ | log σ²]; the decoder MLP maps z to the logits. Parameters of
/// both live in one flat buffer described by `layout`.
///
///     log w = log p(x | z) + log N(z; 0, I) − log N(z; μ, σ²),   z = μ + σ ⊙ ε.
public struct GaussianVAE: Sendable, Equatable {
  public let architecture: VAEArchitecture
  public let layout: ParameterLayout
  public let encoder: MLP
  public let decoder: MLP
  /// Where the per-pixel log-variance of a `.gaussianPerPixel` likelihood starts in the
  /// parameters (after both networks).
  public let logVarianceOffset: Int?

  public init(_ architecture: VAEArchitecture) {
    self.architecture = architecture
    var layout = ParameterLayout()
    let a = architecture, e = a.encoderHidden, d = a.decoderHidden
    encoder = MLP(
      sizes: [a.inputSize] + e.sizes + [2 * a.latentSize], activations: e.activations, name: "encoder",
      layout: &layout)
    decoder = MLP(
      sizes: [a.latentSize] + d.sizes + [a.inputSize], activations: d.activations, name: "decoder", layout: &layout)
    logVarianceOffset =
      a.likelihood == .gaussianPerPixel ? layout.add("decoder.log_variance", shape: [a.inputSize]) : nil
    self.layout = layout
  }

  public var parameterCount: Int { layout.count }

  /// Initial parameters from `seed` (stream 0 of the training seed), Glorot by default.
  public func initialParameters<T: NetworkScalar>(
    seed: UInt64, scheme: Initialization = .glorot, as: T.Type = T.self
  ) -> ScalarBuffer<T> {
    let p = ScalarBuffer<T>(count: parameterCount)
    var g = Xoshiro256StarStar(seed: seed, stream: 0)
    encoder.initialize(p.pointer, scheme: scheme, using: &g)
    decoder.initialize(p.pointer, scheme: scheme, using: &g)
    return p
  }

  static let logTwoPi = 1.837_877_066_409_345_5
}
