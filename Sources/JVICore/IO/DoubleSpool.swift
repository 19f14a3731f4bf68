#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A sequence of doubles appended in order and read back in order, any number of times, in
/// bounded memory: the first `memoryLimit` values stay in memory, the rest go to an anonymous
/// temporary file (created in $TMPDIR or /tmp and unlinked at once, so nothing is left behind).
/// Per-instance results of a matrix too large to hold are kept here.
public final class DoubleSpool {
  public private(set) var count = 0
  let memoryLimit: Int
  var head: [Double] = []
  var fd: Int32 = -1

  /// The default: 1 Mi values (8 MiB) in memory.
  public init(memoryLimit: Int = 1 << 20) {
    precondition(memoryLimit >= 1, "a spool holds at least 1 value in memory, got \(memoryLimit)")
    self.memoryLimit = memoryLimit
  }

  deinit { if fd >= 0 { close(fd) } }

  /// Appends `values` after every value so far.
  public func append(_ values: UnsafeBufferPointer<Double>) throws(InputFileError) {
    var rest = values[...]
    let room = memoryLimit - head.count
    if room > 0 {
      head.append(contentsOf: rest.prefix(room))
      rest = rest.dropFirst(room)
    }
    if !rest.isEmpty {
      if fd < 0 { try openSpill() }
      let bytes = UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: rest))
      var done = 0
      let offset = (count + (values.count - rest.count) - head.count) * 8
      while done < bytes.count {
        let n = pwrite(fd, bytes.baseAddress! + done, bytes.count - done, off_t(offset + done))
        if n < 0 {
          if errno == EINTR { continue }
          throw InputFileError(path: "the spool file", problem: "write failed: \(FileIO.errorText())")
        }
        done += n
      }
    }
    count += values.count
  }

  public func append(_ values: [Double]) throws(InputFileError) {
    var failure: InputFileError? = nil
    values.withUnsafeBufferPointer { p in
      do throws(InputFileError) { try append(p) } catch { failure = error }
    }
    if let failure { throw failure }
  }

  func openSpill() throws(InputFileError) {
    let folder = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
    var template = Array("\(folder)/jvi-spool-XXXXXX".utf8CString)
    fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
    if fd < 0 {
      throw InputFileError(path: "\(folder)/jvi-spool-XXXXXX", problem: "cannot create: \(FileIO.errorText())")
    }
    _ = template.withUnsafeBufferPointer { unlink($0.baseAddress!) }
  }

  /// Calls `body` with consecutive chunks of at most `chunk` values, in order.
  public func forEachChunk(
    _ chunk: Int = 1 << 16, _ body: (UnsafeBufferPointer<Double>) throws -> Void
  ) throws {
    let buffer = UnsafeMutablePointer<Double>.allocate(capacity: chunk)
    defer { buffer.deallocate() }
    var index = 0
    while index < count {
      let n = min(chunk, count - index)
      if index + n <= head.count {
        try head.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[index..<(index + n)])) }
      } else {
        var filled = 0
        if index < head.count {
          filled = head.count - index
          head.withUnsafeBufferPointer { buffer.update(from: $0.baseAddress! + index, count: filled) }
        }
        let raw = UnsafeMutableRawBufferPointer(start: buffer + filled, count: (n - filled) * 8)
        try NPYMatrixReader.readFully(fd, raw, at: (index + filled - head.count) * 8, path: "the spool file")
        try body(UnsafeBufferPointer(start: buffer, count: n))
      }
      index += n
    }
  }
}
