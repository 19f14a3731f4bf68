/// The shape of a Gaussian-latent VAE. The default is Burda et al.'s one-stochastic-layer model
/// for binarised 28 × 28 images: 784-200-200-(50 mean, 50 log-variance) encoder and
/// 50-200-200-784 decoder with tanh and a Bernoulli decoder.
///
/// jvi's own models mirror the encoder in the decoder with one activation throughout; a model
/// file (`VAEModelFile`) may give each network its own hidden widths and activations
/// (`layers`) and a Gaussian likelihood.
public struct VAEArchitecture: Sendable, Equatable {
  public var inputSize: Int
  public var hiddenSizes: [Int]
  public var latentSize: Int
  public var activation: Activation
  /// Each network's hidden widths and activations, when they are not the mirrored default.
  public var layers: VAELayers?
  public var likelihood: DecoderLikelihood

  public init(
    inputSize: Int = 784, hiddenSizes: [Int] = [200, 200], latentSize: Int = 50, activation: Activation = .tanh,
    layers: VAELayers? = nil, likelihood: DecoderLikelihood = .bernoulli
  ) {
    self.inputSize = inputSize
    self.hiddenSizes = hiddenSizes
    self.latentSize = latentSize
    self.activation = activation
    self.layers = layers
    self.likelihood = likelihood
  }

  /// Whether this is the mirrored, one-activation, Bernoulli shape jvi trains and writes to its
  /// own checkpoints.
  public var isMirrored: Bool { layers == nil && likelihood == .bernoulli }

  /// The encoder's hidden widths and their activations.
  public var encoderHidden: (sizes: [Int], activations: [Activation]) {
    layers.map { ($0.encoderHiddenSizes, $0.encoderActivations) }
      ?? (hiddenSizes, Array(repeating: activation, count: hiddenSizes.count))
  }

  /// The decoder's hidden widths and their activations.
  public var decoderHidden: (sizes: [Int], activations: [Activation]) {
    layers.map { ($0.decoderHiddenSizes, $0.decoderActivations) }
      ?? (hiddenSizes.reversed(), Array(repeating: activation, count: hiddenSizes.count))
  }

  /// "784-200-200-50 tanh" for the mirrored shape; otherwise both networks and the likelihood,
  /// "encoder 784-512-32 relu, decoder 16-512-784 elu, gaussian likelihood (learned variance)".
  public var description: String {
    if isMirrored {
      return ([inputSize] + hiddenSizes + [latentSize]).map(String.init).joined(separator: "-") + " "
        + activation.rawValue
    }
    func text(_ sizes: [Int], _ activations: [Activation]) -> String {
      let words =
        Set(activations.map(\.rawValue)).count <= 1
        ? (activations.first?.rawValue ?? "linear") : activations.map(\.rawValue).joined(separator: ",")
      return sizes.map(String.init).joined(separator: "-") + " " + words
    }
    let e = encoderHidden, d = decoderHidden
    return "encoder " + text([inputSize] + e.sizes + [2 * latentSize], e.activations) + ", decoder "
      + text([latentSize] + d.sizes + [inputSize], d.activations) + ", " + likelihood.description
  }
}

/// The hidden widths and activations of each network of a VAE whose decoder does not mirror its
/// encoder: `encoderActivations[l]` follows hidden layer l.
public struct VAELayers: Sendable, Equatable {
  public var encoderHiddenSizes: [Int]
  public var encoderActivations: [Activation]
  public var decoderHiddenSizes: [Int]
  public var decoderActivations: [Activation]

  public init(
    encoderHiddenSizes: [Int], encoderActivations: [Activation], decoderHiddenSizes: [Int],
    decoderActivations: [Activation]
  ) {
    precondition(encoderActivations.count == encoderHiddenSizes.count, "one activation per encoder hidden layer")
    precondition(decoderActivations.count == decoderHiddenSizes.count, "one activation per decoder hidden layer")
    self.encoderHiddenSizes = encoderHiddenSizes
    self.encoderActivations = encoderActivations
    self.decoderHiddenSizes = decoderHiddenSizes
    self.decoderActivations = decoderActivations
  }
}
