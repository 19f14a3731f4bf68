import CJVIKernels

/// A scalar `GEMM` multiplies in: `Float` or `Double`. The register tiles, B's packing and the
/// kernels' instruction set live in the C kernels (`Sources/CJVIKernels/kernels_gemm.h`).
public protocol GEMMScalar: BinaryFloatingPoint, SIMDScalar, Sendable, Codable {}

extension Float: GEMMScalar {}
extension Double: GEMMScalar {}

extension GEMM {
  /// Columns per packed B panel on the running kernel path (Float 16, or 8 on the baseline; Double
  /// 8, or 4).
  static func panelWidth<T: GEMMScalar>(_: T.Type) -> Int {
    T.self == Float.self ? jvi_gemm_panel_width_f32() : jvi_gemm_panel_width_f64()
  }

  /// C[rows, columnPanels] over every K block (the C kernel for T): pack B's panels of the
  /// block, then, block of `mc` rows by block, every 6 × panelWidth tile. `packedA` holds one
  /// block of `mc` rows × a K block (used when A is transposed).
  @inline(__always)
  static func run<T: GEMMScalar>(
    _ o: Operands<T>, rows: Range<Int>, columnPanels: Range<Int>, packedB: UnsafeMutablePointer<T>,
    packedA: UnsafeMutablePointer<T>
  ) {
    let ta: Int32 = o.transposeA ? 1 : 0, tb: Int32 = o.transposeB ? 1 : 0
    if T.self == Float.self {
      jvi_gemm_f32(
        ta, tb, o.m, o.n, o.k, Float(o.alpha), cast(o.a), o.lda, cast(o.b), o.ldb, Float(o.beta), cast(o.c), o.ldc,
        rows.lowerBound, rows.upperBound, columnPanels.lowerBound, columnPanels.upperBound, cast(packedB),
        cast(packedA))
    } else {
      jvi_gemm_f64(
        ta, tb, o.m, o.n, o.k, Double(o.alpha), cast(o.a), o.lda, cast(o.b), o.ldb, Double(o.beta), cast(o.c),
        o.ldc, rows.lowerBound, rows.upperBound, columnPanels.lowerBound, columnPanels.upperBound, cast(packedB),
        cast(packedA))
    }
  }

  @inline(__always)
  private static func cast<T, U>(_ p: UnsafePointer<T>) -> UnsafePointer<U> {
    UnsafeRawPointer(p).assumingMemoryBound(to: U.self)
  }
  @inline(__always)
  private static func cast<T, U>(_ p: UnsafeMutablePointer<T>) -> UnsafeMutablePointer<U> {
    UnsafeMutableRawPointer(p).assumingMemoryBound(to: U.self)
  }
}
