import Foundation
import JVICore

/// The scalar a network runs in: `Float` for training, `Double` for evaluating log-weights and
/// for finite-difference gradient checks. Elementwise kernels run on SIMD vectors of the type
/// (8 Floats or 4 Doubles) with the project's own polynomial exp (`VectorMath`).
public protocol NetworkScalar: GEMMScalar {
  /// y_i = tanh(x_i).
  static func tanh(_ x: UnsafePointer<Self>, _ y: UnsafeMutablePointer<Self>, count: Int)
  /// y_i = softplus(x_i) = log(1 + e^{x_i}).
  static func softplus(_ x: UnsafePointer<Self>, _ y: UnsafeMutablePointer<Self>, count: Int)
  /// y_i = σ(x_i).
  static func sigmoid(_ x: UnsafePointer<Self>, _ y: UnsafeMutablePointer<Self>, count: Int)
  /// y_i = e^{x_i}.
  static func exp(_ x: UnsafePointer<Self>, _ y: UnsafeMutablePointer<Self>, count: Int)

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
}

extension Float: NetworkScalar {
  public static func tanh(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
    mapLanes(x, y, count) { VectorMath.tanh($0) }
  }
  public static func softplus(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
    mapLanes(x, y, count) { VectorMath.softplus($0) }
  }
  public static func sigmoid(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
    mapLanes(x, y, count) { VectorMath.sigmoid($0) }
  }
  public static func exp(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
    mapLanes(x, y, count) { VectorMath.exp($0) }
  }

  @inline(__always)
  static func mapLanes(
    _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int, _ f: (SIMD8<Float>) -> SIMD8<Float>
  ) {
    var i = 0
    while i + 8 <= n {
      UnsafeMutableRawPointer(y + i).storeBytes(
        of: f(UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)), as: SIMD8<Float>.self)
      i += 8
    }
    if i < n {
      var v = SIMD8<Float>()
      for j in 0..<(n - i) { v[j] = x[i + j] }
      let r = f(v)
      for j in 0..<(n - i) { y[i + j] = r[j] }
    }
  }

  public static func bernoulliLogLikelihood(
    logits: UnsafePointer<Float>, targets: UnsafePointer<Float>, targetRowStride: Int, rows: Int, columns: Int,
    into out: UnsafeMutablePointer<Double>, gradient: UnsafeMutablePointer<Float>?,
    gradientScale: UnsafePointer<Double>?
  ) {
    typealias V = SIMD8<Float>
    precondition(columns <= 1000, "\(columns) columns exceed the kernel's 1000-column scratch")
    for r in 0..<rows {
      let l = logits + r * columns, t = targets + r * targetRowStride
      let g = gradient.map { $0 + r * columns }
      let scale = Float(gradientScale?[r] ?? 1)
      var positive = SIMD8<Double>(), product = V(repeating: 1)
      var j = 0
      while j < columns {
        let count = min(8, columns - j)
        var lv = V(), tv = V()
        if count == 8 {
          lv = UnsafeRawPointer(l + j).loadUnaligned(as: V.self)
          tv = UnsafeRawPointer(t + j).loadUnaligned(as: V.self)
        } else {
          for q in 0..<count {
            lv[q] = l[j + q]
            tv[q] = t[j + q]
          }
        }
        let a = (1 - 2 * tv) * lv
        let e = VectorMath.exp(-VectorMath.magnitude(lv))  // = e^{−|a|}; padding lanes give 1 + 1
        var factor = 1 + e
        var pos = a
        pos.replace(with: 0, where: a .< 0)
        if count < 8 {
          for q in count..<8 {
            factor[q] = 1
            pos[q] = 0
          }
        }
        product *= factor
        positive += SIMD8<Double>(pos)
        if let g {
          // t − σ(ℓ), σ(ℓ) = 1/(1 + e) for ℓ ≥ 0 and e/(1 + e) for ℓ < 0.
          var sigma = 1 / factor
          sigma.replace(with: e / factor, where: lv .< 0)
          let d = (tv - sigma) * scale
          if count == 8 {
            UnsafeMutableRawPointer(g + j).storeBytes(of: d, as: V.self)
          } else {
            for q in 0..<count { g[j + q] = d[q] }
          }
        }
        j += 8
      }
      var total = 1.0
      for q in 0..<8 { total *= Double(product[q]) }
      out[r] = -(positive.sum() + Foundation.log(total))
    }
  }
}

extension Double: NetworkScalar {
  public static func tanh(_ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>, count: Int) {
    mapLanes(x, y, count) { VectorMath.tanh($0) }
  }
  public static func softplus(_ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>, count: Int) {
    mapLanes(x, y, count) { VectorMath.softplus($0) }
  }
  public static func sigmoid(_ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>, count: Int) {
    mapLanes(x, y, count) { VectorMath.sigmoid($0) }
  }
  public static func exp(_ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>, count: Int) {
    mapLanes(x, y, count) { VectorMath.exp($0) }
  }

  @inline(__always)
  static func mapLanes(
    _ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>, _ n: Int, _ f: (SIMD4<Double>) -> SIMD4<Double>
  ) {
    var i = 0
    while i + 4 <= n {
      UnsafeMutableRawPointer(y + i).storeBytes(
        of: f(UnsafeRawPointer(x + i).loadUnaligned(as: SIMD4<Double>.self)), as: SIMD4<Double>.self)
      i += 4
    }
    if i < n {
      var v = SIMD4<Double>()
      for j in 0..<(n - i) { v[j] = x[i + j] }
      let r = f(v)
      for j in 0..<(n - i) { y[i + j] = r[j] }
    }
  }

  public static func bernoulliLogLikelihood(
    logits: UnsafePointer<Double>, targets: UnsafePointer<Double>, targetRowStride: Int, rows: Int, columns: Int,
    into out: UnsafeMutablePointer<Double>, gradient: UnsafeMutablePointer<Double>?,
    gradientScale: UnsafePointer<Double>?
  ) {
    typealias V = SIMD4<Double>
    precondition(columns <= 1000, "\(columns) columns exceed the kernel's 1000-column scratch")
    for r in 0..<rows {
      let l = logits + r * columns, t = targets + r * targetRowStride
      let g = gradient.map { $0 + r * columns }
      let scale = gradientScale?[r] ?? 1
      var positive = V(), product = V(repeating: 1)
      var j = 0
      while j < columns {
        let count = min(4, columns - j)
        var lv = V(), tv = V()
        if count == 4 {
          lv = UnsafeRawPointer(l + j).loadUnaligned(as: V.self)
          tv = UnsafeRawPointer(t + j).loadUnaligned(as: V.self)
        } else {
          for q in 0..<count {
            lv[q] = l[j + q]
            tv[q] = t[j + q]
          }
        }
        let a = (1 - 2 * tv) * lv
        let e = VectorMath.exp(-VectorMath.magnitude(lv))
        var factor = 1 + e
        var pos = a
        pos.replace(with: 0, where: a .< 0)
        if count < 4 {
          for q in count..<4 {
            factor[q] = 1
            pos[q] = 0
          }
        }
        product *= factor
        positive += pos
        if let g {
          var sigma = 1 / factor
          sigma.replace(with: e / factor, where: lv .< 0)
          let d = (tv - sigma) * scale
          if count == 4 {
            UnsafeMutableRawPointer(g + j).storeBytes(of: d, as: V.self)
          } else {
            for q in 0..<count { g[j + q] = d[q] }
          }
        }
        j += 4
      }
      out[r] = -(positive.sum() + Foundation.log(product[0] * product[1] * (product[2] * product[3])))
    }
  }
}
