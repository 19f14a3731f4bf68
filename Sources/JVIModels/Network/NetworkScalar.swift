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
  ///     out[r] = Σ_j [t_j ℓ_j − softplus(ℓ_j)] = −Σ_j softplus((1 − 2t_j) ℓ_j),
  ///
  /// summed in Double. With `gradient`, also writes ∂out[r]/∂ℓ_j = t_j − σ(ℓ_j), times
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
    for r in 0..<rows {
      let l = logits + r * columns, t = targets + r * targetRowStride
      let g = gradient.map { $0 + r * columns }
      let scale = Float(gradientScale?[r] ?? 1)
      var acc0 = SIMD8<Double>(), acc1 = SIMD8<Double>()
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
        // softplus((1 − 2t)ℓ): the negative log-likelihood of each pixel.
        var nll = VectorMath.softplus((1 - 2 * tv) * lv)
        if count < 8 { for q in count..<8 { nll[q] = 0 } }
        if (j >> 3) & 1 == 0 { acc0 -= SIMD8<Double>(nll) } else { acc1 -= SIMD8<Double>(nll) }
        if let g {
          let d = (tv - VectorMath.sigmoid(lv)) * scale
          if count == 8 {
            UnsafeMutableRawPointer(g + j).storeBytes(of: d, as: V.self)
          } else {
            for q in 0..<count { g[j + q] = d[q] }
          }
        }
        j += 8
      }
      out[r] = (acc0 + acc1).sum()
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
    for r in 0..<rows {
      let l = logits + r * columns, t = targets + r * targetRowStride
      let g = gradient.map { $0 + r * columns }
      let scale = gradientScale?[r] ?? 1
      var acc0 = V(), acc1 = V()
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
        var nll = VectorMath.softplus((1 - 2 * tv) * lv)
        if count < 4 { for q in count..<4 { nll[q] = 0 } }
        if (j >> 2) & 1 == 0 { acc0 -= nll } else { acc1 -= nll }
        if let g {
          let d = (tv - VectorMath.sigmoid(lv)) * scale
          if count == 4 {
            UnsafeMutableRawPointer(g + j).storeBytes(of: d, as: V.self)
          } else {
            for q in 0..<count { g[j + q] = d[q] }
          }
        }
        j += 4
      }
      out[r] = (acc0 + acc1).sum()
    }
  }
}
