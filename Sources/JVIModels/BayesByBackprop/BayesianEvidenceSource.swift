import JVICore

/// The evidence of a Bayes-by-Backprop network's training data as a `LogWeightSource`: one data
/// set D, rows = independent replicates, columns = weight samples w ~ q(w | θ):
///
///     log w_s = log P(D | w_s) + log P(w_s) − log q(w_s | θ),
///
/// so ELBO-A, IWAE and JVI of a row estimate log p(D). Row r draws its ε from stream r of the
/// seed. Everything is in Double; each sample is one pass over D in batches of 500 examples.
/// For a network without hidden layers, a Gaussian prior and a Gaussian likelihood (Bayesian
/// linear regression) log p(D) is exact: `exactLogEvidence` returns it, computed as the
/// linear-Gaussian evidence N(y; 0, s²ΦΦᵀ + σ²I) with Φ = [x, 1].
public struct BayesianEvidenceSource: LogWeightSource, @unchecked Sendable {
  public let model: BayesianMLP
  public let parameters: [Double]
  public let inputs: [Double]
  public let targets: [Double]
  public let replicates: Int
  public let label: String

  /// - Parameters:
  ///   - inputs: examples × inputSize; `targets`: one per example (class index or value).
  public init(
    model: BayesianMLP, parameters: [Float], inputs: [Double], targets: [Double], replicates: Int, label: String
  ) {
    precondition(replicates >= 1, "replicates must be at least 1, got \(replicates)")
    precondition(
      parameters.count == model.parameterCount, "\(parameters.count) parameters for a model of \(model.parameterCount)")
    precondition(
      inputs.count == targets.count * model.inputSize,
      "\(inputs.count) inputs for \(targets.count) targets of width \(model.inputSize)")
    self.model = model
    self.parameters = parameters.map(Double.init)
    self.inputs = inputs
    self.targets = targets
    self.replicates = replicates
    self.label = label
  }

  public var instanceCount: Int { replicates }
  public var name: String { label }

  public func logWeights(samples k: Int, rows: Range<Int>, seed: UInt64, threads: Int) throws -> LogWeightMatrix {
    checkRequest(samples: k, rows: rows)
    let n = rows.count
    let out = ScalarBuffer<Double>(count: n * k)
    let source = self
    let p = model.weightCount
    ParallelRows.forEachChunk(count: n, chunkSize: 4, threads: threads) { _ in
      (
        state: MLPState<Double>(source.model.network, maximumRows: min(500, max(1, source.targets.count))),
        eps: ScalarBuffer<Double>(count: p), weights: ScalarBuffer<Double>(count: p)
      )
    } _: { worker, replicates in
      for r in replicates {
        var g = Xoshiro256StarStar(seed: seed, stream: UInt64(rows.lowerBound + r))
        for s in 0..<k {
          for i in 0..<p { worker.eps.pointer[i] = Sampling.standardNormal(using: &g) }
          out.pointer[r * k + s] = source.logWeight(
            noise: worker.eps.pointer, weights: worker.weights.pointer, state: worker.state)
        }
      }
    }
    return LogWeightMatrix.trusted(rowCount: n, columnCount: k, values: out.array, instanceOffset: rows.lowerBound)
  }

  /// log P(D | w) + log P(w) − log q(w | θ) for w = μ + σ ⊙ ε.
  func logWeight(
    noise eps: UnsafePointer<Double>, weights w: UnsafeMutablePointer<Double>, state: MLPState<Double>
  ) -> Double {
    let logQ = parameters.withUnsafeBufferPointer {
      model.sampleWeights(parameters: $0.baseAddress!, noise: eps, into: w)
    }
    var logP = 0.0
    for i in 0..<model.weightCount { logP += model.prior.logDensity(w[i]) }
    return logLikelihood(weights: UnsafePointer(w), state: state) + logP - logQ
  }

  /// log P(D | w), in batches.
  public func logLikelihood(weights w: UnsafePointer<Double>, state: MLPState<Double>) -> Double {
    let m = targets.count, width = model.inputSize
    var total = 0.0
    var start = 0
    inputs.withUnsafeBufferPointer { x in
      targets.withUnsafeBufferPointer { t in
        while start < m {
          let rows = min(state.maximumRows, m - start)
          let out = model.network.forward(x.baseAddress! + start * width, rows: rows, parameters: w, state: state)
          total += model.logLikelihood(outputs: out, targets: t.baseAddress! + start, rows: rows, outputGradient: nil)
          start += rows
        }
      }
    }
    return total
  }

  /// The exact log p(D) of Bayesian linear regression (no hidden layer, Gaussian prior, Gaussian
  /// likelihood, one input), else nil.
  public func exactLogEvidence(rows: Range<Int>) -> [Double]? {
    guard model.network.layers.count == 1, model.inputSize == 1, model.outputSize == 1,
      case .gaussian(let s) = model.prior, case .gaussian(let noise) = model.likelihood
    else { return nil }
    // f = w·x + b: loadings s·[x, 1], z ~ N(0, I₂).
    var loadings: [Double] = []
    for x in inputs { loadings += [s * x, s] }
    guard
      let linear = try? LinearGaussianModel(
        loadings: loadings, offset: [Double](repeating: 0, count: targets.count),
        noiseVariance: [Double](repeating: noise * noise, count: targets.count))
    else { return nil }
    return [Double](repeating: linear.logEvidence(targets), count: rows.count)
  }
}
