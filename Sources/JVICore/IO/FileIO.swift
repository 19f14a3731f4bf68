#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A file could not be read, written or parsed. The message names the file and the problem.
public struct InputFileError: Error, Sendable, Equatable, CustomStringConvertible {
  public var path: String
  public var problem: String

  public init(path: String, problem: String) {
    self.path = path
    self.problem = problem
  }

  public var description: String { "\(path): \(problem)" }
}

/// Whole-file reads and atomic writes with the C library only (JVICore uses no Foundation).
public enum FileIO {
  /// The bytes of the file at `path`.
  ///
  /// - Throws: `InputFileError` if it does not exist, is a directory, or cannot be read.
  public static func read(_ path: String) throws(InputFileError) -> [UInt8] {
    let fd = open(path, O_RDONLY)
    if fd < 0 { throw InputFileError(path: path, problem: "cannot open: \(errorText())") }
    defer { close(fd) }
    var info = stat()
    if fstat(fd, &info) != 0 { throw InputFileError(path: path, problem: "cannot stat: \(errorText())") }
    if (info.st_mode & S_IFMT) == S_IFDIR { throw InputFileError(path: path, problem: "is a directory, not a file") }
    var bytes: [UInt8] = []
    bytes.reserveCapacity(Int(info.st_size))
    var chunk = [UInt8](repeating: 0, count: 1 << 20)
    while true {
      let n = chunk.withUnsafeMutableBytes { systemRead(fd, $0.baseAddress, $0.count) }
      if n < 0 {
        if errno == EINTR { continue }
        throw InputFileError(path: path, problem: "read failed: \(errorText())")
      }
      if n == 0 { break }
      bytes.append(contentsOf: chunk[0..<n])
    }
    return bytes
  }

  /// Writes `bytes` to `path` atomically: to a temporary file in the same directory, flushed to
  /// disk, then renamed over `path`. Readers see the old file or the new one, never a part.
  public static func writeAtomically(_ bytes: [UInt8], to path: String) throws(InputFileError) {
    let temporary = "\(path).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o644)
    if fd < 0 { throw InputFileError(path: path, problem: "cannot create \(temporary): \(errorText())") }
    var written = 0
    var failure: String? = nil
    bytes.withUnsafeBytes { raw in
      while written < raw.count {
        let n = write(fd, raw.baseAddress.map { $0 + written }, raw.count - written)
        if n < 0 {
          if errno == EINTR { continue }
          failure = "write failed: \(errorText())"
          return
        }
        written += n
      }
    }
    if failure == nil && fsync(fd) != 0 { failure = "fsync failed: \(errorText())" }
    if close(fd) != 0 && failure == nil { failure = "close failed: \(errorText())" }
    if failure == nil && rename(temporary, path) != 0 { failure = "cannot rename into place: \(errorText())" }
    if let failure {
      unlink(temporary)
      throw InputFileError(path: path, problem: failure)
    }
  }

  /// Writes a UTF-8 string atomically.
  public static func writeAtomically(_ text: String, to path: String) throws(InputFileError) {
    try writeAtomically(Array(text.utf8), to: path)
  }

  /// Throws the same errors as `read` (cannot open, is a directory) without reading the file.
  public static func checkReadable(_ path: String) throws(InputFileError) {
    let fd = open(path, O_RDONLY)
    if fd < 0 { throw InputFileError(path: path, problem: "cannot open: \(errorText())") }
    defer { close(fd) }
    var info = stat()
    if fstat(fd, &info) != 0 { throw InputFileError(path: path, problem: "cannot stat: \(errorText())") }
    if (info.st_mode & S_IFMT) == S_IFDIR { throw InputFileError(path: path, problem: "is a directory, not a file") }
  }

  /// Whether a regular file or directory exists at `path`.
  public static func exists(_ path: String) -> Bool {
    var info = stat()
    return stat(path, &info) == 0
  }

  /// Creates `path` and any missing parents (mkdir -p).
  public static func createDirectories(_ path: String) throws(InputFileError) {
    var prefix = path.hasPrefix("/") ? "/" : ""
    for part in path.split(separator: "/") {
      prefix += part
      if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
        throw InputFileError(path: prefix, problem: "cannot create the directory: \(errorText())")
      }
      prefix += "/"
    }
    var info = stat()
    if stat(path, &info) != 0 || (info.st_mode & S_IFMT) != S_IFDIR {
      throw InputFileError(path: path, problem: "is not a directory")
    }
  }

  /// The names in directory `path` (without "." and ".."), sorted bytewise.
  ///
  /// - Throws: `InputFileError` if it cannot be opened as a directory.
  public static func entries(ofDirectory path: String) throws(InputFileError) -> [String] {
    guard let directory = opendir(path) else {
      throw InputFileError(path: path, problem: "cannot list the directory: \(errorText())")
    }
    defer { closedir(directory) }
    var names: [String] = []
    while let entry = readdir(directory) {
      let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
        String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
      }
      if name != "." && name != ".." { names.append(name) }
    }
    return names.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
  }

  /// The UTF-8 text of a file.
  public static func readText(_ path: String) throws(InputFileError) -> String {
    String(decoding: try read(path), as: UTF8.self)
  }

  static func errorText() -> String { String(cString: strerror(errno)) }

  /// read(2) from the platform's C library (`read` alone would name `FileIO.read`).
  static func systemRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
    #if canImport(Glibc)
      Glibc.read(fd, buffer, count)
    #else
      Darwin.read(fd, buffer, count)
    #endif
  }

  /// write(2) from the platform's C library.
  static func systemWrite(_ fd: Int32, _ buffer: UnsafeRawPointer?, _ count: Int) -> Int {
    #if canImport(Glibc)
      Glibc.write(fd, buffer, count)
    #else
      Darwin.write(fd, buffer, count)
    #endif
  }
}
