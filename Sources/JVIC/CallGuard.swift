import JVICore
import JVIExperiments
import JVIModels

/// How every `jvi_*` function runs its work: arguments checked before any of jvi's code sees them
/// (jvi's preconditions stop the process, and a stopped process here is the user's Python
/// interpreter), every thrown error turned into a status and a message in the caller's buffer,
/// nothing kept between calls.
enum CallGuard {
  static let ok: Int32 = 0
  static let invalidArgument: Int32 = 1
  static let internalError: Int32 = 2

  /// The largest matrix a call accepts: 2^31 entries (16 GiB of doubles).
  static let maximumEntries = 1 << 31

  /// Runs `body`; its result, if any, is a note for the message buffer on success (the first
  /// undefined row). A thrown `Refusal` or any error of jvi's becomes `invalidArgument`.
  static func run(
    message: UnsafeMutablePointer<CChar>?, capacity: Int64, _ body: () throws -> String?
  ) -> Int32 {
    if let message, capacity > 0 { message[0] = 0 }
    do {
      if let problem = KernelPath.requestProblem { throw Refusal(problem) }
      if let note = try body() { write(note, to: message, capacity: capacity) }
      return ok
    } catch {
      write("\(error)", to: message, capacity: capacity)
      return invalidArgument
    }
  }

  /// Copies `text` into the caller's buffer as a NUL-terminated string, cut at a character
  /// boundary to fit `capacity` bytes.
  static func write(_ text: String, to buffer: UnsafeMutablePointer<CChar>?, capacity: Int64) {
    guard let buffer, capacity > 0 else { return }
    var bytes = Array(text.utf8)
    if bytes.count > Int(capacity) - 1 {
      bytes.removeLast(bytes.count - (Int(capacity) - 1))
      // Do not leave half of a multi-byte character.
      while let last = bytes.last, last & 0xC0 == 0x80 { bytes.removeLast() }
      if let last = bytes.last, last >= 0xC0 { bytes.removeLast() }
    }
    for (i, b) in bytes.enumerated() { buffer[i] = CChar(bitPattern: b) }
    buffer[bytes.count] = 0
  }

  /// The N × K matrix at `logw`, copied once and checked: NaN and +∞ are refused with their row
  /// and column (0-based).
  static func matrix(_ logw: UnsafePointer<Double>?, rows: Int64, columns: Int64) throws -> LogWeightMatrix {
    guard let logw else { throw Refusal("logw is a null pointer") }
    guard rows >= 1, columns >= 1 else {
      throw Refusal("the log-weights are \(rows) x \(columns); at least one row and one column are needed")
    }
    let (count, overflow) = Int(rows).multipliedReportingOverflow(by: Int(columns))
    guard !overflow, count <= maximumEntries else {
      throw Refusal("the log-weights are \(rows) x \(columns), more than \(maximumEntries) entries")
    }
    return try LogWeightMatrix(
      rowCount: Int(rows), columnCount: Int(columns), values: Array(UnsafeBufferPointer(start: logw, count: count)))
  }

  /// Worker threads: 0 is every online processor.
  static func threads(_ t: Int32) throws -> Int {
    if t == 0 { return ParallelRows.availableProcessors }
    guard (1...1024).contains(t) else { throw Refusal("threads must be 0 (all processors) or 1...1024, got \(t)") }
    return Int(t)
  }

  /// Samples per estimate: 0 is all columns (nil).
  static func blockWidth(_ k: Int64, columns: Int64) throws -> Int? {
    if k == 0 { return nil }
    guard k >= 1, k <= columns else { throw Refusal("k must be 0 (all columns) or 1...\(columns), got \(k)") }
    return Int(k)
  }

  /// The estimator a method word names (`EstimatorChoice`), on blocks of k columns.
  static func estimator(_ method: UnsafePointer<CChar>?, k: Int?, seed: UInt64) throws -> any BoundEstimator {
    guard let method else { throw Refusal("method is a null pointer") }
    let choice = try EstimatorChoice(String(cString: method))
    return try choice.build(k: k, seed: seed)
  }

  /// An output buffer, or a refusal naming it.
  static func output<T>(_ p: UnsafeMutablePointer<T>?, _ name: String) throws -> UnsafeMutablePointer<T> {
    guard let p else { throw Refusal("\(name) is a null pointer") }
    return p
  }

  /// The note for undefined rows: how many, and the first with its reason.
  static func undefinedNote(_ undefined: [UndefinedInstance]) -> String? {
    guard let first = undefined.first else { return nil }
    let rows = undefined.count == 1 ? "row" : "rows"
    return "\(undefined.count) undefined \(rows); first: row \(first.row): \(first.reason)"
  }
}

/// An argument the C caller got wrong.
struct Refusal: Error, CustomStringConvertible {
  var description: String
  init(_ description: String) { self.description = description }
}
