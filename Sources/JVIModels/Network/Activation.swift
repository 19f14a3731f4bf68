/// Elementwise nonlinearities with their derivatives, written in terms of what the forward
/// pass keeps (the pre-activation a and the output h = f(a)).
public enum Activation: String, Sendable, Equatable, CaseIterable {
  /// h = tanh a, dh/da = 1 − h².
  case tanh
  /// h = max(a, 0), dh/da = 1 for a > 0.
  case relu
  /// h = log(1 + eᵃ), dh/da = σ(a).
  case softplus

  public func forward<T: NetworkScalar>(
    _ a: UnsafePointer<T>, _ h: UnsafeMutablePointer<T>, count: Int
  ) {
    switch self {
    case .tanh: T.tanh(a, h, count: count)
    case .relu: for i in 0..<count { h[i] = a[i] > 0 ? a[i] : 0 }
    case .softplus: T.softplus(a, h, count: count)
    }
  }

  /// da = dh ⊙ f'(a), in place over `dh` (which becomes da). `scratch` holds `count` values.

  public func backward<T: NetworkScalar>(
    preActivation a: UnsafePointer<T>, output h: UnsafePointer<T>, gradient dh: UnsafeMutablePointer<T>, count: Int,
    scratch: UnsafeMutablePointer<T>
  ) {
    switch self {
    case .tanh: for i in 0..<count { dh[i] *= 1 - h[i] * h[i] }
    case .relu: for i in 0..<count where !(a[i] > 0) { dh[i] = 0 }
    case .softplus:
      T.sigmoid(a, scratch, count: count)
      for i in 0..<count { dh[i] *= scratch[i] }
    }
  }
}
