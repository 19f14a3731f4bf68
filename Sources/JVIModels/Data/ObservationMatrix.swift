import JVICore

/// A user's data: N observations of D values from a `.npy` file (float32, float64 or uint8,
/// N × D or N × H × W, flattened per row), evaluated exactly as given: jvi neither scales nor
/// binarises them, so the user's own preprocessing is what a model scores.
public struct ObservationMatrix: Sendable {
  public let path: String
  public let count: Int
  public let width: Int
  /// The values, row-major, converted to Double (exact for every supported dtype).
  let values: [Double]

  /// - Throws: `InputFileError` naming the file, and the row and column of a NaN or infinite value.
  public init(contentsOf path: String) throws(InputFileError) {
    let array = try NPYArray(bytes: try FileIO.read(path), source: path)
    guard array.shape.count >= 2, array.shape[0] >= 1 else {
      throw InputFileError(
        path: path, problem: "data must be N × D (or N × H × W) with N ≥ 1, got shape \(array.shape)")
    }
    let width = array.shape.dropFirst().reduce(1, *)
    guard width >= 1 else { throw InputFileError(path: path, problem: "rows of no values (shape \(array.shape))") }
    try self.init(values: array.values, width: width, source: path)
  }

  /// `values.count / width` observations of `width` values, row-major; `source` names them in
  /// errors (a file, or the caller's array).
  ///
  /// - Throws: `InputFileError` naming the row and column of a NaN or infinite value.
  public init(values: [Double], width: Int, source: String) throws(InputFileError) {
    precondition(
      width >= 1 && values.count % width == 0 && !values.isEmpty, "\(values.count) values in rows of \(width)")
    if let i = values.firstIndex(where: { !$0.isFinite }) {
      throw InputFileError(path: source, problem: "row \(i / width), column \(i % width) is \(values[i])")
    }
    path = source
    count = values.count / width
    self.width = width
    self.values = values
  }

  /// Refuses a value other than 0 or 1, naming its row and column: a Bernoulli likelihood's
  /// −Σ softplus((1 − 2x)ℓ) holds for binary x only (grey levels must be binarised first, as the
  /// user chooses).
  public func checkBinary() throws(InputFileError) {
    if let i = values.firstIndex(where: { $0 != 0 && $0 != 1 }) {
      throw InputFileError(
        path: path,
        problem: "row \(i / width), column \(i % width) is \(values[i]): a Bernoulli likelihood scores 0/1 data; "
          + "binarise it first")
    }
  }

  /// Observation `i`'s values.
  public func row(_ i: Int) -> ArraySlice<Double> { values[(i * width)..<((i + 1) * width)] }
}

/// The observations a VAE is evaluated on: a split of an image folder, each image binarised once
/// with the fixed evaluation noise (`ImageDataset.binarizeFixed`), or the rows of a user's matrix
/// exactly as given.
public enum VAEObservations: Sendable {
  case images(ImageDataset, ImageDataset.Split)
  case matrix(ObservationMatrix)

  public var count: Int {
    switch self {
    case .images(let data, let split): data.count(split)
    case .matrix(let m): m.count
    }
  }

  /// Values per observation.
  public var width: Int {
    switch self {
    case .images(let data, _): data.pixels
    case .matrix(let m): m.width
    }
  }

  /// The file or folder they come from.
  public var path: String {
    switch self {
    case .images(let data, _): data.directory
    case .matrix(let m): m.path
    }
  }

  /// "test" for a split, the file's name for a matrix (for model names in reports).
  public var label: String {
    switch self {
    case .images(_, let split): split.rawValue
    case .matrix(let m): m.path
    }
  }

  /// Writes observation `i` to `out` (`width` values).
  public func write<T: BinaryFloatingPoint>(_ i: Int, into out: UnsafeMutablePointer<T>) {
    switch self {
    case .images(let data, let split): data.binarizeFixed(i, of: split, into: out)
    case .matrix(let m):
      for (j, v) in m.row(i).enumerated() { out[j] = T(v) }
    }
  }
}
