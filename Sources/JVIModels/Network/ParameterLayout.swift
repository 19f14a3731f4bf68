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
