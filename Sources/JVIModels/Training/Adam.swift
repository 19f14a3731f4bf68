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
    let mp = m.pointer, vp = v.pointer
    typealias V = SIMD8<Float>
    var bad = SIMDMask<SIMD8<Int32>>(repeating: false)
    var i = range.lowerBound
    let n = range.upperBound
    while i + 8 <= n {
      var gv = UnsafeRawPointer(parts[0] + i).loadUnaligned(as: V.self)
      for q in 1..<parts.count { gv += UnsafeRawPointer(parts[q] + i).loadUnaligned(as: V.self) }
      // g − g is NaN exactly when g is ±∞ or NaN.
      bad .|= (gv - gv) .!= 0
      var mv = UnsafeRawPointer(mp + i).loadUnaligned(as: V.self)
      var vv = UnsafeRawPointer(vp + i).loadUnaligned(as: V.self)
      mv = mv * b1 + (1 - b1) * gv
      vv = vv * b2 + (1 - b2) * gv * gv
      let denominator = vv.squareRoot() * inverseRoot + eps
      let pv = UnsafeRawPointer(p + i).loadUnaligned(as: V.self) - stepSize * mv / denominator
      UnsafeMutableRawPointer(mp + i).storeBytes(of: mv, as: V.self)
      UnsafeMutableRawPointer(vp + i).storeBytes(of: vv, as: V.self)
      UnsafeMutableRawPointer(p + i).storeBytes(of: pv, as: V.self)
      i += 8
    }
    var finite = !any(bad)
    while i < n {
      var gi = parts[0][i]
      for q in 1..<parts.count { gi += parts[q][i] }
      if !gi.isFinite { finite = false }
      mp[i] = mp[i] * b1 + (1 - b1) * gi
      vp[i] = vp[i] * b2 + (1 - b2) * gi * gi
      p[i] -= stepSize * mp[i] / (vp[i].squareRoot() * inverseRoot + eps)
      i += 1
    }
    return finite
  }
}

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif
