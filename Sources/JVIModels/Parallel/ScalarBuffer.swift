#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// An owned, fixed-size buffer of scalars (parameters, gradients, activations): allocated once,
/// accessed through its pointer in hot loops (no copy-on-write, no exclusivity checks).
public final class ScalarBuffer<T: BinaryFloatingPoint>: @unchecked Sendable {
  public let count: Int
  public let pointer: UnsafeMutablePointer<T>

  public init(count: Int, repeating value: T = 0) {
    self.count = count
    pointer = .allocate(capacity: max(count, 1))
    pointer.initialize(repeating: value, count: max(count, 1))
  }

  deinit { pointer.deallocate() }

  public var buffer: UnsafeMutableBufferPointer<T> { UnsafeMutableBufferPointer(start: pointer, count: count) }

  public func fill(_ value: T) { pointer.update(repeating: value, count: count) }

  public func copy(from other: ScalarBuffer<T>) {
    precondition(other.count == count, "copying \(other.count) values into a buffer of \(count)")
    pointer.update(from: other.pointer, count: count)
  }

  /// Copies `values` into slots `offset ..< offset + values.count` (workers that write disjoint
  /// slots may share one buffer).
  public func store(_ values: [T], at offset: Int) {
    precondition(offset >= 0, "negative offset \(offset)")
    precondition(
      offset + values.count <= count, "slots \(offset)..<\(offset + values.count) lie beyond a buffer of \(count)")
    guard !values.isEmpty else { return }
    values.withUnsafeBufferPointer { source in
      guard let base = source.baseAddress else { return }
      (pointer + offset).update(from: base, count: source.count)
    }
  }

  public var array: [T] { Array(buffer) }
}
