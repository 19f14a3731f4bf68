#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Elementwise nonlinearities with their derivatives, written in terms of what the forward
/// pass keeps (the pre-activation a and the output h = f(a)). The raw values are the words of
/// checkpoints and model files; each case is PyTorch's module of the same name with its default
/// constant (`nn.LeakyReLU()` slope 0.01, `nn.ELU()` α = 1).
public enum Activation: String, Sendable, Equatable, CaseIterable {
  /// h = tanh a, dh/da = 1 − h².
  case tanh
  /// h = max(a, 0), dh/da = 1 for a > 0.
  case relu
  /// h = log(1 + eᵃ), dh/da = σ(a).
  case softplus
  /// h = a for a > 0, else 0.01·a; dh/da = 1 or 0.01.
  case leakyRelu = "leaky-relu"
  /// h = a for a > 0, else eᵃ − 1 (`expm1`, exact near 0); dh/da = 1 or h + 1.
  case elu
  /// h = σ(a) = 1/(1 + e⁻ᵃ), dh/da = h(1 − h).
  case sigmoid
  /// h = a, dh/da = 1: a linear layer followed directly by another.
  case identity

  /// `nn.LeakyReLU`'s default negative slope, the one `leaky-relu` means.
  public static let leakySlope = 0.01

  public func forward<T: NetworkScalar>(
    _ a: UnsafePointer<T>, _ h: UnsafeMutablePointer<T>, count: Int
  ) {
    switch self {
    case .tanh: T.tanh(a, h, count: count)
    case .relu: for i in 0..<count { h[i] = a[i] > 0 ? a[i] : 0 }
    case .softplus: T.softplus(a, h, count: count)
    case .leakyRelu:
      let slope = T(Activation.leakySlope)
      for i in 0..<count { h[i] = a[i] > 0 ? a[i] : slope * a[i] }
    case .elu: for i in 0..<count { h[i] = a[i] > 0 ? a[i] : T(expm1(Double(a[i]))) }
    case .sigmoid: T.sigmoid(a, h, count: count)
    case .identity: h.update(from: a, count: count)
    }
  }

  /// da = dh ⊙ f'(a), in place over `dh` (which becomes da). `scratch` holds `count` values.
  public func backward<T: NetworkScalar>(
    preActivation a: UnsafePointer<T>, output h: UnsafePointer<T>, gradient dh: UnsafeMutablePointer<T>, count: Int,
    scratch: UnsafeMutablePointer<T>
  ) {
    switch self {
    case .tanh: for i in 0..<count { dh[i] *= 1 - h[i] * h[i] }
    case .relu: T.scaleNonpositive(a, dh, count: count, by: nil)
    case .softplus:
      T.sigmoid(a, scratch, count: count)
      for i in 0..<count { dh[i] *= scratch[i] }
    case .leakyRelu:
      let slope = T(Activation.leakySlope)
      T.scaleNonpositive(a, dh, count: count, by: slope)
    case .elu: for i in 0..<count { dh[i] *= a[i] > 0 ? 1 : h[i] + 1 }
    case .sigmoid: for i in 0..<count { dh[i] *= h[i] * (1 - h[i]) }
    case .identity: break
    }
  }
}
