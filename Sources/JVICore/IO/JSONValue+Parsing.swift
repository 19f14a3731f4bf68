/// Why a JSON text could not be read: the byte offset and what was expected there.
public struct JSONParseError: Error, CustomStringConvertible, Sendable, Equatable {
  public let offset: Int
  public let problem: String

  public var description: String { "JSON at byte \(offset): \(problem)" }
}

extension JSONValue {
  /// Parses one JSON value (RFC 8259) from `text`: objects keep their key order, numbers without a
  /// fraction or exponent that fit an `Int` are `.integer`, others `.number`; strings decode every
  /// escape (surrogate pairs included). Nesting deeper than 64 levels, trailing text, a duplicate
  /// key, control characters in strings and non-finite numbers are refused.
  ///
  /// Cost: one pass over the UTF-8 bytes.
  public static func parse(_ text: String) throws(JSONParseError) -> JSONValue {
    var parser = JSONParser(bytes: Array(text.utf8))
    parser.skipSpace()
    let value = try parser.value(depth: 0)
    parser.skipSpace()
    guard parser.position == parser.bytes.count else { throw parser.error("text after the value") }
    return value
  }

  /// The value at a path of object keys (`json["seconds", "total"]`); nil if a step is missing or
  /// is not an object.
  public subscript(path: String...) -> JSONValue? { value(at: path) }

  /// The value at a path of object keys; nil if a step is missing or is not an object.
  public func value(at path: [String]) -> JSONValue? {
    var current: JSONValue? = self
    for key in path { current = current?[key] }
    return current
  }

  /// The string of a `.string`.
  public var stringValue: String? {
    if case .string(let s) = self { return s }
    return nil
  }

  /// The number of a `.number` or `.integer`.
  public var doubleValue: Double? {
    switch self {
    case .number(let x): x
    case .integer(let i): Double(i)
    default: nil
    }
  }

  /// The integer of an `.integer`, or of a `.number` that is a whole number within `Int`'s range.
  public var integerValue: Int? {
    switch self {
    case .integer(let i): i
    case .number(let x): Int(exactly: x)
    default: nil
    }
  }

  /// The items of an `.array`.
  public var arrayValue: [JSONValue]? {
    if case .array(let items) = self { return items }
    return nil
  }
}

/// Recursive descent over the bytes of one JSON text.
struct JSONParser {
  let bytes: [UInt8]
  var position = 0
  static let maximumDepth = 64

  init(bytes: [UInt8]) { self.bytes = bytes }

  func error(_ problem: String) -> JSONParseError { JSONParseError(offset: position, problem: problem) }

  mutating func skipSpace() {
    while position < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[position]) { position += 1 }
  }

  mutating func expect(_ literal: String, _ value: JSONValue) throws(JSONParseError) -> JSONValue {
    let word = Array(literal.utf8)
    guard position + word.count <= bytes.count, Array(bytes[position..<(position + word.count)]) == word else {
      throw error("expected a value")
    }
    position += word.count
    return value
  }

  mutating func value(depth: Int) throws(JSONParseError) -> JSONValue {
    guard depth < Self.maximumDepth else { throw error("nested deeper than \(Self.maximumDepth) levels") }
    guard position < bytes.count else { throw error("the text ends where a value should be") }
    switch bytes[position] {
    case UInt8(ascii: "{"): return try object(depth: depth)
    case UInt8(ascii: "["): return try array(depth: depth)
    case UInt8(ascii: "\""): return .string(try string())
    case UInt8(ascii: "t"): return try expect("true", .bool(true))
    case UInt8(ascii: "f"): return try expect("false", .bool(false))
    case UInt8(ascii: "n"): return try expect("null", .null)
    default: return try number()
    }
  }

  mutating func object(depth: Int) throws(JSONParseError) -> JSONValue {
    position += 1
    var fields: [(String, JSONValue)] = []
    var keys = Set<String>()
    skipSpace()
    if position < bytes.count, bytes[position] == UInt8(ascii: "}") {
      position += 1
      return .object(fields)
    }
    while true {
      skipSpace()
      guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else { throw error("expected a key") }
      let keyStart = position
      let key = try string()
      guard keys.insert(key).inserted else {
        throw JSONParseError(offset: keyStart, problem: "the key \"\(key)\" appears twice")
      }
      skipSpace()
      guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else { throw error("expected ':'") }
      position += 1
      skipSpace()
      fields.append((key, try value(depth: depth + 1)))
      skipSpace()
      guard position < bytes.count else { throw error("the text ends inside an object") }
      if bytes[position] == UInt8(ascii: ",") {
        position += 1
        continue
      }
      guard bytes[position] == UInt8(ascii: "}") else { throw error("expected ',' or '}'") }
      position += 1
      return .object(fields)
    }
  }

  mutating func array(depth: Int) throws(JSONParseError) -> JSONValue {
    position += 1
    var items: [JSONValue] = []
    skipSpace()
    if position < bytes.count, bytes[position] == UInt8(ascii: "]") {
      position += 1
      return .array(items)
    }
    while true {
      skipSpace()
      items.append(try value(depth: depth + 1))
      skipSpace()
      guard position < bytes.count else { throw error("the text ends inside an array") }
      if bytes[position] == UInt8(ascii: ",") {
        position += 1
        continue
      }
      guard bytes[position] == UInt8(ascii: "]") else { throw error("expected ',' or ']'") }
      position += 1
      return .array(items)
    }
  }

  /// A string from its opening quote; the bytes between escapes are copied as UTF-8.
  mutating func string() throws(JSONParseError) -> String {
    position += 1
    var out: [UInt8] = []
    while true {
      guard position < bytes.count else { throw error("the text ends inside a string") }
      let b = bytes[position]
      if b == UInt8(ascii: "\"") {
        position += 1
        return String(decoding: out, as: UTF8.self)
      }
      guard b >= 0x20 else { throw error("a control character inside a string") }
      guard b == UInt8(ascii: "\\") else {
        out.append(b)
        position += 1
        continue
      }
      position += 1
      guard position < bytes.count else { throw error("the text ends inside an escape") }
      let e = bytes[position]
      position += 1
      switch e {
      case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
      case UInt8(ascii: "b"): out.append(0x08)
      case UInt8(ascii: "f"): out.append(0x0C)
      case UInt8(ascii: "n"): out.append(0x0A)
      case UInt8(ascii: "r"): out.append(0x0D)
      case UInt8(ascii: "t"): out.append(0x09)
      case UInt8(ascii: "u"):
        var scalar = try hex4()
        if (0xD800..<0xDC00).contains(scalar) {
          // A high surrogate must be followed by an escaped low one.
          guard position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\\"),
            bytes[position + 1] == UInt8(ascii: "u")
          else { throw error("a lone high surrogate") }
          position += 2
          let low = try hex4()
          guard (0xDC00..<0xE000).contains(low) else { throw error("a high surrogate without its low one") }
          scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
        }
        guard let u = Unicode.Scalar(scalar) else { throw error("a lone low surrogate") }
        out.append(contentsOf: Array(String(Character(u)).utf8))
      default: throw error("an unknown escape")
      }
    }
  }

  mutating func hex4() throws(JSONParseError) -> UInt32 {
    guard position + 4 <= bytes.count else { throw error("the text ends inside a \\u escape") }
    var v: UInt32 = 0
    for _ in 0..<4 {
      let c = bytes[position]
      let d: UInt32
      switch c {
      case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt32(c - UInt8(ascii: "0"))
      case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt32(c - UInt8(ascii: "a")) + 10
      case UInt8(ascii: "A")...UInt8(ascii: "F"): d = UInt32(c - UInt8(ascii: "A")) + 10
      default: throw error("a \\u escape needs four hexadecimal digits")
      }
      v = v * 16 + d
      position += 1
    }
    return v
  }

  /// -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
  mutating func number() throws(JSONParseError) -> JSONValue {
    let start = position
    func digits() -> Int {
      let s = position
      while position < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[position]) { position += 1 }
      return position - s
    }
    if position < bytes.count, bytes[position] == UInt8(ascii: "-") { position += 1 }
    let integerDigits = digits()
    guard integerDigits > 0 else { throw JSONParseError(offset: start, problem: "expected a value") }
    if integerDigits > 1, bytes[position - integerDigits] == UInt8(ascii: "0") {
      throw JSONParseError(offset: start, problem: "a number with a leading zero")
    }
    var whole = true
    if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
      position += 1
      guard digits() > 0 else { throw error("a digit must follow the decimal point") }
      whole = false
    }
    if position < bytes.count, bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E") {
      position += 1
      if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") {
        position += 1
      }
      guard digits() > 0 else { throw error("a digit must follow the exponent") }
      whole = false
    }
    let literal = String(decoding: bytes[start..<position], as: UTF8.self)
    if whole, let i = Int(literal) { return .integer(i) }
    guard let x = Double(literal), x.isFinite else {
      throw JSONParseError(offset: start, problem: "the number \(literal) is out of range")
    }
    return .number(x)
  }
}
