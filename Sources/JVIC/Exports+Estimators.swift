import JVICore
import JVIExperiments

/// The registry's estimators as JSON (`EstimatorRegistry`), for the bindings to name and check
/// methods without a list of their own:
///
///     {"estimators": [{"name": "vr", "numbered": false, "differentiable": true, "summary": "…",
///       "parameters": [{"key": "alpha", "keyword": "alpha", "flag": "--alpha", "kind": "real",
///                       "choices": [], "default": "0.5"}]}, …]}
///
/// `numbered`: the first parameter is written into the name (`jvi-2`). `differentiable`: the
/// estimator has gradient weights (`jvi_value_and_grad`). A text longer than `capacity` − 1
/// bytes is refused (JVI_INVALID_ARGUMENT) with the length needed in the message.
@c(jvi_estimators)
public func estimatorsText(_ text: UnsafeMutablePointer<CChar>?, _ capacity: Int64) -> Int32 {
  let entries = EstimatorRegistry.entries.map { entry -> JSONValue in
    let differentiable =
      (try? EstimatorChoice(name: entry.name, parameters: [:]).build(k: nil, seed: 0))
      .flatMap { try? $0.blockGradient(blockWidth: 8, precision: .automatic) } != nil
    let parameters = entry.parameters.map { p -> JSONValue in
      let (kind, choices): (String, [String]) =
        switch p.kind {
        case .real: ("real", [])
        case .integer: ("integer", [])
        case .choice(let values): ("choice", values)
        }
      return .object([
        ("key", .string(p.key)), ("keyword", .string(p.keyword)), ("flag", p.flag.map(JSONValue.string) ?? .null),
        ("kind", .string(kind)), ("choices", .array(choices.map(JSONValue.string))),
        ("default", .string(p.defaultValue.description)),
      ])
    }
    return .object([
      ("name", .string(entry.name)), ("numbered", .bool(entry.numbers != nil)),
      ("differentiable", .bool(differentiable)), ("summary", .string(entry.summary)),
      ("parameters", .array(parameters)),
    ])
  }
  let json = JSONValue.object([("estimators", .array(entries))]).text()
  guard json.utf8.count < capacity else {
    CallGuard.write("the estimator list needs \(json.utf8.count + 1) bytes", to: text, capacity: capacity)
    return CallGuard.invalidArgument
  }
  CallGuard.write(json, to: text, capacity: capacity)
  return CallGuard.ok
}
