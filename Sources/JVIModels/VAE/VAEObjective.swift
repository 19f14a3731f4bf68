/// What a VAE is trained to maximise, per image, from k samples z_s ~ q(z | x) with log-weights
/// ℓ_s = log p(x, z_s) − log q(z_s | x):
/// - `elboMonteCarlo`: (1/k) Σ_s ℓ_s (ELBO-A);
/// - `elboAnalyticKL`: (1/k) Σ_s log p(x | z_s) − KL(q(z|x) ‖ p(z)) (ELBO-B);
/// - `iwae`: log (1/k) Σ_s e^{ℓ_s} (Burda, Grosse & Salakhutdinov 2016);
/// - `jackknife(order:)`: JVI of that order on the k log-weights (Nowozin 2018);
/// - `miwae(groups:)`: the mean over M groups of k/M consecutive samples of each group's IWAE
///   (Rainforth et al. 2018: MIWAE(M, k/M); M = 1 is IWAE, M = k the ELBO);
/// - `ciwae(beta:)`: β·ELBO + (1 − β)·IWAE (Rainforth et al. 2018);
/// - `piwae(groups:)`: the decoder follows IWAE over all k samples, the encoder MIWAE(M, k/M)
///   (Rainforth et al. 2018); its value is reported as the IWAE;
/// - `renyi(alpha:)`: the Rényi bound (1/(1 − α)) log (1/k) Σ_s e^{(1−α)ℓ_s} (Li & Turner 2016;
///   α = 0 is IWAE, α → 1 the ELBO);
/// - `vimco`: IWAE over binary latents with VIMCO's score-function gradient (Mnih & Rezende
///   2016; `BernoulliVAE`).
public enum VAEObjective: Sendable, Equatable, CustomStringConvertible {
  case elboMonteCarlo
  case elboAnalyticKL
  case iwae
  case jackknife(order: Int)
  case miwae(groups: Int)
  case ciwae(beta: Double)
  case piwae(groups: Int)
  case renyi(alpha: Double)
  case vimco

  /// The name used on the command line and in checkpoints.
  public var name: String {
    switch self {
    case .elboMonteCarlo: "elbo-a"
    case .elboAnalyticKL: "elbo-b"
    case .iwae: "iwae"
    case .jackknife: "jvi"
    case .miwae: "miwae"
    case .ciwae: "ciwae"
    case .piwae: "piwae"
    case .renyi: "vr"
    case .vimco: "vimco"
    }
  }

  /// ELBO-A or ELBO-B (one sample per image by default).
  public var isELBO: Bool { self == .elboMonteCarlo || self == .elboAnalyticKL }

  /// The groups of MIWAE and PIWAE (k must be a multiple of them).
  public var groups: Int? {
    switch self {
    case .miwae(let m), .piwae(let m): m
    default: nil
    }
  }

  /// The objective's real parameter as checkpoints record it (β of CIWAE, α of VR, the groups of
  /// MIWAE and PIWAE), if it has one; JVI's order is recorded on its own.
  public var parameter: Double? {
    switch self {
    case .miwae(let m), .piwae(let m): Double(m)
    case .ciwae(let b): b
    case .renyi(let a): a
    default: nil
    }
  }

  /// The objective named `name` with `parameter` (nil for a name that takes none).
  public init?(name: String, order: Int, parameter: Double?) {
    switch (name, parameter) {
    case ("elbo-a", nil): self = .elboMonteCarlo
    case ("elbo-b", nil): self = .elboAnalyticKL
    case ("iwae", nil): self = .iwae
    case ("jvi", nil): self = .jackknife(order: order)
    case ("miwae", let m?) where m == m.rounded() && m >= 1 && m <= 1e6: self = .miwae(groups: Int(m))
    case ("piwae", let m?) where m == m.rounded() && m >= 1 && m <= 1e6: self = .piwae(groups: Int(m))
    case ("ciwae", let b?) where b >= 0 && b <= 1: self = .ciwae(beta: b)
    case ("vr", let a?) where a.isFinite: self = .renyi(alpha: a)
    case ("vimco", nil): self = .vimco
    default: return nil
    }
  }

  public var description: String {
    switch self {
    case .jackknife(let m): "jvi order \(m)"
    case .miwae(let m): "miwae with \(m) groups"
    case .piwae(let m): "piwae with \(m) groups"
    case .ciwae(let b): "ciwae beta \(b)"
    case .renyi(let a): "vr alpha \(a)"
    default: name
    }
  }
}

/// Which estimator of the encoder's gradient trains an IWAE or JVI objective. The decoder's
/// gradient is the standard one, Σ_s g_s ∇_θ log p(x | z_s), in every case; they differ in how
/// the encoder's parameters φ (through z_s = μ_φ + σ_φ ε_s) are treated:
/// - `standard`: the total derivative, Σ_s g_s d ℓ_s/dφ (the reparameterised path and q's own
///   dependence on φ, the score term);
/// - `stl` ("sticking the landing", Roeder, Wu & Duvenaud 2017): the path derivative only,
///   Σ_s g_s (∂ℓ_s/∂z_s)(∂z_s/∂φ), q's parameters held fixed inside log q. Its mean is the
///   standard gradient's for k = 1; for IWAE with k > 1 it is biased (Tucker et al. 2019, §3);
/// - `dreg` (doubly reparameterised, Tucker, Lawson, Gu & Maddison 2019): the path derivative
///   weighted by the squared normalised weights, Σ_s w̃_s² (∂ℓ_s/∂z_s)(∂z_s/∂φ) for IWAE, and for
///   JVI the same identity applied to each subset's IWAE of the jackknife combination
///   (`JackknifeGradientWeights.doublyReparameterized`, docs/gradient-estimators.md): unbiased
///   for the standard gradient, with a signal-to-noise ratio that does not vanish as k grows.
public enum VAEGradientEstimator: String, Sendable, Equatable, CaseIterable {
  case standard
  case stl
  case dreg
}
