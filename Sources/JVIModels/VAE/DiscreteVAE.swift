import JVICore

/// A VAE with relaxed-Bernoulli (Binary Concrete) latents, worked in logit space
/// (Maddison, Mnih & Teh 2017):
///
///     prior        z ~ Logistic(0, 1/τ)            (y = σ(z) ~ BinConcrete(1/2, τ))
///     posterior    z ~ Logistic(G_φ(x)/τ, 1/τ),    z = (G + L)/τ,  L = log U − log(1 − U)
///     likelihood   p(x | y) = Bernoulli(x | F_θ(y)) on logits,  y = σ(z)
///
/// With a = τz = G + L, the log-densities need no subtraction of large numbers:
///
///     log p(z) = log τ − a − 2 softplus(−a),    log q(z | x) = log τ − L − 2 softplus(−L),
///     log w = log p(x | σ(z)) + log p(z) − log q(z | x).
///
/// `LatentKind.discrete` evaluates the hard model the relaxation approximates: b = 1[a > 0] ~
/// Bernoulli(σ(G)), prior Bernoulli(1/2), log w = log p(x | b) − d log 2 + Σ_j softplus(−(2b_j − 1)G_j)
/// (= log p(x|b) + log p(b) − log q(b|x)). There is no analytic KL, so no ELBO-B.
///
/// Encoder x → hidden → G (d logits); decoder y → hidden → logits of x. The default is one hidden
/// layer of 200 tanh units and d = 50; τ = 0.5, optionally annealed by `TemperatureSchedule`.
public struct DiscreteVAE: Sendable, Equatable {
  public let architecture: VAEArchitecture
  public let temperature: Double
  public let schedule: TemperatureSchedule
  public let layout: ParameterLayout
  public let encoder: MLP
  public let decoder: MLP

  public enum LatentKind: String, Sendable, CaseIterable {
    /// Log-weights over the continuous z of the relaxed model.
    case relaxed
    /// Log-weights over the binary b of the hard model the relaxation approximates.
    case discrete
  }

  public init(_ architecture: VAEArchitecture, schedule: TemperatureSchedule, step: Int = 0) {
    self.architecture = architecture
    self.schedule = schedule
    temperature = schedule.temperature(atStep: step)
    var layout = ParameterLayout()
    let a = architecture
    encoder = MLP(
      sizes: [a.inputSize] + a.hiddenSizes + [a.latentSize], activation: a.activation, name: "encoder", layout: &layout)
    decoder = MLP(
      sizes: [a.latentSize] + a.hiddenSizes.reversed() + [a.inputSize], activation: a.activation, name: "decoder",
      layout: &layout)
    self.layout = layout
  }

  public var parameterCount: Int { layout.count }

  /// Initial parameters from `seed` (stream 0 of the training seed).
  public func initialParameters<T: NetworkScalar>(seed: UInt64, scheme: Initialization, as: T.Type = T.self)
    -> ScalarBuffer<T>
  {
    let p = ScalarBuffer<T>(count: parameterCount)
    var g = Xoshiro256StarStar(seed: seed, stream: 0)
    encoder.initialize(p.pointer, scheme: scheme, using: &g)
    decoder.initialize(p.pointer, scheme: scheme, using: &g)
    return p
  }

  /// Logistic noise L = log U − log(1 − U), U ~ Uniform(0, 1) open, exactly as a logit.
  @inlinable
  public static func logisticNoise<G: RandomNumberGenerator>(using g: inout G) -> Double {
    let u = Sampling.uniformOpen(using: &g)
    return log(u) - log1p(-u)
  }
}

/// τ at optimiser step t: max(τ_min, τ₀·exp(−r·t)) (Jang et al. 2017's schedule); r = 0 keeps τ₀.
public struct TemperatureSchedule: Sendable, Equatable {
  public var initial: Double
  public var decayRate: Double
  public var minimum: Double

  public init(initial: Double = 0.5, decayRate: Double = 0, minimum: Double? = nil) {
    self.initial = initial
    self.decayRate = decayRate
    self.minimum = minimum ?? initial
  }

  public func temperature(atStep t: Int) -> Double {
    decayRate == 0 ? initial : max(minimum, initial * exp(-decayRate * Double(t)))
  }
}

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif
