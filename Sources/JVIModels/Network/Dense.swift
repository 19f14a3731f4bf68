/// A dense layer y = x·W + b: x is rows × in, W is in × out (row-major), b has out entries.
///
/// Backward, from dy (rows × out): dW += xᵀ·dy, db += Σ_rows dy, dx = dy·Wᵀ. The three GEMM
/// products run without materialising a transpose. Cost: 2·rows·in·out flops forward, twice
/// that backward.
public struct Dense: Sendable, Equatable {
  public let inputs: Int
  public let outputs: Int
  /// Offsets of W and b in the parameter (and gradient) buffer.
  public let weightOffset: Int
  public let biasOffset: Int

  public init(inputs: Int, outputs: Int, name: String, layout: inout ParameterLayout) {
    self.inputs = inputs
    self.outputs = outputs
    weightOffset = layout.add(name + ".weight", shape: [inputs, outputs])
    biasOffset = layout.add(name + ".bias", shape: [outputs])
  }

  /// y = x·W + b for `rows` rows.

  public func forward<T: NetworkScalar>(
    _ x: UnsafePointer<T>, rows: Int, parameters: UnsafePointer<T>, into y: UnsafeMutablePointer<T>,
    workspace: GEMMWorkspace<T>
  ) {
    GEMM.multiply(
      transposeA: false, transposeB: false, m: rows, n: outputs, k: inputs, a: x, lda: inputs,
      b: parameters + weightOffset, ldb: outputs, beta: 0, c: y, ldc: outputs, workspace: workspace)
    let bias = parameters + biasOffset
    for r in 0..<rows {
      let row = y + r * outputs
      for j in 0..<outputs { row[j] += bias[j] }
    }
  }

  /// Accumulates dW and db into `gradients` when given, and writes dx when `dx` is given.

  public func backward<T: NetworkScalar>(
    x: UnsafePointer<T>, dy: UnsafePointer<T>, rows: Int, parameters: UnsafePointer<T>,
    gradients: UnsafeMutablePointer<T>?, dx: UnsafeMutablePointer<T>?, workspace: GEMMWorkspace<T>
  ) {
    if let gradients {
      GEMM.multiply(
        transposeA: true, transposeB: false, m: inputs, n: outputs, k: rows, a: x, lda: inputs, b: dy, ldb: outputs,
        beta: 1, c: gradients + weightOffset, ldc: outputs, workspace: workspace)
      let db = gradients + biasOffset
      for r in 0..<rows {
        let row = dy + r * outputs
        for j in 0..<outputs { db[j] += row[j] }
      }
    }
    if let dx {
      GEMM.multiply(
        transposeA: false, transposeB: true, m: rows, n: inputs, k: outputs, a: dy, lda: outputs,
        b: parameters + weightOffset, ldb: outputs, beta: 0, c: dx, ldc: inputs, workspace: workspace)
    }
  }

  /// Draws W and b from `scheme` (see `Initialization`).
  public func initialize<T: NetworkScalar, G: RandomNumberGenerator>(
    _ parameters: UnsafeMutablePointer<T>, scheme: Initialization, using g: inout G
  ) {
    switch scheme {
    case .glorot:
      let a = (6.0 / Double(inputs + outputs)).squareRoot()
      for i in 0..<(inputs * outputs) { parameters[weightOffset + i] = T(a * (2 * uniformDraw(using: &g) - 1)) }
      for j in 0..<outputs { parameters[biasOffset + j] = 0 }
    case .fanIn:
      let a = 1 / Double(inputs).squareRoot()
      for i in 0..<(inputs * outputs) { parameters[weightOffset + i] = T(a * (2 * uniformDraw(using: &g) - 1)) }
      for j in 0..<outputs { parameters[biasOffset + j] = T(a * (2 * uniformDraw(using: &g) - 1)) }
    }
  }
}

/// How dense layers are initialised.
public enum Initialization: String, Sendable, Equatable, CaseIterable {
  /// Glorot (Xavier) uniform: W ~ U(−a, a), a = √(6/(in + out)); b = 0. The default.
  case glorot
  /// PyTorch's `nn.Linear` default: W and b ~ U(−1/√in, 1/√in) (for comparing with PyTorch runs).
  case fanIn = "fan-in"
}

/// Uniform [0, 1) from the project's sampler (JVICore.Sampling).

func uniformDraw<G: RandomNumberGenerator>(using g: inout G) -> Double { Double(g.next() >> 11) * 0x1p-53 }
