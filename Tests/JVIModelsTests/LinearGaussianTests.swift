import Foundation
import JVICore
import Testing

@testable import JVIModels

/// The linear-Gaussian model against independent computations: a D × D Cholesky of C for the
/// evidence, the definition of log w sample by sample, and Monte Carlo for every closed form
/// (tolerances from the Monte Carlo standard errors; fixed seeds).
@Suite struct LinearGaussianTests {
  static let model = LinearGaussianModel.random(latentDimension: 3, observedDimension: 6, seed: 11)

  @Test func choleskyFactorSolvesAndInverts() throws {
    let s = [4.0, 2, 0.6, 2, 5, 1.5, 0.6, 1.5, 3]
    let f = try #require(CholeskyFactor(s, dimension: 3))
    let b = [1.0, -2, 0.5]
    let x = f.solve(b)
    for i in 0..<3 {
      let row = (0..<3).reduce(0.0) { $0 + s[i * 3 + $1] * x[$1] }
      #expect(abs(row - b[i]) < 1e-14)
    }
    let inv = f.inverse()
    for i in 0..<3 {
      for j in 0..<3 {
        let v = (0..<3).reduce(0.0) { $0 + s[i * 3 + $1] * inv[$1 * 3 + j] }
        #expect(abs(v - (i == j ? 1 : 0)) < 1e-14)
      }
    }
    // det = 4(15 − 2.25) − 2(6 − 0.9) + 0.6(3 − 3) = 40.8.
    #expect(abs(f.logDeterminant - log(40.8)) < 1e-14)
    #expect(CholeskyFactor([1, 2, 2, 1], dimension: 2) == nil)
  }

  /// log p(x) by Woodbury equals the direct D × D computation with C = WWᵀ + Ψ.
  @Test func evidenceMatchesTheDirectGaussian() throws {
    let m = Self.model
    let d = m.latentDimension, dObs = m.observedDimension
    var c = [Double](repeating: 0, count: dObs * dObs)
    for i in 0..<dObs {
      for j in 0..<dObs {
        var v = i == j ? m.noiseVariance[i] : 0
        for k in 0..<d { v += m.loadings[i * d + k] * m.loadings[j * d + k] }
        c[i * dObs + j] = v
      }
    }
    let factor = try #require(CholeskyFactor(c, dimension: dObs))
    var g = Xoshiro256StarStar(seed: 3)
    for _ in 0..<20 {
      let x = m.sampleObservation(using: &g)
      let r = (0..<dObs).map { x[$0] - m.offset[$0] }
      let direct =
        -0.5 * (Double(dObs) * log(2 * Double.pi) + factor.logDeterminant + factor.inverseQuadraticForm(r))
      #expect(abs(m.logEvidence(x) - direct) <= 1e-12 * max(1, abs(direct)))
    }
  }

  /// With q equal to the posterior every weight is p(x): log w ≡ log p(x).
  @Test func posteriorProposalGivesConstantLogWeights() throws {
    let source = LinearGaussianLogWeightSource(
      model: Self.model, proposal: try LinearGaussianProposal(meanShift: 0, scale: 1), instances: 10, dataSeed: 5)
    let m = try source.logWeights(samples: 200, rows: 0..<10, seed: 1, threads: 1)
    for i in 0..<10 {
      let exact = source.instances[i].logEvidence
      for j in 0..<200 { #expect(abs(m[i, j] - exact) <= 1e-12 * max(1, abs(exact))) }
      #expect(abs(source.instances[i].weightMoments(Self.model).s2) < 1e-12)
    }
  }

  /// log w sample by sample from its definition, log N(x; Wz+b, Ψ) + log N(z; 0, I) − log q(z).
  @Test func logWeightsFollowTheirDefinition() throws {
    let proposal = try LinearGaussianProposal(meanShift: 0.7, scale: 1.3, meanField: true)
    let source = LinearGaussianLogWeightSource(model: Self.model, proposal: proposal, instances: 3, dataSeed: 2)
    let k = 50
    let m = try source.logWeights(samples: k, rows: 0..<3, seed: 9, threads: 1)
    let d = 3
    for i in 0..<3 {
      let inst = source.instances[i]
      var noise = StandardNormalStream(Xoshiro256StarStar(seed: 9, stream: UInt64(i)))
      let sq = inst.proposalCovariance
      let sqFactor = try #require(CholeskyFactor(sq, dimension: d))
      for j in 0..<k {
        let eps = (0..<d).map { _ in noise.next() }
        var z = inst.proposalMean
        for r in 0..<d {
          for c in 0...r { z[r] += inst.proposalFactor.lower[r * d + c] * eps[c] }
        }
        let logLik = z.withUnsafeBufferPointer { Self.model.logLikelihood(inst.observation, given: $0.baseAddress!) }
        let logTwoPi = log(2 * Double.pi) * Double(d)
        let zz: Double = z.reduce(0) { $0 + $1 * $1 }
        let logPrior = -0.5 * (logTwoPi + zz)
        let diff = (0..<d).map { z[$0] - inst.proposalMean[$0] }
        let logQ = -0.5 * (logTwoPi + sqFactor.logDeterminant + sqFactor.inverseQuadraticForm(diff))
        let expected = logLik + logPrior - logQ
        #expect(abs(m[i, j] - expected) <= 1e-12 * max(1, abs(expected)))
        #expect(abs(m.logLikelihood![i * k + j] - logLik) <= 1e-12 * max(1, abs(logLik)))
      }
      #expect(m.klDivergence![i] == inst.klToPrior)
    }
  }

  /// The two ELBO forms agree; Monte Carlo means and variances of log w and log p(x|z) match
  /// ELBO, Var_A, E log p(x|z) and Var_B within 4 standard errors.
  @Test(arguments: [(0.0, 1.3, false), (1.0, 1.2, false), (0.8, 0.9, true), (1.5, 1.0, false)])
  func elboAndVariancesMatchMonteCarlo(shift: Double, scale: Double, meanField: Bool) throws {
    let proposal = try LinearGaussianProposal(meanShift: shift, scale: scale, meanField: meanField)
    let source = LinearGaussianLogWeightSource(model: Self.model, proposal: proposal, instances: 4, dataSeed: 8)
    let k = 200_000
    let m = try source.logWeights(samples: k, rows: 0..<4, seed: 21, threads: 2)
    for i in 0..<4 {
      let inst = source.instances[i]
      let elbo = inst.elbo(Self.model)
      #expect(abs(elbo - inst.elboFromLikelihood(Self.model)) <= 1e-11 * max(1, abs(elbo)))
      #expect(elbo <= inst.logEvidence)
      let row = (0..<k).map { m[i, $0] }
      let ll = Array(m.logLikelihood![(i * k)..<((i + 1) * k)])
      let varA = inst.logWeightVariance(Self.model), varB = inst.logLikelihoodVariance(Self.model)
      let (meanW, varW, seVarW) = Self.moments(row)
      #expect(abs(meanW - elbo) <= 4 * (varA / Double(k)).squareRoot() + 1e-12)
      #expect(abs(varW - varA) <= 4 * seVarW + 1e-12)
      let (meanL, varL, seVarL) = Self.moments(ll)
      let expectedLogLik = elbo + inst.klToPrior
      #expect(abs(meanL - expectedLogLik) <= 4 * (varB / Double(k)).squareRoot())
      #expect(abs(varL - varB) <= 4 * seVarL)
    }
  }

  /// E_q[(w/p)²] from the closed form against Monte Carlo (the proposals here have M₄ < ∞, so
  /// the sample SE is valid); with scale 1 and full covariance log w − log p ~ N(−σ²/2, σ²)
  /// exactly, σ = shift, so M_n = exp(n(n−1)σ²/2).
  @Test func weightMomentsMatchMonteCarloAndTheLogNormalCase() throws {
    let proposal = try LinearGaussianProposal(meanShift: 0.5, scale: 1.25)
    let source = LinearGaussianLogWeightSource(model: Self.model, proposal: proposal, instances: 3, dataSeed: 4)
    let k = 400_000
    let m = try source.logWeights(samples: k, rows: 0..<3, seed: 5, threads: 2)
    for i in 0..<3 {
      let inst = source.instances[i]
      let ratios = (0..<k).map { exp(2 * (m[i, $0] - inst.logEvidence)) }
      let (mean, variance, _) = Self.moments(ratios)
      let m2 = inst.rawWeightMoment(2, Self.model)
      #expect(abs(mean - m2) <= 4 * (variance / Double(k)).squareRoot())
      #expect(abs(inst.rawWeightMoment(1, Self.model) - 1) < 1e-12)
    }
    let shifted = LinearGaussianLogWeightSource(
      model: Self.model, proposal: try LinearGaussianProposal(meanShift: 0.9, scale: 1), instances: 3, dataSeed: 4)
    let sigma2 = 0.81
    for inst in shifted.instances {
      for n in 2...4 {
        let expected = exp(Double(n * (n - 1)) * sigma2 / 2)
        #expect(abs(inst.rawWeightMoment(n, Self.model) / expected - 1) < 1e-11)
      }
      let lawMoments = SyntheticWeightLaw.logNormal(mu: 0, sigma: 0.9).moments
      let moments = inst.weightMoments(Self.model)
      #expect(abs(moments.s2 / lawMoments.s2 - 1) < 1e-11)
      #expect(abs(moments.s3 / lawMoments.s3 - 1) < 1e-10)
      #expect(abs(moments.s4 / lawMoments.s4 - 1) < 1e-9)
      #expect(abs(inst.logWeightVariance(Self.model) - sigma2) < 1e-12)
      #expect(abs(inst.elbo(Self.model) - (inst.logEvidence - sigma2 / 2)) < 1e-12)
    }
    // Too narrow a q (scale² < 1/2): Var(w) is infinite.
    let narrow = LinearGaussianLogWeightSource(
      model: Self.model, proposal: try LinearGaussianProposal(meanShift: 0, scale: 0.6), instances: 1, dataSeed: 4)
    #expect(narrow.instances[0].rawWeightMoment(2, Self.model) == .infinity)
    #expect(narrow.instances[0].weightMoments(Self.model).s2 == .infinity)
  }

  @Test func logWeightsDoNotDependOnThreadsOrRows() throws {
    let source = LinearGaussianLogWeightSource(
      model: Self.model, proposal: try LinearGaussianProposal(meanShift: 1, scale: 1.2), instances: 37, dataSeed: 1)
    let one = try source.logWeights(samples: 33, rows: 0..<37, seed: 7, threads: 1)
    let two = try source.logWeights(samples: 33, rows: 0..<37, seed: 7, threads: 2)
    #expect(one == two)
    let part = try source.logWeights(samples: 33, rows: 10..<20, seed: 7, threads: 2)
    #expect(part == one.rows(10..<20))
  }

  /// Mean, variance and the standard error of the variance (from the fourth central moment).
  static func moments(_ x: [Double]) -> (mean: Double, variance: Double, varianceSE: Double) {
    let n = Double(x.count)
    let mean = x.reduce(0, +) / n
    var m2 = 0.0, m4 = 0.0
    for v in x {
      let d = (v - mean) * (v - mean)
      m2 += d
      m4 += d * d
    }
    m2 /= n
    m4 /= n
    return (mean, m2 * n / (n - 1), ((m4 - m2 * m2) / n).squareRoot())
  }
}

/// The thermodynamic sums bracket the exact evidence: on 64 linear-Gaussian instances with
/// K = 8192 samples each, TVO's lower sum lies below log p(x) and its upper sum above, each by
/// more than 4 standard errors of the mean difference (the self-normalised upper sum is an upper
/// bound only as K grows; at this K its downward bias is well below the Riemann gap).
@Suite struct ThermodynamicBracketTests {
  @Test(arguments: [1, 5, 20])
  func thermodynamicSumsBracketTheExactEvidence(partitions: Int) throws {
    let model = LinearGaussianModel.random(latentDimension: 3, observedDimension: 6, seed: 11)
    let source = LinearGaussianLogWeightSource(
      model: model, proposal: try LinearGaussianProposal(meanShift: 0.8, scale: 1.3), instances: 64, dataSeed: 2)
    let m = try source.logWeights(samples: 8192, rows: 0..<64, seed: 4, threads: 2)
    let exact = try #require(source.exactLogEvidence(rows: 0..<64))
    let workspace = EstimatorWorkspace()
    for side in ThermodynamicBound.Side.allCases {
      let e = try ThermodynamicBound(side: side, partitions: partitions)
      let values = try e.evaluate(m, workspace: workspace).estimates
      let gaps = SampleSummary(zip(values, exact).map { $0 - $1 })
      if side == .lower {
        #expect(
          gaps.mean < -4 * gaps.standardError, "lower, P = \(partitions): gap \(gaps.mean) ± \(gaps.standardError)")
      } else {
        #expect(
          gaps.mean > 4 * gaps.standardError, "upper, P = \(partitions): gap \(gaps.mean) ± \(gaps.standardError)")
      }
      print("tvo \(side) P=\(partitions): mean(estimate - log p) = \(gaps.mean) ± \(gaps.standardError)")
    }
  }
}
