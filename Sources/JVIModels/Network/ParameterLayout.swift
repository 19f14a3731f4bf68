/// Where each named tensor of a model lives in its one flat parameter buffer (and, at the same
/// offsets, in the gradient and optimiser buffers). Checkpoints store the layout and refuse a
/// mismatch.
public struct ParameterLayout: Sendable, Equatable {
  public struct Tensor: Sendable, Equatable {
    public var name: String
    public var shape: [Int]
    public var offset: Int
    public var count: Int { shape.reduce(1, *) }
  }

  public private(set) var tensors: [Tensor] = []
  public private(set) var count = 0

  public init() {}

  /// Appends a tensor and returns its offset.
  @discardableResult
  public mutating func add(_ name: String, shape: [Int]) -> Int {
    let t = Tensor(name: name, shape: shape, offset: count)
    tensors.append(t)
    count += t.count
    return t.offset
  }

  public func tensor(named name: String) -> Tensor? { tensors.first { $0.name == name } }
}

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
    precondition(other.count == count)
    pointer.update(from: other.pointer, count: count)
  }

  /// Copies `values` into slots `offset ..< offset + values.count` (workers that write disjoint
  /// slots may share one buffer).
  public func store(_ values: [T], at offset: Int) {
    precondition(offset >= 0 && offset + values.count <= count)
    guard !values.isEmpty else { return }
    values.withUnsafeBufferPointer { (pointer + offset).update(from: $0.baseAddress!, count: $0.count) }
  }

  public var array: [T] { Array(buffer) }
}
