/// A latent-variable model AIS can run on: observed instances (a data split, or the model's own
/// draws for bidirectional Monte Carlo) and a worker target for one observation at a time.
public protocol AnnealableModel: Sendable {
  /// d, the dimension of z.
  var latentDimension: Int { get }
  /// The number of instances `observation(_:)` serves.
  var instanceCount: Int { get }
  /// A short description for reports.
  var name: String { get }
  /// Instance i's observation x.
  func observation(_ i: Int) -> [Double]
  /// One ancestral draw (x, z) of p(x, z): z is then an exact draw of the posterior p(z | x).
  func simulate(using g: inout Xoshiro256StarStar) -> (observation: [Double], latent: [Double])
  /// A worker's target for up to `maximumRows` chains at once, with base π₀ given by `start`.
  func makeTarget(start: AnnealingStart, maximumRows: Int) throws -> any ObservationTarget
}

/// An `AnnealingTarget` whose observations can be set (and their bases recomputed, e.g. by
/// encoding x): row r then belongs to observation r / rowsPerObservation. Batching the chains of
/// several observations lets a network evaluate them in one matrix product.
public protocol ObservationTarget: AnnealingTarget {
  func setObservations(_ xs: [[Double]], rowsPerObservation: Int)
}

extension ObservationTarget {
  /// Every row belongs to `x`.
  public func setObservation(_ x: [Double]) { setObservations([x], rowsPerObservation: maximumRows) }
}
