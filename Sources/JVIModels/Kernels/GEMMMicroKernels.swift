/// A scalar `GEMM` multiplies in: the width of its packed B panels and its register tile.
public protocol GEMMScalar: BinaryFloatingPoint, SIMDScalar, Sendable, Codable {
  /// Columns per packed B panel (the register tile is 6 × panelWidth).
  static var panelWidth: Int { get }

  /// C[0..<rows, 0..<cols] = α·Σ_k a_k ⊗ b_k + β·C for one 6 × panelWidth tile: b packed
  /// (panelWidth values per k), a read in place, row r and step k at a + r·rowStride +
  /// k·columnStride (rows ≥ `rows` read row rows − 1 again; their results are not stored). With
  /// β = 0, C is not read.
  static func microKernel(
    kb: Int, a: UnsafePointer<Self>, rowStride: Int, columnStride: Int, b: UnsafePointer<Self>,
    c: UnsafeMutablePointer<Self>, ldc: Int, rows: Int, cols: Int, alpha: Self, beta: Self)

  /// Copies `panelWidth` contiguous values.
  static func copyPanelRow(from: UnsafePointer<Self>, to: UnsafeMutablePointer<Self>)
}

extension Float: GEMMScalar {
  public static var panelWidth: Int { 16 }

  /// Twelve `SIMD8<Float>` accumulators (6 rows × 2 halves), 12 FMAs per k.
  @inline(__always)
  public static func microKernel(
    kb: Int, a: UnsafePointer<Float>, rowStride: Int, columnStride: Int, b: UnsafePointer<Float>,
    c: UnsafeMutablePointer<Float>, ldc: Int, rows: Int, cols: Int, alpha: Float, beta: Float
  ) {
    tileKernel(
      SIMD8<Float>.self, kb: kb, a: a, rowStride: rowStride, columnStride: columnStride, b: b, c: c, ldc: ldc,
      rows: rows,
      cols: cols, alpha: alpha, beta: beta)
  }

  @inline(__always)
  public static func copyPanelRow(from src: UnsafePointer<Float>, to dst: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(dst).storeBytes(
      of: UnsafeRawPointer(src).loadUnaligned(as: SIMD16<Float>.self), as: SIMD16<Float>.self)
  }
}

extension Double: GEMMScalar {
  public static var panelWidth: Int { 8 }

  /// Twelve `SIMD4<Double>` accumulators (6 rows × 2 halves), 12 FMAs per k.
  @inline(__always)
  public static func microKernel(
    kb: Int, a: UnsafePointer<Double>, rowStride: Int, columnStride: Int, b: UnsafePointer<Double>,
    c: UnsafeMutablePointer<Double>, ldc: Int, rows: Int, cols: Int, alpha: Double, beta: Double
  ) {
    tileKernel(
      SIMD4<Double>.self, kb: kb, a: a, rowStride: rowStride, columnStride: columnStride, b: b, c: c, ldc: ldc,
      rows: rows,
      cols: cols, alpha: alpha, beta: beta)
  }

  @inline(__always)
  public static func copyPanelRow(from src: UnsafePointer<Double>, to dst: UnsafeMutablePointer<Double>) {
    UnsafeMutableRawPointer(dst).storeBytes(
      of: UnsafeRawPointer(src).loadUnaligned(as: SIMD8<Double>.self), as: SIMD8<Double>.self)
  }
}

/// The 6 × 2w register tile of both scalar types (w = V.scalarCount lanes per half): for each k,
/// broadcast the 6 values of A's rows (read in place: no packing pass over A) and add their
/// products with the 2w packed values of B into twelve accumulators, then write the tile
/// (`storeTile`). Only loads, broadcasts and FMAs: generic SIMD code keeps these at full speed
/// once specialised (it is inlined into each conformer), unlike generic comparisons and masks.
@inline(__always)
func tileKernel<V: SIMD>(
  _: V.Type, kb: Int, a: UnsafePointer<V.Scalar>, rowStride: Int, columnStride: Int, b: UnsafePointer<V.Scalar>,
  c: UnsafeMutablePointer<V.Scalar>, ldc: Int, rows: Int, cols: Int, alpha: V.Scalar, beta: V.Scalar
) where V.Scalar: BinaryFloatingPoint {
  let w = V.scalarCount
  var c00 = V(), c01 = V(), c10 = V(), c11 = V(), c20 = V(), c21 = V()
  var c30 = V(), c31 = V(), c40 = V(), c41 = V(), c50 = V(), c51 = V()
  // Rows past the tile's last read that row again (in bounds); their sums are never stored.
  let last = rows - 1
  let a0 = a, a1 = a + min(1, last) * rowStride, a2 = a + min(2, last) * rowStride
  let a3 = a + min(3, last) * rowStride, a4 = a + min(4, last) * rowStride, a5 = a + min(5, last) * rowStride
  var o = 0
  var pb = b
  for _ in 0..<kb {
    let b0 = UnsafeRawPointer(pb).loadUnaligned(as: V.self)
    let b1 = UnsafeRawPointer(pb + w).loadUnaligned(as: V.self)
    var x = V(repeating: a0[o])
    c00 = c00.addingProduct(x, b0)
    c01 = c01.addingProduct(x, b1)
    x = V(repeating: a1[o])
    c10 = c10.addingProduct(x, b0)
    c11 = c11.addingProduct(x, b1)
    x = V(repeating: a2[o])
    c20 = c20.addingProduct(x, b0)
    c21 = c21.addingProduct(x, b1)
    x = V(repeating: a3[o])
    c30 = c30.addingProduct(x, b0)
    c31 = c31.addingProduct(x, b1)
    x = V(repeating: a4[o])
    c40 = c40.addingProduct(x, b0)
    c41 = c41.addingProduct(x, b1)
    x = V(repeating: a5[o])
    c50 = c50.addingProduct(x, b0)
    c51 = c51.addingProduct(x, b1)
    o += columnStride
    pb += 2 * w
  }
  storeTile(c00, c01, row: 0, c, ldc, rows, cols, alpha, beta)
  storeTile(c10, c11, row: 1, c, ldc, rows, cols, alpha, beta)
  storeTile(c20, c21, row: 2, c, ldc, rows, cols, alpha, beta)
  storeTile(c30, c31, row: 3, c, ldc, rows, cols, alpha, beta)
  storeTile(c40, c41, row: 4, c, ldc, rows, cols, alpha, beta)
  storeTile(c50, c51, row: 5, c, ldc, rows, cols, alpha, beta)
}

/// Writes one row of a tile: α·(lo, hi) + β·C, for the first `cols` columns; skips rows ≥ `rows`.
@inline(__always)
func storeTile<V: SIMD>(
  _ lo: V, _ hi: V, row: Int, _ c: UnsafeMutablePointer<V.Scalar>, _ ldc: Int, _ rows: Int, _ cols: Int,
  _ alpha: V.Scalar, _ beta: V.Scalar
) where V.Scalar: BinaryFloatingPoint {
  if row >= rows { return }
  let w = V.scalarCount
  let p = c + row * ldc
  if cols == 2 * w {
    var v0 = lo * alpha, v1 = hi * alpha
    if beta != 0 {
      v0 = v0.addingProduct(UnsafeRawPointer(p).loadUnaligned(as: V.self), beta)
      v1 = v1.addingProduct(UnsafeRawPointer(p + w).loadUnaligned(as: V.self), beta)
    }
    UnsafeMutableRawPointer(p).storeBytes(of: v0, as: V.self)
    UnsafeMutableRawPointer(p + w).storeBytes(of: v1, as: V.self)
  } else {
    for j in 0..<cols {
      let v = (j < w ? lo[j] : hi[j - w]) * alpha
      p[j] = beta != 0 ? v.addingProduct(p[j], beta) : v
    }
  }
}
