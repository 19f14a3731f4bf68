import JVICore

/// Reads a `VAEModelFile`'s metadata into an architecture and checks each tensor it names, once:
/// shape, dtype (one for the whole file) and finiteness.
struct VAEModelFileReader {
  /// One linear layer's tensors.
  struct Linear {
    var weight: String
    var bias: String?
  }

  struct Specification {
    var architecture: VAEArchitecture
    var encoder: [Linear]
    var decoder: [Linear]
    var logVarianceTensor: String?
  }

  let file: SafetensorsFile
  private(set) var dtype: String?
  private var used = Set<String>()

  init(file: SafetensorsFile) { self.file = file }

  func fail(_ problem: String) -> InputFileError { InputFileError(path: file.path, problem: problem) }

  mutating func architecture() throws(InputFileError) -> Specification {
    for (key, _) in file.metadata where !["format", "format_version", "architecture"].contains(key) {
      throw fail("__metadata__: unknown key '\(key)' (format, format_version, architecture)")
    }
    guard file.metadata("format") == VAEModelFile.format else {
      throw fail(
        "not a jvi-vae model file: __metadata__ needs \"format\": \"\(VAEModelFile.format)\" "
          + "(jvi.torch.save_vae writes one)")
    }
    guard let version = file.metadata("format_version") else { throw fail("__metadata__: no format_version") }
    guard version == VAEModelFile.formatVersion else {
      throw fail("format_version \(version) is not supported (this jvi reads \(VAEModelFile.formatVersion))")
    }
    guard let text = file.metadata("architecture") else { throw fail("__metadata__: no architecture") }
    let spec: JSONValue
    do { spec = try JSONValue.parse(text) } catch { throw fail("__metadata__ architecture: \(error)") }
    guard case .object(let fields) = spec else { throw fail("__metadata__ architecture is not a JSON object") }
    let known = ["input_dim", "latent_dim", "prior", "posterior", "encoder", "decoder", "likelihood"]
    for (key, _) in fields where !known.contains(key) { throw fail("architecture: unknown key '\(key)'") }
    for (key, word) in [("prior", "standard-normal"), ("posterior", "diagonal-gaussian")] {
      if let v = spec[key], v != .string(word) { throw fail("architecture.\(key): only \"\(word)\" is supported") }
    }
    let input = try positive(spec, "input_dim"), latent = try positive(spec, "latent_dim")
    let (encoder, encoderSizes, encoderActivations) = try network(spec, "encoder", input: input, output: 2 * latent)
    let (decoder, decoderSizes, decoderActivations) = try network(spec, "decoder", input: latent, output: input)
    let (likelihood, logVarianceTensor) = try self.likelihood(spec, input: input)
    guard likelihood != .bernoulli || input <= 1000 else {
      throw fail("architecture.input_dim \(input): a Bernoulli likelihood is evaluated for at most 1000 pixels")
    }
    let architecture = VAEArchitecture(
      inputSize: input, hiddenSizes: encoderSizes, latentSize: latent,
      activation: encoderActivations.first ?? .identity,
      layers: VAELayers(
        encoderHiddenSizes: encoderSizes, encoderActivations: encoderActivations, decoderHiddenSizes: decoderSizes,
        decoderActivations: decoderActivations),
      likelihood: likelihood)
    return Specification(
      architecture: architecture, encoder: encoder, decoder: decoder, logVarianceTensor: logVarianceTensor)
  }

  func positive(_ spec: JSONValue, _ key: String) throws(InputFileError) -> Int {
    guard case .integer(let v)? = spec[key], v >= 1, v <= 1_000_000 else {
      throw fail("architecture.\(key) must be an integer from 1 to 1000000")
    }
    return v
  }

  /// A network's linear layers, hidden widths and activations, checked against the tensors.
  mutating func network(_ spec: JSONValue, _ name: String, input: Int, output: Int)
    throws(InputFileError) -> ([Linear], [Int], [Activation])
  {
    guard case .array(let entries)? = spec[name], !entries.isEmpty else {
      throw fail("architecture.\(name) must be a non-empty list of layers")
    }
    var linears: [Linear] = [], widths: [Int] = [], activations: [Activation] = []
    var width = input, pendingActivation = false
    for (i, entry) in entries.enumerated() {
      let place = "architecture.\(name)[\(i)]"
      guard case .object(let fields) = entry, fields.count == 1 else {
        throw fail("\(place) must be {\"linear\": {...}} or {\"activation\": NAME}")
      }
      switch fields[0].0 {
      case "activation":
        guard case .string(let word) = fields[0].1, let activation = Activation(rawValue: word) else {
          throw fail(
            "\(place): unknown activation \(fields[0].1.text()) (\(Activation.allCases.map(\.rawValue).joined(separator: ", ")))"
          )
        }
        guard !linears.isEmpty, !pendingActivation else {
          throw fail("\(place): an activation must follow a linear layer (at most one after each)")
        }
        activations.append(activation)
        pendingActivation = true
      case "linear":
        let layer = try linear(fields[0].1, place: place)
        if !linears.isEmpty {
          widths.append(width)
          if !pendingActivation { activations.append(.identity) }
        }
        let w = try tensor(layer.weight, place: place)
        guard w.shape.count == 2 else {
          throw fail("tensor '\(layer.weight)' (\(place)): a weight must be 2-dimensional (out × in), got \(w.shape)")
        }
        guard w.shape[1] == width else {
          throw fail(
            "tensor '\(layer.weight)' (\(place)) has shape \(w.shape): its \(w.shape[1]) inputs do not chain "
              + "with the \(width) values before it (weights are out × in, as nn.Linear's)")
        }
        if let bias = layer.bias {
          let b = try tensor(bias, place: place)
          guard b.shape == [w.shape[0]] else {
            throw fail("tensor '\(bias)' (\(place)) has shape \(b.shape); its weight needs [\(w.shape[0])]")
          }
        }
        width = w.shape[0]
        linears.append(layer)
        pendingActivation = false
      case let key:
        throw fail("\(place): unknown key '\(key)' (linear or activation)")
      }
    }
    guard !pendingActivation else { throw fail("architecture.\(name) must end with a linear layer") }
    guard width == output else {
      throw fail(
        "architecture.\(name) ends with \(width) outputs; it needs \(output)"
          + (name == "encoder" ? " (μ and log σ² of each of latent_dim dimensions)" : " (input_dim)"))
    }
    return (linears, widths, activations)
  }

  func linear(_ value: JSONValue, place: String) throws(InputFileError) -> Linear {
    guard case .object(let fields) = value, case .string(let weight)? = value["weight"] else {
      throw fail("\(place): a linear layer needs {\"weight\": NAME, \"bias\": NAME}")
    }
    for (key, _) in fields where key != "weight" && key != "bias" { throw fail("\(place): unknown key '\(key)'") }
    switch value["bias"] {
    case nil, .null?: return Linear(weight: weight, bias: nil)
    case .string(let bias)?: return Linear(weight: weight, bias: bias)
    default: throw fail("\(place): bias must be a tensor's name")
    }
  }

  mutating func likelihood(_ spec: JSONValue, input: Int) throws(InputFileError) -> (DecoderLikelihood, String?) {
    guard let value = spec["likelihood"], case .object(let fields) = value, case .string(let kind)? = value["kind"]
    else { throw fail("architecture.likelihood must be {\"kind\": \"bernoulli\"} or {\"kind\": \"gaussian\", ...}") }
    switch kind {
    case "bernoulli":
      for (key, _) in fields where key != "kind" { throw fail("architecture.likelihood: unknown key '\(key)'") }
      return (.bernoulli, nil)
    case "gaussian":
      for (key, _) in fields where key != "kind" && key != "log_variance" {
        throw fail("architecture.likelihood: unknown key '\(key)'")
      }
      switch value["log_variance"] {
      case .number(let v)? where v.isFinite: return (.gaussian(logVariance: v), nil)
      case .integer(let v)?: return (.gaussian(logVariance: Double(v)), nil)
      case .string(let name)?:
        let t = try tensor(name, place: "architecture.likelihood.log_variance")
        guard t.shape == [input] else {
          throw fail("tensor '\(name)' (the log-variance) has shape \(t.shape); it needs [\(input)] (input_dim)")
        }
        return (.gaussianPerPixel, name)
      default:
        throw fail("architecture.likelihood.log_variance must be a finite number or a tensor's name")
      }
    default:
      throw fail("architecture.likelihood: unknown kind '\(kind)' (bernoulli or gaussian)")
    }
  }

  /// A named tensor, marked used, its dtype checked against the file's one dtype.
  mutating func tensor(_ name: String, place: String) throws(InputFileError) -> SafetensorsFile.Tensor {
    guard let t = file.tensor(named: name) else { throw fail("tensor '\(name)' (\(place)) is not in the file") }
    guard t.dtype == "F32" || t.dtype == "F64" else {
      throw fail("tensor '\(name)': dtype \(t.dtype) is not supported (F32 or F64)")
    }
    if let dtype, dtype != t.dtype {
      throw fail("tensor '\(name)' is \(t.dtype) but others are \(dtype): every tensor must share one dtype")
    }
    dtype = t.dtype
    guard used.insert(name).inserted else { throw fail("tensor '\(name)' (\(place)) is used twice") }
    return t
  }

  /// A checked tensor's values, refused if any is not finite.
  func values(_ name: String) throws(InputFileError) -> [Double] {
    let values = try file.doubles(file.tensor(named: name)!)
    if let i = values.firstIndex(where: { !$0.isFinite }) {
      throw fail("tensor '\(name)': value \(i) is \(values[i]) (every weight must be finite)")
    }
    return values
  }

  func checkAllUsed() throws(InputFileError) {
    if let extra = file.tensors.first(where: { !used.contains($0.name) }) {
      throw fail("tensor '\(extra.name)' is not part of the architecture")
    }
  }
}
