import JVICore

/// N observations drawn from a `LinearGaussianModel`, each with its mismatched Gaussian q, as a
/// `LogWeightSource` with exact log p(x), log p(x|z) and the analytic KL for ELBO-B.
///
/// Observation i is drawn from stream i of `dataSeed`; the samples of instance i from stream i
/// of the sampling seed. Each sample costs O(Dd + d²):
///
///     z = m_q + L_q ε,   log w = log N(x; Wz + b, Ψ) + log N(z; 0, I) − log N(z; m_q, S_q),
///     log N(z; m_q, S_q) = −½[d log 2π + log det S_q + |ε|²].
///
/// Threads take fixed chunks of rows, so the matrix is bit-identical for any thread count.
public struct LinearGaussianLogWeightSource: LogWeightSource {
  public let model: LinearGaussianModel
  public let proposal: LinearGaussianProposal
  public let instances: [LinearGaussianInstance]

  public init(model: LinearGaussianModel, proposal: LinearGaussianProposal, instances n: Int, dataSeed: UInt64) {
    precondition(n >= 1, "n must be at least 1, got \(n)")
    self.model = model
    self.proposal = proposal
    instances = (0..<n).map { i in
      var g = Xoshiro256StarStar(seed: dataSeed, stream: UInt64(i))
      return LinearGaussianInstance(model: model, proposal: proposal, observation: model.sampleObservation(using: &g))
    }
  }

  public var providesAnalyticKL: Bool { true }

  public var instanceCount: Int { instances.count }

  public var name: String {
    "linear-gaussian d=\(model.latentDimension) D=\(model.observedDimension) \(proposal)"
  }

  public func exactLogEvidence(rows: Range<Int>) -> [Double]? { rows.map { instances[$0].logEvidence } }

  public func logWeights(samples k: Int, rows: Range<Int>, seed: UInt64, threads: Int) throws -> LogWeightMatrix {
    checkRequest(samples: k, rows: rows)
    let n = rows.count
    let out = ScalarBuffer<Double>(count: n * k), ll = ScalarBuffer<Double>(count: n * k)
    let source = self
    ParallelRows.forEachChunk(count: n, chunkSize: 8, threads: threads) { _, chunk in
      for r in chunk {
        source.draw(
          instance: rows.lowerBound + r, samples: k, seed: seed, logWeights: out.pointer + r * k,
          logLikelihood: ll.pointer + r * k)
      }
    }
    return LogWeightMatrix.trusted(
      rowCount: n, columnCount: k, values: out.array, logLikelihood: ll.array,
      klDivergence: rows.map { instances[$0].klToPrior }, instanceOffset: rows.lowerBound)
  }

  /// K samples of instance i.
  func draw(
    instance i: Int, samples k: Int, seed: UInt64, logWeights: UnsafeMutablePointer<Double>,
    logLikelihood: UnsafeMutablePointer<Double>
  ) {
    let instance = instances[i]
    let d = model.latentDimension
    let lq = instance.proposalFactor.lower
    let logNormalizer = LinearGaussianModel.logTwoPi * Double(d)
    let logQConstant = -0.5 * (logNormalizer + instance.proposalFactor.logDeterminant)
    var noise = StandardNormalStream(Xoshiro256StarStar(seed: seed, stream: UInt64(i)))
    var eps = [Double](repeating: 0, count: d)
    var z = [Double](repeating: 0, count: d)
    z.withUnsafeMutableBufferPointer { z in
      for s in 0..<k {
        var epsSquared = 0.0
        for j in 0..<d {
          eps[j] = noise.next()
          epsSquared += eps[j] * eps[j]
        }
        var zSquared = 0.0
        for r in 0..<d {
          var v = instance.proposalMean[r]
          for c in 0...r { v += lq[r * d + c] * eps[c] }
          z[r] = v
          zSquared += v * v
        }
        let logLik = model.logLikelihood(instance.observation, given: UnsafePointer(z.baseAddress!))
        let logPrior = -0.5 * (logNormalizer + zSquared)
        let logQ = logQConstant - 0.5 * epsSquared
        logLikelihood[s] = logLik
        logWeights[s] = logLik + logPrior - logQ
      }
    }
  }
}
