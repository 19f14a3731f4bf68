import JVICore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A Gaussian q(z|x) = N(m_q, S_q) that misses the linear-Gaussian posterior N(m_p, Σ_p) by a
/// controlled amount:
///
///     m_q = m_p + shift · L_p u,   u = (1, …, 1)/√d,   L_p L_pᵀ = Σ_p;
///     S_q = scale² Σ_p            (full covariance), or
///     S_q = scale² diag(Σ_p)      (`meanField`, as an amortised diagonal encoder would give).
///
/// The shift is in posterior standard deviations: with scale 1 and full covariance,
/// log w − log p(x) ~ N(−shift²/2, shift²) exactly (the log-normal law with σ = shift).
/// Var(w) is finite iff 2P − S_q⁻¹ is positive definite (scale² > 1/2 for full covariance).
public struct LinearGaussianProposal: Sendable, Equatable, CustomStringConvertible {
  public var meanShift: Double
  public var scale: Double
  public var meanField: Bool

  public init(meanShift: Double = 0, scale: Double = 1, meanField: Bool = false) throws(EstimatorError) {
    guard meanShift.isFinite, scale > 0, scale.isFinite else {
      throw .invalidConfiguration("linear-gaussian: q-shift must be finite and q-scale positive")
    }
    self.meanShift = meanShift
    self.scale = scale
    self.meanField = meanField
  }

  public var description: String {
    "q-shift=\(compact(meanShift)) q-scale=\(compact(scale))" + (meanField ? " q-mean-field" : "")
  }
}

/// One instance x of the linear-Gaussian model with its q, everything needed to draw log-weights
/// and every closed form the tests and sweeps use (§4b, §4c).
public struct LinearGaussianInstance: Sendable {
  public let observation: [Double]
  public let posteriorMean: [Double]
  public let proposalMean: [Double]
  /// L_q with S_q = L_q L_qᵀ (lower triangular, row-major).
  public let proposalFactor: CholeskyFactor
  public let logEvidence: Double
  /// KL(q ‖ N(0, I)) = ½[tr S_q + |m_q|² − d − log det S_q], the ELBO-B side input.
  public let klToPrior: Double

  public init(model: LinearGaussianModel, proposal: LinearGaussianProposal, observation x: [Double]) {
    let d = model.latentDimension
    observation = x
    let mp = model.posteriorMean(x)
    posteriorMean = mp
    let lp = model.posteriorCovarianceFactor
    let direction = lp.multiplyLower([Double](repeating: 1 / Double(d).squareRoot(), count: d))
    let mq = (0..<d).map { mp[$0] + proposal.meanShift * direction[$0] }
    proposalMean = mq
    var sq = [Double](repeating: 0, count: d * d)
    for i in 0..<d {
      for j in 0..<d where !proposal.meanField || i == j {
        sq[i * d + j] = proposal.scale * proposal.scale * model.posteriorCovariance[i * d + j]
      }
    }
    // A positive multiple of Σ_p, or of its positive diagonal, is positive definite.
    proposalFactor = CholeskyFactor(sq, dimension: d)!
    logEvidence = model.logEvidence(x)
    var trace = 0.0
    for i in 0..<d { trace += sq[i * d + i] }
    klToPrior = 0.5 * (trace + DenseAlgebra.dot(mq, mq) - Double(d) - proposalFactor.logDeterminant)
  }

  /// S_q (row-major).
  public var proposalCovariance: [Double] {
    let d = proposalFactor.dimension
    let l = proposalFactor.lower
    return DenseAlgebra.multiply(l, DenseAlgebra.transpose(l, rows: d, columns: d), rows: d, inner: d, columns: d)
  }
}
