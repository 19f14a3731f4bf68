import JVICore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Predictions of a trained `BayesianMLP`: with the mean weights μ, or Bayesian model averages over
/// weight samples w_s ~ q (stream s of a seed).
public enum BayesianPrediction {
  public struct Classification: Sendable, Equatable {
    public var examples: Int
    public var errorRate: Double
    /// Mean of −log p(y | x) over the examples.
    public var meanNegativeLogLikelihood: Double
  }

  /// Classifies the first `count` images of `split` (pixels / 255). With `samples` = 0 the mean
  /// weights μ are used; otherwise the predictive p(y|x) = (1/S) Σ_s softmax(f(x; w_s)).
  public static func classify<T: NetworkScalar>(
    _ model: BayesianMLP, parameters theta: UnsafePointer<T>, data: ImageDataset, split: ImageDataset.Split,
    count: Int, samples: Int = 0, seed: UInt64 = 0
  ) -> Classification {
    let batch = 500, n = data.pixels, c = model.outputSize
    let state = MLPState<T>(model.network, maximumRows: batch)
    let x = ScalarBuffer<T>(count: batch * n)
    let probabilities = ScalarBuffer<Double>(count: batch * c)
    let weightSets = weightSamples(model, parameters: theta, samples: samples, seed: seed)
    var errors = 0, nll = 0.0
    var start = 0
    while start < count {
      let rows = min(batch, count - start)
      for r in 0..<rows {
        var j = 0
        for v in data.image(start + r, of: split) {
          x.pointer[r * n + j] = T(Double(v) / 255)
          j += 1
        }
      }
      probabilities.fill(0)
      for w in weightSets {
        let out = model.network.forward(UnsafePointer(x.pointer), rows: rows, parameters: w.pointer, state: state)
        for r in 0..<rows {
          var m = -Double.infinity
          for j in 0..<c { m = max(m, Double(out[r * c + j])) }
          var z = 0.0
          for j in 0..<c { z += exp(Double(out[r * c + j]) - m) }
          for j in 0..<c {
            probabilities.pointer[r * c + j] += exp(Double(out[r * c + j]) - m) / z / Double(weightSets.count)
          }
        }
      }
      for r in 0..<rows {
        let label = data.label(start + r, of: split)
        var best = 0
        for j in 1..<c where probabilities.pointer[r * c + j] > probabilities.pointer[r * c + best] { best = j }
        if best != label { errors += 1 }
        nll -= log(max(probabilities.pointer[r * c + label], Double.leastNormalMagnitude))
      }
      start += rows
    }
    return Classification(
      examples: count, errorRate: Double(errors) / Double(count), meanNegativeLogLikelihood: nll / Double(count))
  }

  /// The network weights to average over: μ alone (samples = 0), or w_s = μ + σ ⊙ ε_s.
  static func weightSamples<T: NetworkScalar>(
    _ model: BayesianMLP, parameters theta: UnsafePointer<T>, samples: Int, seed: UInt64
  ) -> [ScalarBuffer<T>] {
    let p = model.weightCount
    if samples == 0 {
      let mu = ScalarBuffer<T>(count: p)
      for i in 0..<p { mu.pointer[i] = theta[i] }
      return [mu]
    }
    return (0..<samples).map { s in
      var g = Xoshiro256StarStar(seed: seed, stream: UInt64(s))
      let eps = ScalarBuffer<T>(count: p), w = ScalarBuffer<T>(count: p)
      for i in 0..<p { eps.pointer[i] = T(Sampling.standardNormal(using: &g)) }
      _ = model.sampleWeights(parameters: theta, noise: eps.pointer, into: w.pointer)
      return w
    }
  }

  /// Root mean squared error of the mean-weight fit on the curve's points.
  public static func rootMeanSquaredError<T: NetworkScalar>(
    _ model: BayesianMLP, parameters theta: UnsafePointer<T>, curve: RegressionCurve
  ) -> Double {
    let mean = regressionDraws(model, parameters: theta, at: curve.x, samples: 0, seed: 0)[0]
    var s = 0.0
    for i in 0..<curve.count { s += (mean[i] - curve.y[i]) * (mean[i] - curve.y[i]) }
    return (s / Double(max(1, curve.count))).squareRoot()
  }

  /// f(x; w) at the points `xs` for each weight set (μ alone when samples = 0).
  public static func regressionDraws<T: NetworkScalar>(
    _ model: BayesianMLP, parameters theta: UnsafePointer<T>, at xs: [Double], samples: Int, seed: UInt64
  ) -> [[Double]] {
    let state = MLPState<T>(model.network, maximumRows: max(1, xs.count))
    let x = ScalarBuffer<T>(count: max(1, xs.count))
    for (i, v) in xs.enumerated() { x.pointer[i] = T(v) }
    return weightSamples(model, parameters: theta, samples: samples, seed: seed).map { w in
      let out = model.network.forward(UnsafePointer(x.pointer), rows: xs.count, parameters: w.pointer, state: state)
      return (0..<xs.count).map { Double(out[$0]) }
    }
  }
}
