#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A file written piece by piece that appears at its path only when complete: the pieces go to a
/// temporary file in the same directory, which `commit()` flushes to disk and renames over the
/// path. Until then (and if the writer is dropped without `commit()`, or a write fails) readers see
/// the old file or none, never a part. For outputs too large to hold in memory at once.
public final class AtomicFileWriter {
  public let path: String
  let temporary: String
  var fd: Int32
  var committed = false

  public init(path: String) throws(InputFileError) {
    self.path = path
    temporary = "\(path).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o644)
    if fd < 0 { throw InputFileError(path: path, problem: "cannot create \(temporary): \(FileIO.errorText())") }
  }

  /// Appends `bytes`.
  public func append(_ bytes: some Collection<UInt8>) throws(InputFileError) {
    precondition(!committed && fd >= 0, "append after commit or failure")
    var failure: String? = nil
    let done: Void? = bytes.withContiguousStorageIfAvailable { raw in
      failure = write(UnsafeRawBufferPointer(raw))
    }
    if done == nil { failure = Array(bytes).withUnsafeBytes { write($0) } }
    if let failure { throw abandon(failure) }
  }

  func write(_ raw: UnsafeRawBufferPointer) -> String? {
    var written = 0
    while written < raw.count {
      let n = FileIO.systemWrite(fd, raw.baseAddress.map { $0 + written }, raw.count - written)
      if n < 0 {
        if errno == EINTR { continue }
        return "write failed: \(FileIO.errorText())"
      }
      written += n
    }
    return nil
  }

  /// Flushes the file to disk and renames it into place.
  public func commit() throws(InputFileError) {
    precondition(!committed && fd >= 0, "commit twice or after a failure")
    if fsync(fd) != 0 { throw abandon("fsync failed: \(FileIO.errorText())") }
    let status = close(fd)
    fd = -1
    if status != 0 { throw abandon("close failed: \(FileIO.errorText())") }
    if rename(temporary, path) != 0 { throw abandon("cannot rename into place: \(FileIO.errorText())") }
    committed = true
  }

  func abandon(_ problem: String) -> InputFileError {
    if fd >= 0 { close(fd) }
    fd = -1
    unlink(temporary)
    return InputFileError(path: path, problem: problem)
  }

  deinit {
    if !committed {
      if fd >= 0 { close(fd) }
      unlink(temporary)
    }
  }
}
