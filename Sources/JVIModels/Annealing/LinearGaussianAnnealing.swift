import JVICore

/// The linear-Gaussian model as an AIS target: γ(z) = N(z; 0, I) N(x; Wz + b, Ψ), with base the
/// prior or the instance's Gaussian q = N(m_q, S_q). Exact log p(x) makes it the test bed for AIS
/// and BDMC. Cost per row: O(Dd) for γ and its gradient, O(d²) more for the q base.
///
///     ∇ log γ = Wᵀ Ψ⁻¹ (x − Wz − b) − z,   ∇ log q = −S_q⁻¹ (z − m_q) = −L_q⁻ᵀ L_q⁻¹ (z − m_q).
public final class LinearGaussianAnnealingTarget: ObservationTarget {
  public let model: LinearGaussianModel
  public let proposal: LinearGaussianProposal
  public let start: AnnealingStart
  public let maximumRows: Int
  var observations: [[Double]] = []
  var instances: [LinearGaussianInstance] = []
  var rowsPerObservation = 1

  public init(model: LinearGaussianModel, proposal: LinearGaussianProposal, start: AnnealingStart, maximumRows: Int) {
    self.model = model
    self.proposal = proposal
    self.start = start
    self.maximumRows = maximumRows
  }

  public var dimension: Int { model.latentDimension }

  public func setObservations(_ xs: [[Double]], rowsPerObservation: Int) {
    precondition(
      xs.allSatisfy { $0.count == model.observedDimension }, "every observation needs \(model.observedDimension) values"
    )
    precondition(rowsPerObservation >= 1, "rows per observation must be at least 1, got \(rowsPerObservation)")
    if xs != observations {
      observations = xs
      instances =
        start == .proposal ? xs.map { LinearGaussianInstance(model: model, proposal: proposal, observation: $0) } : []
    }
    self.rowsPerObservation = rowsPerObservation
  }

  func proposal(ofRow r: Int) -> LinearGaussianInstance? {
    start == .proposal ? instances[r / rowsPerObservation] : nil
  }

  public func sampleBase(into z: UnsafeMutablePointer<Double>, rows: Int, noise: UnsafeMutablePointer<NormalStream>) {
    let d = dimension
    for r in 0..<rows {
      let eps = (0..<d).map { _ in noise[r].next() }
      guard let q = proposal(ofRow: r) else {
        for j in 0..<d { z[r * d + j] = eps[j] }
        continue
      }
      let shifted = q.proposalFactor.multiplyLower(eps)
      for j in 0..<d { z[r * d + j] = q.proposalMean[j] + shifted[j] }
    }
  }

  public func evaluate(_ z: UnsafePointer<Double>, rows: Int, into out: AnnealingEvaluation) {
    let d = dimension, dObs = model.observedDimension
    let w = model.loadings
    let constant = Double(d) * LinearGaussianModel.logTwoPi
    for r in 0..<rows {
      let zr = z + r * d
      let observation = observations[r / rowsPerObservation]
      let grad = out.jointGradient + r * d
      var zz = 0.0
      for j in 0..<d {
        zz += zr[j] * zr[j]
        grad[j] = -zr[j]
      }
      let logPrior = -0.5 * (constant + zz)
      // One pass over the D residuals gives log N(x; Wz + b, Ψ) and its gradient Wᵀ Ψ⁻¹ r.
      var quadratic = 0.0
      for k in 0..<dObs {
        var mean = model.offset[k]
        for j in 0..<d { mean += w[k * d + j] * zr[j] }
        let residual = observation[k] - mean
        quadratic += residual * residual / model.noiseVariance[k]
        let scaled = residual / model.noiseVariance[k]
        for j in 0..<d { grad[j] += w[k * d + j] * scaled }
      }
      let logLikelihood =
        -0.5 * (Double(dObs) * LinearGaussianModel.logTwoPi + model.logNoiseDeterminant + quadratic)
      out.logJoint[r] = logPrior + logLikelihood
      let baseGrad = out.baseGradient + r * d
      guard let q = proposal(ofRow: r) else {
        out.logBase[r] = logPrior
        for j in 0..<d { baseGrad[j] = -zr[j] }
        continue
      }
      let centred = (0..<d).map { zr[$0] - q.proposalMean[$0] }
      let eps = q.proposalFactor.solveLower(centred)
      let g = q.proposalFactor.solveUpper(eps)
      out.logBase[r] = -0.5 * (constant + q.proposalFactor.logDeterminant + DenseAlgebra.dot(eps, eps))
      for j in 0..<d { baseGrad[j] = -g[j] }
    }
  }
}

extension LinearGaussianLogWeightSource: AnnealableModel {
  public var latentDimension: Int { model.latentDimension }

  public func observation(_ i: Int) -> [Double] { instances[i].observation }

  public func simulate(using g: inout Xoshiro256StarStar) -> (observation: [Double], latent: [Double]) {
    model.sampleJoint(using: &g)
  }

  public func makeTarget(start: AnnealingStart, maximumRows: Int) -> any ObservationTarget {
    LinearGaussianAnnealingTarget(model: model, proposal: proposal, start: start, maximumRows: maximumRows)
  }
}
