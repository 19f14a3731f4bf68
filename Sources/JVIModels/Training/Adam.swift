import CJVIKernels

/// Adam (Kingma & Ba, 2015) on one flat Float parameter buffer, in the form PyTorch uses:
///
///     m ← β₁m + (1 − β₁)g,   v ← β₂v + (1 − β₂)g²,
///     θ ← θ − (lr/(1 − β₁ᵗ)) · m / (√v/√(1 − β₂ᵗ) + ε).
///
/// β₁ = 0.9, β₂ = 0.999; lr and ε are configured. Cost: ~12 flops per parameter (SIMD8).
public final class Adam: @unchecked Sendable {
  /// The rate of the next updates (a schedule may change it between epochs).
  public var learningRate: Double
  public let epsilon: Double
  public static let beta1 = 0.9, beta2 = 0.999
  public let m: ScalarBuffer<Float>
  public let v: ScalarBuffer<Float>
  /// Updates taken so far (t).
  public private(set) var step: Int

  public init(count: Int, learningRate: Double, epsilon: Double, step: Int = 0) {
    self.learningRate = learningRate
    self.epsilon = epsilon
    m = ScalarBuffer(count: count)
    v = ScalarBuffer(count: count)
    self.step = step
  }

  /// One update of `parameters` from `gradients` (the gradient of the loss to minimise).
  /// Returns false if a gradient component is not finite.
  @discardableResult
  public func update(parameters: ScalarBuffer<Float>, gradients: ScalarBuffer<Float>) -> Bool {
    precondition(parameters.count == m.count, "\(parameters.count) parameters for an optimiser of \(m.count)")
    precondition(gradients.count == m.count, "\(gradients.count) gradients for an optimiser of \(m.count)")
    beginStep()
    var part = UnsafePointer(gradients.pointer)
    return withUnsafePointer(to: &part) { parts in
      update(
        range: 0..<m.count, parameters: parameters.pointer, gradientParts: UnsafeBufferPointer(start: parts, count: 1))
    }
  }

  /// Counts one update; then `update(range:…)` must be called on ranges covering every parameter.
  public func beginStep() { step += 1 }

  /// The update of parameters `range` with gradient g = Σ_p gradientParts[p] (summed in order,
  /// vectorised, in the same pass). Ranges may run on different threads: the update is
  /// elementwise, so any partition gives the same result. Returns false if some g_i is not
  /// finite (the range is then partly updated; callers stop and discard the state).
  @discardableResult
  public func update(
    range: Range<Int>, parameters p: UnsafeMutablePointer<Float>,
    gradientParts parts: UnsafeBufferPointer<UnsafePointer<Float>>
  ) -> Bool {
    let t = Double(step)
    let b1 = Float(Adam.beta1), b2 = Float(Adam.beta2)
    let stepSize = Float(learningRate / (1 - pow(Adam.beta1, t)))
    let inverseRoot = Float(1 / (1 - pow(Adam.beta2, t)).squareRoot())
    let eps = Float(epsilon)
    // The vector loop in the C kernels (the same operations, none fused: the same bits on every path).
    guard let base = parts.baseAddress, !range.isEmpty else { return true }
    let pointers = UnsafeRawPointer(base).assumingMemoryBound(to: UnsafePointer<Float>?.self)
    let finite =
      jvi_adam_f32(
        p, m.pointer, v.pointer, pointers, parts.count, range.lowerBound, range.upperBound, b1, b2, stepSize,
        inverseRoot, eps) != 0
    return finite
  }
}

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif
