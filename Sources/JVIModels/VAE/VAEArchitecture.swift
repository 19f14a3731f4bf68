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

/// What a VAE is trained to maximise, per image, from k samples z_s ~ q(z | x):
/// - `elboMonteCarlo`: (1/k) Σ_s log w_s (ELBO-A);
/// - `elboAnalyticKL`: (1/k) Σ_s log p(x | z_s) − KL(q(z|x) ‖ p(z)) (ELBO-B);
/// - `iwae`: log (1/k) Σ_s w_s;
/// - `jackknife(order:)`: JVI of that order on the k log-weights (Nowozin 2018).
public enum VAEObjective: Sendable, Equatable, CustomStringConvertible {
  case elboMonteCarlo
  case elboAnalyticKL
  case iwae
  case jackknife(order: Int)

  /// The name used on the command line and in checkpoints.
  public var name: String {
    switch self {
    case .elboMonteCarlo: "elbo-a"
    case .elboAnalyticKL: "elbo-b"
    case .iwae: "iwae"
    case .jackknife: "jvi"
    }
  }

  /// ELBO-A or ELBO-B (one sample per image by default).
  public var isELBO: Bool { self == .elboMonteCarlo || self == .elboAnalyticKL }

  public var description: String {
    if case .jackknife(let m) = self { return "jvi order \(m)" }
    return name
  }
}
