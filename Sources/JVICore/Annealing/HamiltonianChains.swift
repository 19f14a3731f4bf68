#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A block of independent Hamiltonian Monte Carlo chains on f_β(z) = π₀(z)^(1−β) γ(z)^β, each with
/// its own noise stream and step size (rows may belong to different observations). One transition
/// at (β, ε), per chain:
///
///     p ~ N(0, I);  H₀ = −log f_β(z) + |p|²/2
///     p ← p + (ε/2)∇log f_β(z);  L times { z ← z + εp;  p ← p + ε∇log f_β(z) } (last one a half step)
///     accept (z', p') with probability α = min(1, exp(H₀ − H₁)), else keep z.
///
/// Leapfrog is volume-preserving and reversible, so the transition leaves f_β invariant for any
/// fixed ε and L. A non-finite H₁ (a divergent trajectory) is rejected. Cost: L evaluations of
/// the target and its gradient per transition; the gradient at the current z is cached.
final class HamiltonianChains {
  let target: any AnnealingTarget
  let rows: Int
  let dimension: Int
  let noise: UnsafeMutablePointer<NormalStream>
  /// Current positions, rows × d.
  let z: UnsafeMutablePointer<Double>
  let start: UnsafeMutablePointer<Double>
  let momentum: UnsafeMutablePointer<Double>
  let startEnergy: UnsafeMutablePointer<Double>
  /// Target values at z (kept current) and at the trajectory's head.
  var current: AnnealingEvaluation
  var head: AnnealingEvaluation

  init(target: any AnnealingTarget, rows: Int, noise: UnsafeMutablePointer<NormalStream>) {
    precondition(rows >= 1, "chains need at least 1 row")
    precondition(rows <= target.maximumRows, "\(rows) rows exceed the target's \(target.maximumRows)")
    self.target = target
    self.rows = rows
    dimension = target.dimension
    self.noise = noise
    let n = rows * dimension
    z = .allocate(capacity: n)
    start = .allocate(capacity: n)
    momentum = .allocate(capacity: n)
    z.initialize(repeating: 0, count: n)
    start.initialize(repeating: 0, count: n)
    momentum.initialize(repeating: 0, count: n)
    startEnergy = .allocate(capacity: rows)
    startEnergy.initialize(repeating: 0, count: rows)
    current = AnnealingEvaluation(dimension: dimension, capacity: rows)
    head = AnnealingEvaluation(dimension: dimension, capacity: rows)
  }

  deinit {
    z.deallocate()
    start.deallocate()
    momentum.deallocate()
    startEnergy.deallocate()
  }

  /// Starts every chain from an exact draw of π₀.
  func drawFromBase() {
    target.sampleBase(into: z, rows: rows, noise: noise)
    target.evaluate(z, rows: rows, into: current)
  }

  /// Starts the chains at given positions (rows × d).
  func place(_ positions: [Double]) {
    precondition(
      positions.count == rows * dimension, "\(positions.count) positions for \(rows) rows × \(dimension) dimensions")
    positions.withUnsafeBufferPointer { z.update(from: $0.baseAddress!, count: rows * dimension) }
    target.evaluate(z, rows: rows, into: current)
  }

  /// Adds (β_to − β_from)(log γ − log π₀) at the current z to each chain's log-weight.
  func accumulateWeights(_ logWeights: UnsafeMutablePointer<Double>, from: Double, to: Double) {
    let step = to - from
    for r in 0..<rows { logWeights[r] += step * (current.logJoint[r] - current.logBase[r]) }
  }

  /// p ← p + (fraction·ε_r) ∇log f_β at the positions `e` was evaluated at.
  @inline(__always)
  private func kick(_ e: AnnealingEvaluation, beta: Double, stepSizes eps: UnsafePointer<Double>, fraction: Double) {
    let d = dimension
    for r in 0..<rows {
      let h = fraction * eps[r]
      let a = h * (1 - beta), b = h * beta
      for i in (r * d)..<((r + 1) * d) { momentum[i] += a * e.baseGradient[i] + b * e.jointGradient[i] }
    }
  }

  /// One HMC transition of every chain at β, chain r with step size eps[r] and `leapfrogSteps`
  /// steps; writes each chain's acceptance probability into `acceptance`.
  func transition(
    beta: Double, stepSizes eps: UnsafePointer<Double>, leapfrogSteps: Int, acceptance: UnsafeMutablePointer<Double>
  ) {
    let d = dimension, n = rows * d
    start.update(from: z, count: n)
    for r in 0..<rows {
      var kinetic = 0.0
      for j in 0..<d {
        let p = noise[r].next()
        momentum[r * d + j] = p
        kinetic += p * p
      }
      startEnergy[r] = -current.logTarget(r, beta: beta) + 0.5 * kinetic
    }
    kick(current, beta: beta, stepSizes: eps, fraction: 0.5)
    for l in 0..<leapfrogSteps {
      for r in 0..<rows {
        let e = eps[r]
        for i in (r * d)..<((r + 1) * d) { z[i] += e * momentum[i] }
      }
      target.evaluate(z, rows: rows, into: head)
      kick(head, beta: beta, stepSizes: eps, fraction: l == leapfrogSteps - 1 ? 0.5 : 1)
    }
    for r in 0..<rows {
      var kinetic = 0.0
      for j in 0..<d { kinetic += momentum[r * d + j] * momentum[r * d + j] }
      let energy = -head.logTarget(r, beta: beta) + 0.5 * kinetic
      let logRatio = startEnergy[r] - energy
      let alpha = logRatio.isNaN ? 0 : (logRatio >= 0 ? 1 : exp(logRatio))
      acceptance[r] = alpha
      let u = Sampling.uniform(using: &noise[r].generator)
      if u < alpha, energy.isFinite {
        current.copyRow(r, from: head)
      } else {
        (z + r * d).update(from: start + r * d, count: d)
      }
    }
  }
}
