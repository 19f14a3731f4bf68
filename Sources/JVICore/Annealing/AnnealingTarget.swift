/// Instances x of a latent-variable model as AIS sees them: a normalised base π₀(z) (the prior,
/// or the proposal q(z | x)) that can be sampled exactly, and the unnormalised posterior
/// γ(z) = p(x, z), both with their gradients in z. A target is a worker's reusable state: the
/// sampler calls `evaluate` on up to `maximumRows` chains at once; consecutive blocks of rows may
/// belong to different observations (see `ObservationTarget`).
public protocol AnnealingTarget: AnyObject {
  /// d, the dimension of z.
  var dimension: Int { get }
  /// The most rows `sampleBase` and `evaluate` accept.
  var maximumRows: Int { get }
  /// Writes `rows` exact draws of π₀ (rows × d, row-major); row r draws from `noise[r]`.
  func sampleBase(into z: UnsafeMutablePointer<Double>, rows: Int, noise: UnsafeMutablePointer<NormalStream>)
  /// For each row r of z: log π₀(z_r), log p(x, z_r) and their gradients in z.
  func evaluate(_ z: UnsafePointer<Double>, rows: Int, into out: AnnealingEvaluation)
}

/// A chain's normal and uniform draws: one xoshiro256** stream per chain.
public typealias NormalStream = StandardNormalStream<Xoshiro256StarStar>

/// log π₀, log γ and their gradients for a block of rows (allocated once per worker).
public final class AnnealingEvaluation {
  public let dimension: Int
  public let capacity: Int
  public let logBase: UnsafeMutablePointer<Double>
  public let logJoint: UnsafeMutablePointer<Double>
  /// rows × d.
  public let baseGradient: UnsafeMutablePointer<Double>
  /// rows × d.
  public let jointGradient: UnsafeMutablePointer<Double>

  public init(dimension: Int, capacity: Int) {
    self.dimension = dimension
    self.capacity = capacity
    logBase = .allocate(capacity: capacity)
    logJoint = .allocate(capacity: capacity)
    baseGradient = .allocate(capacity: capacity * dimension)
    jointGradient = .allocate(capacity: capacity * dimension)
    logBase.initialize(repeating: 0, count: capacity)
    logJoint.initialize(repeating: 0, count: capacity)
    baseGradient.initialize(repeating: 0, count: capacity * dimension)
    jointGradient.initialize(repeating: 0, count: capacity * dimension)
  }

  deinit {
    logBase.deallocate()
    logJoint.deallocate()
    baseGradient.deallocate()
    jointGradient.deallocate()
  }

  /// log f_β(z_r) = (1 − β) log π₀(z_r) + β log γ(z_r).
  @inline(__always)
  func logTarget(_ r: Int, beta: Double) -> Double { (1 - beta) * logBase[r] + beta * logJoint[r] }

  /// Copies row `r` of `other` into row `r` of this one.
  func copyRow(_ r: Int, from other: AnnealingEvaluation) {
    logBase[r] = other.logBase[r]
    logJoint[r] = other.logJoint[r]
    let d = dimension
    (baseGradient + r * d).update(from: other.baseGradient + r * d, count: d)
    (jointGradient + r * d).update(from: other.jointGradient + r * d, count: d)
  }
}
