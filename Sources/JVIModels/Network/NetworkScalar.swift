import CJVIKernels
import JVICore

/// The scalar a network runs in: `Float` for training, `Double` for evaluating log-weights and
/// for finite-difference gradient checks. Elementwise kernels run on vectors of the type (8 Floats
/// or 4 Doubles) with the project's own polynomial exp (`VectorMath`, in the C kernels).
public protocol NetworkScalar: GEMMScalar {
  /// y_i = f(x_i) for i < count (`VectorMath.map` of the type).
  static func map(_ f: VectorMath.Function, _ x: UnsafePointer<Self>, _ y: UnsafeMutablePointer<Self>, count: Int)

  /// Bernoulli log-likelihood of binary targets under logits, per row:
  ///
  ///     out[r] = Σ_j [t_j ℓ_j − softplus(ℓ_j)] = −Σ_j softplus(a_j),   a_j = (1 − 2t_j) ℓ_j,
  ///     Σ_j softplus(a_j) = Σ_j max(a_j, 0) + log Π_j (1 + e^{−|a_j|}),
  ///
  /// one exp per pixel and one log per row: every factor is in (1, 2], so the product of a
  /// row's factors stays below 2^columns (≤ 2^1000 in Double; lanes of Float multiply at most 125
  /// factors before they are combined in Double). Accuracy ≈ columns·ε relative on the log term. With `gradient`, also writes ∂out[r]/∂ℓ_j = t_j − σ(ℓ_j), times
  /// `gradientScale[r]`. `targets` holds 0 or 1 as the scalar type; row r's targets start at
  /// `targets + r·targetRowStride` (stride 0: every row shares one target row).
  static func bernoulliLogLikelihood(
    logits: UnsafePointer<Self>, targets: UnsafePointer<Self>, targetRowStride: Int, rows: Int, columns: Int,
    into out: UnsafeMutablePointer<Double>, gradient: UnsafeMutablePointer<Self>?,
    gradientScale: UnsafePointer<Double>?)

  /// dh_i unchanged where a_i > 0, else 0 (`c` nil: ReLU) or c·dh_i (leaky ReLU); a NaN a_i is not
  /// positive. In the C kernels: a scalar Swift loop with this branch is not vectorised.
  static func scaleNonpositive(_ a: UnsafePointer<Self>, _ dh: UnsafeMutablePointer<Self>, count: Int, by c: Self?)
}

extension NetworkScalar {
  /// y_i = tanh(x_i).
  public static func tanh(_ x: UnsafePointer<Self>, _ y: UnsafeMutablePointer<Self>, count: Int) {
    map(.tanh, x, y, count: count)
  }
  /// y_i = softplus(x_i) = log(1 + e^{x_i}).
  public static func softplus(_ x: UnsafePointer<Self>, _ y: UnsafeMutablePointer<Self>, count: Int) {
    map(.softplus, x, y, count: count)
  }
  /// y_i = σ(x_i).
  public static func sigmoid(_ x: UnsafePointer<Self>, _ y: UnsafeMutablePointer<Self>, count: Int) {
    map(.sigmoid, x, y, count: count)
  }
  /// y_i = e^{x_i}.
  public static func exp(_ x: UnsafePointer<Self>, _ y: UnsafeMutablePointer<Self>, count: Int) {
    map(.exp, x, y, count: count)
  }
}

extension Float: NetworkScalar {
  public static func map(
    _ f: VectorMath.Function, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int
  ) {
    VectorMath.map(f, x, y, count: count)
  }

  /// Eight lanes of Float, their positive parts summed in Double and their factors multiplied in
  /// Float (≤ 125 per lane), combined in Double at the end of the row (C kernels).
  public static func bernoulliLogLikelihood(
    logits: UnsafePointer<Float>, targets: UnsafePointer<Float>, targetRowStride: Int, rows: Int, columns: Int,
    into out: UnsafeMutablePointer<Double>, gradient: UnsafeMutablePointer<Float>?,
    gradientScale: UnsafePointer<Double>?
  ) {
    precondition(columns <= 1000, "\(columns) columns exceed the kernel's 1000-column bound")
    jvi_bernoulli_loglik_f32(logits, targets, targetRowStride, rows, columns, out, gradient, gradientScale)
  }

  public static func scaleNonpositive(
    _ a: UnsafePointer<Float>, _ dh: UnsafeMutablePointer<Float>, count: Int, by c: Float?
  ) {
    jvi_scale_nonpositive_f32(a, dh, count, c ?? 0, c == nil ? 1 : 0)
  }
}

extension Double: NetworkScalar {
  public static func map(
    _ f: VectorMath.Function, _ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>, count: Int
  ) {
    VectorMath.map(f, x, y, count: count)
  }

  /// Four lanes of Double (C kernels).
  public static func bernoulliLogLikelihood(
    logits: UnsafePointer<Double>, targets: UnsafePointer<Double>, targetRowStride: Int, rows: Int, columns: Int,
    into out: UnsafeMutablePointer<Double>, gradient: UnsafeMutablePointer<Double>?,
    gradientScale: UnsafePointer<Double>?
  ) {
    precondition(columns <= 1000, "\(columns) columns exceed the kernel's 1000-column bound")
    jvi_bernoulli_loglik_f64(logits, targets, targetRowStride, rows, columns, out, gradient, gradientScale)
  }

  public static func scaleNonpositive(
    _ a: UnsafePointer<Double>, _ dh: UnsafeMutablePointer<Double>, count: Int, by c: Double?
  ) {
    jvi_scale_nonpositive_f64(a, dh, count, c ?? 0, c == nil ? 1 : 0)
  }
}
