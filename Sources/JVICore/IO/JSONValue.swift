/// A small JSON writer for manifests: objects keep their key order, so files diff cleanly.
public indirect enum JSONValue: Sendable, Equatable {
  case string(String)
  case number(Double)
  case integer(Int)
  case bool(Bool)
  case null
  case array([JSONValue])
  case object([(String, JSONValue)])

  public static func == (a: JSONValue, b: JSONValue) -> Bool { a.text() == b.text() }

  /// Pretty-printed with two-space indents and a final newline at the top level.
  public func text(indent: Int = 0) -> String {
    let pad = String(repeating: " ", count: indent + 2), closePad = String(repeating: " ", count: indent)
    switch self {
    case .string(let s): return JSONValue.quote(s)
    case .number(let x): return x.isFinite ? String(describing: x) : "null"
    case .integer(let i): return String(i)
    case .bool(let b): return b ? "true" : "false"
    case .null: return "null"
    case .array(let items):
      if items.isEmpty { return "[]" }
      if items.allSatisfy(\.isScalar) {
        return "[" + items.map { $0.text() }.joined(separator: ", ") + "]"
      }
      return "[\n" + items.map { pad + $0.text(indent: indent + 2) }.joined(separator: ",\n") + "\n" + closePad + "]"
    case .object(let fields):
      if fields.isEmpty { return "{}" }
      return "{\n"
        + fields.map { pad + JSONValue.quote($0.0) + ": " + $0.1.text(indent: indent + 2) }.joined(separator: ",\n")
        + "\n" + closePad + "}"
    }
  }

  /// On one line, with no spaces: for JSON held inside other text (safetensors headers and metadata).
  public var compactText: String {
    switch self {
    case .array(let items): "[" + items.map(\.compactText).joined(separator: ",") + "]"
    case .object(let fields):
      "{" + fields.map { JSONValue.quote($0.0) + ":" + $0.1.compactText }.joined(separator: ",") + "}"
    default: text()
    }
  }

  var isScalar: Bool {
    switch self {
    case .array, .object: false
    default: true
    }
  }

  static func quote(_ s: String) -> String {
    var out = "\""
    for u in s.unicodeScalars {
      switch u {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\t": out += "\\t"
      case "\r": out += "\\r"
      default:
        if u.value < 0x20 {
          let hex = String(u.value, radix: 16)
          out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        } else {
          out.unicodeScalars.append(u)
        }
      }
    }
    return out + "\""
  }

  /// The value of `key` in an object.
  public subscript(key: String) -> JSONValue? {
    if case .object(let fields) = self { return fields.first { $0.0 == key }?.1 }
    return nil
  }
}
