#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Bayes by Backprop's settings: the prior, the complexity-cost weighting, the initial ρ, the
/// output width and likelihood noise, and the regression data set.
public struct BayesByBackpropSettings: Sendable, Equatable {
  /// Blundell et al.'s best MNIST prior: π = 1/2, σ1 = 1, σ2 = e^−6.
  public var prior = WeightPrior.scaleMixture(pi: 0.5, sigma1: 1, sigma2: exp(-6))
  public var weighting = ComplexityWeighting.uniform
  /// ρ at initialisation: σ = softplus(−5) ≈ 0.0067.
  public var initialRho = -5.0
  /// 10 classes, or 1 for regression.
  public var outputSize = 10
  /// The Gaussian likelihood's standard deviation (regression): 0.15 matches the curve's scatter, which
  /// its noise inside the sines makes about three times the added noise.
  public var noiseSD = 0.15
  /// The regression data set.
  public var curve = RegressionCurve.Settings()

  public init() {}

  /// The network and likelihood of `model` with input width and hidden layers from `architecture`.
  public func network(_ model: ModelKind, architecture a: VAEArchitecture) -> BayesianMLP {
    BayesianMLP(
      sizes: [a.inputSize] + a.hiddenSizes + [outputSize], activation: a.activation, prior: prior,
      likelihood: model == .bbbClassifier ? .categorical : .gaussian(noiseSD: noiseSD))
  }
}
