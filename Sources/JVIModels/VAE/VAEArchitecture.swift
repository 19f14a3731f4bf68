/// The shape of a Gaussian VAE with a Bernoulli decoder. The default is Burda et al.'s
/// one-stochastic-layer model for binarised 28 × 28 images: 784-200-200-(50 mean, 50 log-variance)
/// encoder and 50-200-200-784 decoder with tanh.
public struct VAEArchitecture: Sendable, Equatable {
  public var inputSize: Int
  public var hiddenSizes: [Int]
  public var latentSize: Int
  public var activation: Activation

  public init(
    inputSize: Int = 784, hiddenSizes: [Int] = [200, 200], latentSize: Int = 50, activation: Activation = .tanh
  ) {
    self.inputSize = inputSize
    self.hiddenSizes = hiddenSizes
    self.latentSize = latentSize
    self.activation = activation
  }

  /// "784-200-200-50 tanh".
  public var description: String {
    ([inputSize] + hiddenSizes + [latentSize]).map(String.init).joined(separator: "-") + " " + activation.rawValue
  }
}
