#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// How the inverse temperatures 0 = β_0 < β_1 < … < β_T = 1 of annealed importance sampling are
/// spaced along the geometric path f_β(z) = π₀(z)^(1−β) · p(x, z)^β.
///
/// - `linear`: β_t = t/T.
/// - `geometric`: β_t = β_min^((T−t)/(T−1)) for t ≥ 1 (β_min = 10⁻⁴), so each step multiplies β
///   by the same factor; most steps are spent near the base distribution.
/// - `sigmoidal` (Grosse, Maddison & Salakhutdinov 2013, the default):
///   β̃_t = σ(δ(2t/T − 1)), β_t = (β̃_t − β̃_0)/(β̃_T − β̃_0), δ = 4: small steps at both ends.
///
/// Every schedule is exactly 0 at t = 0 and exactly 1 at t = T, and strictly increasing.
public enum AnnealingSchedule: String, Sendable, Equatable, CaseIterable {
  case linear
  case geometric
  case sigmoidal

  /// The smallest positive β of the geometric schedule.
  public static let geometricStart = 1e-4
  /// δ of the sigmoidal schedule.
  public static let sigmoidSteepness = 4.0

  /// β_0 … β_T (T + 1 values) for T ≥ 1 transitions.
  public func inverseTemperatures(steps t: Int) -> [Double] {
    precondition(t >= 1, "a schedule needs at least 1 transition, got \(t)")
    var betas = [Double](repeating: 0, count: t + 1)
    switch self {
    case .linear:
      for i in 1..<t { betas[i] = Double(i) / Double(t) }
    case .geometric:
      if t >= 2 {
        let logStart = log(Self.geometricStart)
        for i in 1..<t { betas[i] = exp(logStart * Double(t - i) / Double(t - 1)) }
      }
    case .sigmoidal:
      let d = Self.sigmoidSteepness
      func s(_ i: Int) -> Double { 1 / (1 + exp(-d * (2 * Double(i) / Double(t) - 1))) }
      let low = s(0), high = s(t)
      for i in 1..<t { betas[i] = (s(i) - low) / (high - low) }
    }
    betas[t] = 1
    return betas
  }
}

/// The base π₀ of the path: the prior p(z), or the model's proposal q(z | x) (the VAE's encoder).
/// Either is a normalised density that can be sampled exactly, so Z₀ = 1 and AIS estimates p(x)
/// itself. Starting from q is valid because q appears in every intermediate density
/// f_β = q^(1−β) p(x, z)^β, not only in the first draw.
public enum AnnealingStart: String, Sendable, Equatable, CaseIterable {
  case prior
  case proposal
}
