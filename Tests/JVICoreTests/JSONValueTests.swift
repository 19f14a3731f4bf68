import Testing

@testable import JVICore

/// The JSON reader behind manifests and shard metadata: what the writer writes reads back, keys
/// are found by path (not by searching the text), escapes decode, and malformed text is refused
/// with its byte offset.
struct JSONValueTests {
  @Test func whatTheWriterWritesReadsBack() throws {
    let value = JSONValue.object([
      ("name", .string("quote \" backslash \\ newline \n tab \t control \u{01} é 😀")),
      ("count", .integer(-42)), ("x", .number(0.125)), ("big", .number(1e300)), ("flag", .bool(true)),
      ("none", .null), ("list", .array([.integer(1), .string("a"), .array([]), .object([])])),
      ("nested", .object([("count", .integer(7)), ("deeper", .object([("count", .integer(8))]))])),
    ])
    let parsed = try JSONValue.parse(value.text())
    #expect(parsed == value)
    #expect(parsed["name"]?.stringValue == "quote \" backslash \\ newline \n tab \t control \u{01} é 😀")
  }

  /// A key is looked up where it is, not wherever its name first appears in the text: the old
  /// text search found the nested "count" (or stopped at an escaped quote).
  @Test func keysAreFoundByPath() throws {
    let text = #"{"seconds": {"total": 1.5}, "note": "a \"total\": 9", "total": 3, "tag": "x\"y"}"#
    let json = try JSONValue.parse(text)
    #expect(json["total"]?.doubleValue == 3)
    #expect(json["seconds", "total"]?.doubleValue == 1.5)
    #expect(json["tag"]?.stringValue == "x\"y")
    #expect(json["seconds", "missing"] == nil && json["total", "x"] == nil)
    #expect(json["total"]?.integerValue == 3 && json["seconds", "total"]?.integerValue == nil)
  }

  @Test func escapesAndNumbers() throws {
    let json = try JSONValue.parse(#"["\u00e9\ud83d\ude00\/\b\f\r", -0.5e-3, 12, 1E2, 0, -0]"#)
    let items = try #require(json.arrayValue)
    #expect(items[0].stringValue == "é😀/\u{08}\u{0C}\r")
    #expect(items[1].doubleValue == -0.0005 && items[2] == .integer(12) && items[3].doubleValue == 100)
    #expect(items[4] == .integer(0) && items[5] == .integer(0))
  }

  @Test(arguments: [
    ("", 0), ("{", 1), ("[1,]", 3), ("{\"a\" 1}", 5), ("{\"a\":1,\"a\":2}", 7), ("\"abc", 4), ("01", 0),
    ("1.", 2), ("1e", 2), ("nul", 0), ("[1] 2", 4), ("\"\\x\"", 3), ("\"\\ud800\"", 7), ("\"\u{01}\"", 1),
    ("1e999", 0), ("{\"a\":}", 5),
  ])
  func malformedTextIsRefusedWithItsOffset(text: String, offset: Int) {
    #expect(throws: JSONParseError.self) { try JSONValue.parse(text) }
    do {
      _ = try JSONValue.parse(text)
    } catch {
      #expect(error.offset == offset, "\(text): \(error)")
    }
  }

  @Test func deepNestingIsRefused() {
    #expect(throws: JSONParseError.self) {
      try JSONValue.parse(String(repeating: "[", count: 65) + String(repeating: "]", count: 65))
    }
    #expect((try? JSONValue.parse(String(repeating: "[", count: 64) + String(repeating: "]", count: 64))) != nil)
  }
}
