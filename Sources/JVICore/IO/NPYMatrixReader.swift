#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A 2-D `.npy` file read a block of rows at a time, so a matrix of any size (larger than memory
/// included) is evaluated in bounded memory: only the header is parsed up front, and
/// `readRows` fills a caller's buffer with pread(2) (the page cache serves a warm file; nothing
/// of the file is held).
///
/// Cost per block: one pread per block for a C-order file (straight into place for the host's
/// float64, else converted), one per column for a Fortran-order file.
public final class NPYMatrixReader {
  public let path: String
  public let layout: NPYLayout
  public var rowCount: Int { layout.shape[0] }
  public var columnCount: Int { layout.shape[1] }
  let fd: Int32

  /// Opens `path` and reads its header.
  ///
  /// - Throws: `InputFileError` for a file that cannot be opened, a directory, a bad header, a
  ///   size that does not match the shape, or a rank other than 2 or an empty shape.
  public init(path: String) throws(InputFileError) {
    self.path = path
    let fd = open(path, O_RDONLY)
    if fd < 0 { throw InputFileError(path: path, problem: "cannot open: \(FileIO.errorText())") }
    var info = stat()
    if fstat(fd, &info) != 0 {
      close(fd)
      throw InputFileError(path: path, problem: "cannot stat: \(FileIO.errorText())")
    }
    if (info.st_mode & S_IFMT) == S_IFDIR {
      close(fd)
      throw InputFileError(path: path, problem: "is a directory, not a file")
    }
    let size = Int(info.st_size)
    do throws(InputFileError) {
      var preamble = [UInt8](repeating: 0, count: min(size, NPYLayout.preambleLength))
      try Self.readFully(fd, &preamble, at: 0, path: path)
      let end = NPYLayout.headerEnd(preamble: preamble) ?? preamble.count
      var prefix = [UInt8](repeating: 0, count: min(size, max(end, preamble.count)))
      try Self.readFully(fd, &prefix, at: 0, path: path)
      layout = try NPYLayout(prefix: prefix, fileSize: size, source: path)
    } catch {
      close(fd)
      throw error
    }
    self.fd = fd
    guard layout.shape.count == 2 else {
      throw InputFileError(
        path: path,
        problem: "wrong rank: shape \(NPYHeader.shapeText(layout.shape)) has \(layout.shape.count) dimensions; "
          + "expected a 2-D N×K matrix")
    }
    guard layout.shape[0] > 0 && layout.shape[1] > 0 else {
      throw InputFileError(path: path, problem: "empty matrix of shape \(NPYHeader.shapeText(layout.shape))")
    }
  }

  deinit { close(fd) }

  /// Rows `rows`, row-major, as Double into `out` (rows.count × columnCount values).
  public func readRows(_ rows: Range<Int>, into out: UnsafeMutablePointer<Double>) throws(InputFileError) {
    precondition(rows.lowerBound >= 0, "rows start at \(rows.lowerBound)")
    precondition(rows.upperBound <= rowCount, "rows end at \(rows.upperBound), past the \(rowCount) rows")
    let k = columnCount, item = layout.itemSize, n = rows.count
    if n == 0 { return }
    if !layout.fortranOrder {
      let offset = layout.dataOffset + rows.lowerBound * k * item
      if layout.isNativeFloat64 {
        try Self.readFully(fd, UnsafeMutableRawBufferPointer(start: out, count: n * k * 8), at: offset, path: path)
        return
      }
      let staging = UnsafeMutableRawBufferPointer.allocate(byteCount: n * k * item, alignment: 8)
      defer { staging.deallocate() }
      try Self.readFully(fd, staging, at: offset, path: path)
      layout.convert(UnsafeRawPointer(staging.baseAddress!), count: n * k, into: out)
      return
    }
    // Fortran order: column j's rows are contiguous at (j·N + first)·item.
    let staging = UnsafeMutableRawBufferPointer.allocate(byteCount: n * item, alignment: 8)
    let column = UnsafeMutablePointer<Double>.allocate(capacity: n)
    defer {
      staging.deallocate()
      column.deallocate()
    }
    for j in 0..<k {
      try Self.readFully(fd, staging, at: layout.dataOffset + (j * rowCount + rows.lowerBound) * item, path: path)
      layout.convert(UnsafeRawPointer(staging.baseAddress!), count: n, into: column)
      for i in 0..<n { out[i * k + j] = column[i] }
    }
  }

  static func readFully(_ fd: Int32, _ bytes: inout [UInt8], at offset: Int, path: String) throws(InputFileError) {
    var failure: InputFileError? = nil
    bytes.withUnsafeMutableBytes { raw in
      do throws(InputFileError) { try readFully(fd, raw, at: offset, path: path) } catch { failure = error }
    }
    if let failure { throw failure }
  }

  /// pread(2) until `buffer` is full.
  static func readFully(_ fd: Int32, _ buffer: UnsafeMutableRawBufferPointer, at offset: Int, path: String)
    throws(InputFileError)
  {
    var done = 0
    while done < buffer.count {
      let n = pread(fd, buffer.baseAddress! + done, buffer.count - done, off_t(offset + done))
      if n < 0 {
        if errno == EINTR { continue }
        throw InputFileError(path: path, problem: "read failed: \(FileIO.errorText())")
      }
      if n == 0 { throw InputFileError(path: path, problem: "the file ended early (it shrank while being read)") }
      done += n
    }
  }
}

/// A float64, C-order `.npy` file of a known N × K written a block of rows at a time, atomically
/// (it appears at its path only after `commit()`): `jvi-eval --save-logw` streams through it.
public final class NPYMatrixWriter {
  let file: AtomicFileWriter
  public let rowCount: Int
  public let columnCount: Int
  public private(set) var rowsWritten = 0

  public init(path: String, rowCount: Int, columnCount: Int) throws(InputFileError) {
    self.rowCount = rowCount
    self.columnCount = columnCount
    file = try AtomicFileWriter(path: path)
    try file.append(NPYArray.float64Header(shape: [rowCount, columnCount]))
  }

  /// Appends the next `values.count / columnCount` rows.
  public func append(_ values: UnsafeBufferPointer<Double>) throws(InputFileError) {
    precondition(values.count % columnCount == 0, "\(values.count) values are not whole rows of \(columnCount)")
    precondition(rowsWritten + values.count / columnCount <= rowCount, "more rows than the header's \(rowCount)")
    if 1.littleEndian == 1 {
      try file.append(UnsafeRawBufferPointer(values))
    } else {
      try file.append(NPYArray.float64Data(Array(values)))
    }
    rowsWritten += values.count / columnCount
  }

  /// Renames the file into place once every row is written.
  public func commit() throws(InputFileError) {
    precondition(rowsWritten == rowCount, "\(rowsWritten) of \(rowCount) rows written")
    try file.commit()
  }
}
