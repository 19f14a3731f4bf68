import JVICore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The closed forms of docs/jackknife-math.md §4b–c for one instance. With
/// δ = m_q − m_p and z = m_q + L_q ε, ε ~ N(0, I):
///
///     log w = log p(x) − δᵀP L_q ε − ½ εᵀ(L_qᵀ P L_q − I) ε + const,
///     log p(x|z) = const + eᵀΨ⁻¹B ε − ½ εᵀ BᵀΨ⁻¹B ε,   B = W L_q,  e = x − b − W m_q.
extension LinearGaussianInstance {
  /// ELBO = log p(x) − KL(q ‖ p(z|x)), KL = ½[tr(P S_q) + δᵀPδ − d − log det P − log det S_q].
  public func elbo(_ model: LinearGaussianModel) -> Double {
    let d = model.latentDimension
    let delta = (0..<d).map { proposalMean[$0] - posteriorMean[$0] }
    let p = model.posteriorPrecisionMatrix
    let kl =
      0.5
      * (DenseAlgebra.traceOfProduct(p, proposalCovariance, dimension: d)
        + DenseAlgebra.dot(delta, DenseAlgebra.multiply(p, delta, rows: d, inner: d, columns: 1)) - Double(d)
        - model.posteriorPrecision.logDeterminant - proposalFactor.logDeterminant)
    return logEvidence - kl
  }

  /// The other form: E_q log p(x|z) − KL(q ‖ N(0, I)), with
  /// E_q log p(x|z) = −½[D log 2π + Σ log ψ + eᵀΨ⁻¹e + tr((P − I) S_q)].
  public func elboFromLikelihood(_ model: LinearGaussianModel) -> Double {
    let d = model.latentDimension
    let e = residual(model)
    var quadratic = 0.0
    for k in 0..<model.observedDimension { quadratic += e[k] * e[k] / model.noiseVariance[k] }
    var pMinusI = model.posteriorPrecisionMatrix
    for i in 0..<d { pMinusI[i * d + i] -= 1 }
    let expectedLogLikelihood =
      -0.5
      * (Double(model.observedDimension) * LinearGaussianModel.logTwoPi + model.logNoiseDeterminant + quadratic
        + DenseAlgebra.traceOfProduct(pMinusI, proposalCovariance, dimension: d))
    return expectedLogLikelihood - klToPrior
  }

  /// M_n = E_q[(w/p)^n] = ∫ N(z; m_p, Σ_p)^n N(z; m_q, S_q)^{1−n} dz, in coordinates centred on m_p:
  ///
  ///     log M_n = (n/2) log det P + ((n−1)/2) log det S_q − ½ log det A_n
  ///               + ½ h_nᵀA_n⁻¹h_n + ((n−1)/2) δᵀS_q⁻¹δ,
  ///     A_n = nP − (n−1)S_q⁻¹,   h_n = −(n−1)S_q⁻¹δ.
  ///
  /// +∞ when A_n is not positive definite (the n-th moment of w does not exist).
  public func rawWeightMoment(_ n: Int, _ model: LinearGaussianModel) -> Double {
    precondition(n >= 1, "n must be at least 1, got \(n)")
    let d = model.latentDimension
    let delta = (0..<d).map { proposalMean[$0] - posteriorMean[$0] }
    let sqInverse = proposalFactor.inverse()
    let p = model.posteriorPrecisionMatrix
    let m = Double(n - 1)
    let a = (0..<(d * d)).map { Double(n) * p[$0] - m * sqInverse[$0] }
    guard let aFactor = CholeskyFactor(a, dimension: d) else { return .infinity }
    let sqInverseDelta = proposalFactor.solve(delta)
    let h = sqInverseDelta.map { -m * $0 }
    let logM =
      0.5 * Double(n) * model.posteriorPrecision.logDeterminant + 0.5 * m * proposalFactor.logDeterminant
      - 0.5 * aFactor.logDeterminant + 0.5 * aFactor.inverseQuadraticForm(h)
      + 0.5 * m * DenseAlgebra.dot(delta, sqInverseDelta)
    return exp(logM)
  }

  /// s₂, s₃, s₄ of w/p(x) from M₂, M₃, M₄.
  public func weightMoments(_ model: LinearGaussianModel) -> RelativeWeightMoments {
    RelativeWeightMoments(
      rawMoments: rawWeightMoment(2, model), rawWeightMoment(3, model), rawWeightMoment(4, model))
  }

  /// Var_q(log w) = |L_qᵀPδ|² + ½ tr[(L_qᵀPL_q − I)²]: the per-sample variance of ELBO-A.
  public func logWeightVariance(_ model: LinearGaussianModel) -> Double {
    let d = model.latentDimension
    let delta = (0..<d).map { proposalMean[$0] - posteriorMean[$0] }
    let l = proposalFactor.lower
    let lt = DenseAlgebra.transpose(l, rows: d, columns: d)
    let p = model.posteriorPrecisionMatrix
    let g = DenseAlgebra.multiply(
      lt, DenseAlgebra.multiply(p, delta, rows: d, inner: d, columns: 1),
      rows: d, inner: d, columns: 1)
    var q = DenseAlgebra.multiply(
      lt, DenseAlgebra.multiply(p, l, rows: d, inner: d, columns: d),
      rows: d, inner: d, columns: d)
    for i in 0..<d { q[i * d + i] -= 1 }
    return DenseAlgebra.dot(g, g) + 0.5 * DenseAlgebra.traceOfProduct(q, q, dimension: d)
  }

  /// Var_q(log p(x|z)) = |BᵀΨ⁻¹e|² + ½ tr[(BᵀΨ⁻¹B)²]: the per-sample variance of ELBO-B.
  public func logLikelihoodVariance(_ model: LinearGaussianModel) -> Double {
    let d = model.latentDimension, dObs = model.observedDimension
    let b = DenseAlgebra.multiply(model.loadings, proposalFactor.lower, rows: dObs, inner: d, columns: d)
    let e = residual(model)
    var g = [Double](repeating: 0, count: d)
    var q = [Double](repeating: 0, count: d * d)
    for k in 0..<dObs {
      let inv = 1 / model.noiseVariance[k]
      for i in 0..<d {
        g[i] += b[k * d + i] * e[k] * inv
        for j in 0..<d { q[i * d + j] += b[k * d + i] * b[k * d + j] * inv }
      }
    }
    return DenseAlgebra.dot(g, g) + 0.5 * DenseAlgebra.traceOfProduct(q, q, dimension: d)
  }

  /// e = x − b − W m_q.
  func residual(_ model: LinearGaussianModel) -> [Double] {
    let d = model.latentDimension
    return (0..<model.observedDimension).map { k in
      var v = observation[k] - model.offset[k]
      for i in 0..<d { v -= model.loadings[k * d + i] * proposalMean[i] }
      return v
    }
  }
}
