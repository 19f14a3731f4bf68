import JVICore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The linear-Gaussian latent model, whose evidence and posterior are exact
/// (docs/jackknife-math.md §4b):
///
///     z ~ N(0, I_d),   x | z ~ N(Wz + b, Ψ),   Ψ = diag(ψ),   W ∈ R^{D×d};
///     x ~ N(b, C),  C = WWᵀ + Ψ,
///     log p(x) = −½[D log 2π + log det C + (x − b)ᵀC⁻¹(x − b)];
///     posterior N(m_p, Σ_p):  P = Σ_p⁻¹ = I + WᵀΨ⁻¹W,  m_p = Σ_p WᵀΨ⁻¹(x − b).
///
/// log p(x) is evaluated in O(Dd + d²) through the d × d matrix P: log det C = Σ log ψ + log det P
/// (determinant lemma) and (x − b)ᵀC⁻¹(x − b) = rᵀΨ⁻¹r − |L_P⁻¹ WᵀΨ⁻¹r|² (Woodbury), r = x − b.
/// The tests check both against a D × D Cholesky of C. Error: a few ε·cond(P) relative.
public struct LinearGaussianModel: Sendable, Equatable {
  public let latentDimension: Int
  public let observedDimension: Int
  /// W, D × d row-major.
  public let loadings: [Double]
  /// b.
  public let offset: [Double]
  /// ψ, the diagonal of Ψ.
  public let noiseVariance: [Double]
  /// P = I + WᵀΨ⁻¹W (row-major) and its factor L_P.
  public let posteriorPrecisionMatrix: [Double]
  public let posteriorPrecision: CholeskyFactor
  /// Σ_p = P⁻¹ (row-major) and its factor L_p.
  public let posteriorCovariance: [Double]
  public let posteriorCovarianceFactor: CholeskyFactor
  let logNoiseDeterminant: Double

  /// - Throws: `EstimatorError.invalidConfiguration` for mismatched sizes or a ψ that is not
  ///   positive and finite.
  public init(loadings: [Double], offset: [Double], noiseVariance: [Double]) throws(EstimatorError) {
    let dObs = offset.count
    guard dObs >= 1, noiseVariance.count == dObs, !loadings.isEmpty, loadings.count % dObs == 0 else {
      throw .invalidConfiguration("linear-gaussian: W must be D x d with D = \(offset.count) entries in b and psi")
    }
    guard noiseVariance.allSatisfy({ $0 > 0 && $0.isFinite }), (loadings + offset).allSatisfy(\.isFinite) else {
      throw .invalidConfiguration("linear-gaussian: psi must be positive and W, b finite")
    }
    let d = loadings.count / dObs
    latentDimension = d
    observedDimension = dObs
    self.loadings = loadings
    self.offset = offset
    self.noiseVariance = noiseVariance
    var precision = [Double](repeating: 0, count: d * d)
    for i in 0..<d {
      for j in 0..<d {
        var s = i == j ? 1.0 : 0.0
        for k in 0..<dObs { s += loadings[k * d + i] * loadings[k * d + j] / noiseVariance[k] }
        precision[i * d + j] = s
      }
    }
    // P ⪰ I, so the factorisation cannot fail in exact arithmetic.
    guard let factor = CholeskyFactor(precision, dimension: d) else {
      throw .invalidConfiguration("linear-gaussian: I + W'Psi^-1 W is not numerically positive definite")
    }
    posteriorPrecisionMatrix = precision
    posteriorPrecision = factor
    posteriorCovariance = factor.inverse()
    guard let covarianceFactor = CholeskyFactor(posteriorCovariance, dimension: d) else {
      throw .invalidConfiguration("linear-gaussian: the posterior covariance is not numerically positive definite")
    }
    posteriorCovarianceFactor = covarianceFactor
    logNoiseDeterminant = noiseVariance.reduce(0) { $0 + log($1) }
  }

  /// A model with W_ij ~ N(0, 1), b_i ~ N(0, 1), ψ_i ~ Uniform(0.5, 1.5), from `seed`.
  public static func random(latentDimension d: Int, observedDimension dObs: Int, seed: UInt64) -> LinearGaussianModel {
    precondition(d >= 1, "the latent dimension must be at least 1, got \(d)")
    precondition(dObs >= 1, "the observed dimension must be at least 1, got \(dObs)")
    var g = Xoshiro256StarStar(seed: seed, stream: 0x4C47)
    var w = [Double](repeating: 0, count: dObs * d)
    var b = [Double](repeating: 0, count: dObs)
    for i in w.indices { w[i] = Sampling.standardNormal(using: &g) }
    for i in b.indices { b[i] = Sampling.standardNormal(using: &g) }
    let psi = (0..<dObs).map { _ in 0.5 + Sampling.uniform(using: &g) }
    // Finite, positive inputs of matching sizes: construction cannot fail.
    return try! LinearGaussianModel(loadings: w, offset: b, noiseVariance: psi)
  }

  static let logTwoPi = log(2 * Double.pi)

  /// WᵀΨ⁻¹(x − b).
  func projectedResidual(_ x: [Double]) -> [Double] {
    let d = latentDimension
    var v = [Double](repeating: 0, count: d)
    for k in 0..<observedDimension {
      let r = (x[k] - offset[k]) / noiseVariance[k]
      for i in 0..<d { v[i] += loadings[k * d + i] * r }
    }
    return v
  }

  /// log p(x), exact (Woodbury and the determinant lemma; see the type's comment).
  public func logEvidence(_ x: [Double]) -> Double {
    precondition(
      x.count == observedDimension, "an observation of \(x.count) values; the model has \(observedDimension)")
    var quadratic = 0.0
    for k in 0..<observedDimension {
      let r = x[k] - offset[k]
      quadratic += r * r / noiseVariance[k]
    }
    quadratic -= posteriorPrecision.inverseQuadraticForm(projectedResidual(x))
    let logDetC = logNoiseDeterminant + posteriorPrecision.logDeterminant
    return -0.5 * (Double(observedDimension) * Self.logTwoPi + logDetC + quadratic)
  }

  /// The posterior mean m_p = P⁻¹WᵀΨ⁻¹(x − b).
  public func posteriorMean(_ x: [Double]) -> [Double] { posteriorPrecision.solve(projectedResidual(x)) }

  /// log N(x; Wz + b, Ψ).
  public func logLikelihood(_ x: [Double], given z: UnsafePointer<Double>) -> Double {
    let d = latentDimension
    var s = 0.0
    for k in 0..<observedDimension {
      var mean = offset[k]
      for i in 0..<d { mean += loadings[k * d + i] * z[i] }
      let r = x[k] - mean
      s += r * r / noiseVariance[k]
    }
    return -0.5 * (Double(observedDimension) * Self.logTwoPi + logNoiseDeterminant + s)
  }

  /// One draw of x from p(x): z ~ N(0, I), x = Wz + b + √ψ ∘ ε.
  public func sampleObservation<G: RandomNumberGenerator>(using g: inout G) -> [Double] {
    sampleJoint(using: &g).observation
  }

  /// One ancestral draw (x, z) of p(x, z), z drawn first: z is an exact draw of p(z | x).
  public func sampleJoint<G: RandomNumberGenerator>(using g: inout G) -> (observation: [Double], latent: [Double]) {
    let d = latentDimension
    let z = (0..<d).map { _ in Sampling.standardNormal(using: &g) }
    let x = (0..<observedDimension).map { k in
      var v = offset[k] + noiseVariance[k].squareRoot() * Sampling.standardNormal(using: &g)
      for i in 0..<d { v += loadings[k * d + i] * z[i] }
      return v
    }
    return (x, z)
  }
}
