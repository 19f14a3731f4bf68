/// A multilayer perceptron: dense → activation → … → dense (linear output), with one activation
/// after each hidden layer (the same one throughout, or one each).
///
/// Forward keeps every layer's pre-activation and output in an `MLPState` (allocated once for
/// a maximum number of rows); backward turns the output gradient into parameter gradients,
/// accumulated into the flat gradient buffer, and optionally the input gradient.
public struct MLP: Sendable, Equatable {
  public let layers: [Dense]
  /// The activation after hidden layer l (one per layer but the last).
  public let activations: [Activation]
  /// The one activation of an MLP built with one; the first hidden layer's otherwise.
  public private(set) var activation: Activation

  /// Layers of widths sizes[0] → sizes[1] → … → sizes.last, registered in `layout` as
  /// "<name>.<i>.weight" / "<name>.<i>.bias".
  public init(sizes: [Int], activation: Activation, name: String, layout: inout ParameterLayout) {
    self.init(
      sizes: sizes, activations: Array(repeating: activation, count: max(sizes.count - 2, 0)), name: name,
      layout: &layout)
    self.activation = activation
  }

  /// Layers of widths sizes[0] → … → sizes.last, with `activations[l]` after hidden layer l.
  public init(sizes: [Int], activations: [Activation], name: String, layout: inout ParameterLayout) {
    precondition(sizes.count >= 2, "an MLP needs an input and an output width, got \(sizes)")
    precondition(
      activations.count == sizes.count - 2, "\(activations.count) activations for \(sizes.count - 2) hidden layers")
    var layers: [Dense] = []
    for i in 0..<(sizes.count - 1) {
      layers.append(Dense(inputs: sizes[i], outputs: sizes[i + 1], name: "\(name).\(i)", layout: &layout))
    }
    self.layers = layers
    self.activations = activations
    activation = activations.first ?? .identity
  }

  public var inputs: Int { layers[0].inputs }
  public var outputs: Int { layers[layers.count - 1].outputs }

  /// Runs `rows` rows of `input` (rows × inputs); returns the output (rows × outputs) in `state`.

  public func forward<T: NetworkScalar>(
    _ input: UnsafePointer<T>, rows: Int, parameters: UnsafePointer<T>, state: MLPState<T>
  ) -> UnsafeMutablePointer<T> {
    precondition(rows <= state.maximumRows, "\(rows) rows exceed the \(state.maximumRows) the state holds")
    state.input = input
    var x = input
    for (l, layer) in layers.enumerated() {
      let pre = state.preActivations[l].pointer
      layer.forward(x, rows: rows, parameters: parameters, into: pre, workspace: state.gemm)
      if l == layers.count - 1 { return pre }
      let post = state.outputs[l].pointer
      activations[l].forward(UnsafePointer(pre), post, count: rows * layer.outputs)
      x = UnsafePointer(post)
    }
    return state.preActivations[layers.count - 1].pointer
  }

  /// From ∂L/∂output (rows × outputs, overwritten), accumulates ∂L/∂parameters when `gradients`
  /// is given and writes ∂L/∂input (rows × inputs) when `inputGradient` is given (with no
  /// `gradients`, only the input gradient: half the cost, as AIS needs).

  public func backward<T: NetworkScalar>(
    outputGradient: UnsafeMutablePointer<T>, rows: Int, parameters: UnsafePointer<T>,
    gradients: UnsafeMutablePointer<T>?, inputGradient: UnsafeMutablePointer<T>?, state: MLPState<T>
  ) {
    guard let input = state.input else { preconditionFailure("backward before forward") }
    var dy = outputGradient
    for l in stride(from: layers.count - 1, through: 0, by: -1) {
      let layer = layers[l]
      let x = l == 0 ? input : UnsafePointer(state.outputs[l - 1].pointer)
      let dx: UnsafeMutablePointer<T>? = l == 0 ? inputGradient : state.gradients[l - 1].pointer
      layer.backward(
        x: x, dy: UnsafePointer(dy), rows: rows, parameters: parameters, gradients: gradients, dx: dx,
        workspace: state.gemm)
      if l > 0, let dx {
        activations[l - 1].backward(
          preActivation: state.preActivations[l - 1].pointer, output: state.outputs[l - 1].pointer, gradient: dx,
          count: rows * layers[l - 1].outputs, scratch: state.scratch.pointer)
        dy = dx
      }
    }
  }

  /// Initialises every layer with `scheme`.
  public func initialize<T: NetworkScalar, G: RandomNumberGenerator>(
    _ parameters: UnsafeMutablePointer<T>, scheme: Initialization = .glorot, using g: inout G
  ) {
    for layer in layers { layer.initialize(parameters, scheme: scheme, using: &g) }
  }
}

/// The buffers one MLP needs for up to `maximumRows` rows: allocated once, reused every step.
public final class MLPState<T: NetworkScalar>: @unchecked Sendable {
  public let maximumRows: Int
  let preActivations: [ScalarBuffer<T>]
  let outputs: [ScalarBuffer<T>]
  let gradients: [ScalarBuffer<T>]
  let scratch: ScalarBuffer<T>
  let gemm = GEMMWorkspace<T>()
  var input: UnsafePointer<T>?

  public init(_ mlp: MLP, maximumRows: Int) {
    self.maximumRows = maximumRows
    preActivations = mlp.layers.map { ScalarBuffer(count: maximumRows * $0.outputs) }
    outputs = mlp.layers.dropLast().map { ScalarBuffer(count: maximumRows * $0.outputs) }
    gradients = mlp.layers.dropLast().map { ScalarBuffer(count: maximumRows * $0.outputs) }
    scratch = ScalarBuffer(count: maximumRows * (mlp.layers.map(\.outputs).max() ?? 1))
  }
}
