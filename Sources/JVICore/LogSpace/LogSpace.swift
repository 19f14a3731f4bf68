/// Row reductions in log space: the building blocks of every estimator.
///
/// All kernels take an `UnsafeBufferPointer<Double>` (one row, or one column block of a
/// row), run four `SIMD4<Double>` accumulators (16 elements per iteration) and pad the tail
/// with the identity of the reduction, so a value's contribution does not depend on its
/// position. Inputs are finite or −∞ (a zero weight); NaN and +∞ are rejected when a
/// `LogWeightMatrix` is built, so the kernels do not test for them.
public enum LogSpace {}

extension LogSpace {
  @usableFromInline typealias V = SIMD4<Double>

  @inlinable @inline(__always)
  static func load(_ base: UnsafePointer<Double>, _ i: Int) -> SIMD4<Double> {
    UnsafeRawPointer(base + i).loadUnaligned(as: SIMD4<Double>.self)
  }
  /// The last `count < 4` elements from `i`, padded with `pad`.
  @inlinable @inline(__always)
  static func loadTail(_ base: UnsafePointer<Double>, _ i: Int, _ count: Int, pad: Double) -> SIMD4<Double> {
    var v = SIMD4<Double>(repeating: pad)
    for j in 0..<count { v[j] = base[i + j] }
    return v
  }
}
