/// The scalar a trained network is evaluated in when it produces log-weights (evaluation and
/// AIS). Log-weights, log-densities and every sum of them stay in Double either way.
///
/// - `float32`: the network's products, activations and per-pixel log-likelihood terms in Float,
///   as the network was trained, with each image's sum over pixels accumulated in Double. About
///   2× the speed of `float64` (GEMM) and 4× for the elementwise exp.
/// - `float64`: the trained Float parameters converted to Double and the whole network in
///   Double: the reference the `float32` results are checked against (docs/performance.md gives
///   the measured differences).
public enum NetworkPrecision: String, Sendable, Equatable, CaseIterable {
  case float32
  case float64

  /// The default for evaluation and AIS.
  public static let standard = NetworkPrecision.float32
}
