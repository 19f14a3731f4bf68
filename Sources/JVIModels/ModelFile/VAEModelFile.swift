import JVICore

/// A user's Gaussian-latent VAE in a safetensors file (`SafetensorsFile`), with its architecture
/// in the file's `__metadata__`:
///
///     "format": "jvi-vae", "format_version": "1",
///     "architecture": {"input_dim": 784, "latent_dim": 16,
///       "prior": "standard-normal", "posterior": "diagonal-gaussian",
///       "encoder": [{"linear": {"weight": "encoder.0.weight", "bias": "encoder.0.bias"}},
///                   {"activation": "relu"}, {"linear": {...}}],
///       "decoder": [...],
///       "likelihood": {"kind": "bernoulli"}}
///
/// - Each network is linear layers, each optionally followed by one activation (`Activation`'s
///   words: tanh, relu, leaky-relu (slope 0.01), elu (α = 1), softplus, sigmoid, identity), and
///   ends with a linear layer. A weight is PyTorch's `nn.Linear.weight`, out × in; the bias
///   (out) may be omitted for a layer without one.
/// - The encoder's last layer gives 2·latent_dim values: μ, then log σ² of q(z | x). The prior is
///   N(0, I).
/// - The likelihood is `{"kind": "bernoulli"}` on the decoder's logits, or `{"kind": "gaussian",
///   "log_variance": v}` with a number (one fixed log-variance) or a tensor's name (D values, per
///   pixel) on the decoder's mean.
/// - Every tensor is F32 (the network runs in Float, as jvi's own VAEs) or every one F64 (it runs
///   in Double). Each refusal names the file and the key or tensor: unknown keys, a tensor missing
///   or unused, shapes that do not chain, non-finite values.
public struct VAEModelFile: Sendable {
  public static let format = "jvi-vae"
  public static let formatVersion = "1"

  public let path: String
  public let model: GaussianVAE
  /// The parameters in jvi's layout (`model.layout`; weights in × out), exactly as stored.
  public let parameters: [Double]
  /// The precision the file stores its tensors in: the one its network is evaluated in.
  public let precision: NetworkPrecision

  public init(contentsOf path: String) throws(InputFileError) {
    try self.init(try SafetensorsFile(contentsOf: path))
  }

  public init(_ file: SafetensorsFile) throws(InputFileError) {
    var reader = VAEModelFileReader(file: file)
    let spec = try reader.architecture()
    path = file.path
    model = GaussianVAE(spec.architecture)
    var parameters = [Double](repeating: 0, count: model.parameterCount)
    for (network, layers) in [(model.encoder, spec.encoder), (model.decoder, spec.decoder)] {
      for (dense, layer) in zip(network.layers, layers) {
        let w = try reader.values(layer.weight)
        for o in 0..<dense.outputs {
          for i in 0..<dense.inputs { parameters[dense.weightOffset + i * dense.outputs + o] = w[o * dense.inputs + i] }
        }
        if let bias = layer.bias {
          let b = try reader.values(bias)
          for o in 0..<dense.outputs { parameters[dense.biasOffset + o] = b[o] }
        }
      }
    }
    if let name = spec.logVarianceTensor, let offset = model.logVarianceOffset {
      let v = try reader.values(name)
      for j in v.indices { parameters[offset + j] = v[j] }
    }
    try reader.checkAllUsed()
    self.parameters = parameters
    precision = reader.dtype == "F64" ? .float64 : .float32
  }

  /// The bytes of a model file for `model` with `parameters` (in jvi's layout), every tensor in
  /// `dtype` (F32 or F64), named "encoder.<l>.weight", "encoder.<l>.bias", "decoder.…" and
  /// "decoder.log_variance". Reading them back gives the same model and parameters (rounded to
  /// Float for F32).
  public static func bytes(model: GaussianVAE, parameters: [Double], dtype: String = "F32") -> [UInt8] {
    precondition(parameters.count == model.parameterCount, "\(parameters.count) parameters for \(model.parameterCount)")
    var tensors: [(name: String, shape: [Int], values: [Double])] = []
    func describe(_ network: MLP, _ name: String) -> JSONValue {
      var entries: [JSONValue] = []
      for (l, dense) in network.layers.enumerated() {
        var w = [Double](repeating: 0, count: dense.inputs * dense.outputs)
        for o in 0..<dense.outputs {
          for i in 0..<dense.inputs { w[o * dense.inputs + i] = parameters[dense.weightOffset + i * dense.outputs + o] }
        }
        let b = Array(parameters[dense.biasOffset..<(dense.biasOffset + dense.outputs)])
        tensors.append(("\(name).\(l).weight", [dense.outputs, dense.inputs], w))
        tensors.append(("\(name).\(l).bias", [dense.outputs], b))
        entries.append(
          .object([
            ("linear", .object([("weight", .string("\(name).\(l).weight")), ("bias", .string("\(name).\(l).bias"))]))
          ]))
        if l < network.activations.count {
          entries.append(.object([("activation", .string(network.activations[l].rawValue))]))
        }
      }
      return .array(entries)
    }
    let a = model.architecture
    let encoder = describe(model.encoder, "encoder"), decoder = describe(model.decoder, "decoder")
    let likelihood: JSONValue
    switch a.likelihood {
    case .bernoulli: likelihood = .object([("kind", .string("bernoulli"))])
    case .gaussian(let v): likelihood = .object([("kind", .string("gaussian")), ("log_variance", .number(v))])
    case .gaussianPerPixel:
      let offset = model.logVarianceOffset!
      tensors.append(("decoder.log_variance", [a.inputSize], Array(parameters[offset..<(offset + a.inputSize)])))
      likelihood = .object([("kind", .string("gaussian")), ("log_variance", .string("decoder.log_variance"))])
    }
    let architecture = JSONValue.object([
      ("input_dim", .integer(a.inputSize)), ("latent_dim", .integer(a.latentSize)),
      ("prior", .string("standard-normal")), ("posterior", .string("diagonal-gaussian")),
      ("encoder", encoder), ("decoder", decoder), ("likelihood", likelihood),
    ])
    return SafetensorsFile.bytes(
      tensors: tensors, dtype: dtype,
      metadata: [
        ("format", format), ("format_version", formatVersion), ("architecture", architecture.compactText),
      ])
  }
}
