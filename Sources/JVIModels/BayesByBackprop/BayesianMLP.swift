import JVICore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A Bayesian MLP with a mean-field Gaussian posterior on every weight and bias (Bayes by
/// Backprop, Blundell et al. 2015):
///
///     q(w | θ) = Π_i N(w_i; μ_i, σ_i²),   σ_i = softplus(ρ_i),   w = μ + σ ⊙ ε,  ε ~ N(0, I),
///     log q(w | θ) = Σ_i [−½ log 2π − log σ_i − ε_i²/2].
///
/// θ = [μ | ρ] is one flat buffer of 2P values (P = the network's weight count, in the layout
/// of `network`). The likelihood is a softmax over classes or a Gaussian N(y; f(x), noise²).
/// softplus and log σ are computed stably (no exp overflow for large ρ, log σ ≈ ρ for very
/// negative ρ).
public struct BayesianMLP: Sendable, Equatable {
  public enum Likelihood: Sendable, Equatable {
    case categorical
    case gaussian(noiseSD: Double)
  }

  public let network: MLP
  public let weightLayout: ParameterLayout
  public let prior: WeightPrior
  public let likelihood: Likelihood

  public init(sizes: [Int], activation: Activation, prior: WeightPrior, likelihood: Likelihood) {
    var layout = ParameterLayout()
    network = MLP(sizes: sizes, activation: activation, name: "mean", layout: &layout)
    weightLayout = layout
    self.prior = prior
    self.likelihood = likelihood
  }

  /// P, the number of weights and biases.
  public var weightCount: Int { weightLayout.count }
  /// 2P: μ then ρ.
  public var parameterCount: Int { 2 * weightCount }
  public var inputSize: Int { network.inputs }
  public var outputSize: Int { network.outputs }

  /// μ by the network's initialisation scheme (stream 0 of `seed`), ρ = `initialRho` everywhere.
  public func initialParameters<T: NetworkScalar>(
    seed: UInt64, scheme: Initialization, initialRho: Double, as: T.Type = T.self
  ) -> ScalarBuffer<T> {
    let p = ScalarBuffer<T>(count: parameterCount)
    var g = Xoshiro256StarStar(seed: seed, stream: 0)
    network.initialize(p.pointer, scheme: scheme, using: &g)
    for i in weightCount..<parameterCount { p.pointer[i] = T(initialRho) }
    return p
  }

  /// softplus(ρ) = max(ρ, 0) + log1p(e^−|ρ|).
  @inlinable public static func softplus(_ rho: Double) -> Double { max(rho, 0) + log1p(exp(-abs(rho))) }

  /// log softplus(ρ): for ρ < −30, softplus(ρ) = e^ρ(1 − e^ρ/2 + …), so log σ = ρ + log1p(−e^ρ/2) to
  /// double precision; otherwise log(softplus(ρ)).
  @inlinable public static func logSoftplus(_ rho: Double) -> Double {
    rho < -30 ? rho + log1p(-0.5 * exp(rho)) : log(softplus(rho))
  }

  /// W = μ + softplus(ρ) ⊙ ε into `weights`; returns log q(W | θ) = Σ[−½log2π − log σ_i − ε_i²/2].
  public func sampleWeights<T: NetworkScalar>(
    parameters theta: UnsafePointer<T>, noise eps: UnsafePointer<T>, into weights: UnsafeMutablePointer<T>
  ) -> Double {
    let p = weightCount
    var logQ = 0.0
    for i in 0..<p {
      let rho = Double(theta[p + i]), e = Double(eps[i])
      weights[i] = T(Double(theta[i]) + Self.softplus(rho) * e)
      logQ -= Self.logSoftplus(rho) + 0.5 * e * e
    }
    return logQ - Double(p) * WeightPrior.halfLogTwoPi
  }

  /// Σ over `rows` examples of log P(y | x, W) for the outputs `out` (rows × outputs); with
  /// `outputGradient`, also writes `scale`·∂/∂out of it.
  ///
  /// Categorical: log softmax(out)_y = out_y − logsumexp(out), gradient onehot(y) − softmax(out).
  /// Gaussian: −½ log 2π − log s − (y − f)²/(2s²), gradient (y − f)/s².
  /// `targets` holds the class index (as a scalar) or the regression target per row.
  public func logLikelihood<T: NetworkScalar>(
    outputs out: UnsafePointer<T>, targets: UnsafePointer<T>, rows: Int, outputGradient: UnsafeMutablePointer<T>?,
    scale: Double = 1
  ) -> Double {
    let c = outputSize
    var total = 0.0
    switch likelihood {
    case .categorical:
      for r in 0..<rows {
        let o = out + r * c
        var m = -Double.infinity
        for j in 0..<c { m = max(m, Double(o[j])) }
        var sum = 0.0
        for j in 0..<c { sum += exp(Double(o[j]) - m) }
        let label = Int(targets[r])
        let logZ = m + log(sum)
        total += Double(o[label]) - logZ
        if let g = outputGradient {
          for j in 0..<c {
            let p = exp(Double(o[j]) - logZ)
            g[r * c + j] = T(scale * ((j == label ? 1 : 0) - p))
          }
        }
      }
    case .gaussian(let s):
      let constant = -WeightPrior.halfLogTwoPi - log(s), inv = 1 / (s * s)
      for r in 0..<rows {
        let residual = Double(targets[r]) - Double(out[r * c])
        total += constant - 0.5 * residual * residual * inv
        if let g = outputGradient { g[r * c] = T(scale * residual * inv) }
      }
    }
    return total
  }
}

extension BayesianMLP {
  /// The Bayes-by-Backprop cost of one weight sample and its gradient in θ = [μ | ρ], single-threaded
  /// (the reference the parallel `BayesByBackpropTask` is tested against):
  ///
  ///     F = π·[log q(w | θ) − log P(w)] − log P(D | w),   w = μ + softplus(ρ) ⊙ ε,
  ///     ∂F/∂μ = g,   ∂F/∂ρ = σ'(ρ) ⊙ (g ⊙ ε − π/σ),   g = −π ∂log P/∂w − ∂log P(D|w)/∂w.
  ///
  /// `inputs` is rows × inputSize, `targets` one per row; `gradient` (2P values) is overwritten.
  public func cost<T: NetworkScalar>(
    parameters theta: UnsafePointer<T>, noise eps: UnsafePointer<T>, inputs: UnsafePointer<T>,
    targets: UnsafePointer<T>, rows: Int, complexityWeight pi: Double, gradient: UnsafeMutablePointer<T>?
  ) -> Double {
    let p = weightCount
    let w = ScalarBuffer<T>(count: p), scratch = ScalarBuffer<T>(count: 2 * p)
    let dw = ScalarBuffer<T>(count: p)
    let logQ = sampleWeights(parameters: theta, noise: eps, into: w.pointer)
    let logP = prior.logDensity(
      UnsafePointer(w.pointer), count: p, gradient: dw.pointer, scale: -pi, scratch: scratch.pointer)
    let state = MLPState<T>(network, maximumRows: max(1, rows))
    let out = network.forward(inputs, rows: rows, parameters: UnsafePointer(w.pointer), state: state)
    let dOut = ScalarBuffer<T>(count: max(1, rows * outputSize))
    let logLik = logLikelihood(outputs: out, targets: targets, rows: rows, outputGradient: dOut.pointer, scale: -1)
    if let gradient {
      network.backward(
        outputGradient: dOut.pointer, rows: rows, parameters: UnsafePointer(w.pointer), gradients: dw.pointer,
        inputGradient: nil, state: state)
      for i in 0..<p {
        let rho = Double(theta[p + i])
        let sigmoid = 1 / (1 + exp(-rho))
        gradient[i] = dw.pointer[i]
        gradient[p + i] = T(sigmoid * (Double(dw.pointer[i]) * Double(eps[i]) - pi / Self.softplus(rho)))
      }
    }
    return pi * (logQ - logP) - logLik
  }
}
