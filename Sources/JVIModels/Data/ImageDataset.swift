import JVICore

/// An MNIST-format data set (Fashion-MNIST by default): grey-level images in [0, 255] and
/// labels, split into training, validation (the last 10,000 training images) and test.
public struct ImageDataset: Sendable {
  /// Debian's `dataset-fashion-mnist` installs the IDX files here.
  public static let defaultDirectory = "/usr/share/datasets/fashion-mnist"
  /// Training images held out for validation by default (the last ones of the training file).
  public static let defaultValidationCount = 10_000
  /// The seed of the one fixed binarisation of the validation and test images: pixel j of
  /// image i of a split is 1 with probability value/255, drawn from stream i of this seed.
  public static let evaluationBinarizationSeed: UInt64 = 20_180_215

  public enum Split: String, Sendable, CaseIterable {
    case train, validation, test
  }

  public let directory: String
  /// Training images held out for validation (the last ones of the training file); 0 trains
  /// on all of them.
  public let validationCount: Int
  public let rows: Int
  public let columns: Int
  /// Grey levels, image-major: training file (60,000 × 784) and test file (10,000 × 784).
  let trainImages: [UInt8]
  let trainLabels: [UInt8]
  let testImages: [UInt8]
  let testLabels: [UInt8]

  public var pixels: Int { rows * columns }

  /// Loads the four IDX files of `directory` (each plain or gzip-compressed); with
  /// `testOnly`, only the test files (the training split is then empty: a quarter of a second
  /// less for tools that evaluate test images).
  public init(
    directory: String = ImageDataset.defaultDirectory, validationCount: Int = ImageDataset.defaultValidationCount,
    testOnly: Bool = false
  ) throws(InputFileError) {
    self.directory = directory
    self.validationCount = testOnly ? 0 : validationCount
    let testX = try ImageDataset.load(directory, "t10k-images-idx3-ubyte")
    let testY = try ImageDataset.load(directory, "t10k-labels-idx1-ubyte")
    let trainX = testOnly ? testX : try ImageDataset.load(directory, "train-images-idx3-ubyte")
    let trainY = testOnly ? testY : try ImageDataset.load(directory, "train-labels-idx1-ubyte")
    for (a, name) in [(trainX, "train-images"), (testX, "t10k-images")] where a.array.dimensions.count != 3 {
      throw InputFileError(
        path: a.path,
        problem: "\(name) should be 3-dimensional (images × rows × columns), got \(a.array.dimensions.count) dimensions"
      )
    }
    for (a, name) in [(trainY, "train-labels"), (testY, "t10k-labels")] where a.array.dimensions.count != 1 {
      throw InputFileError(
        path: a.path, problem: "\(name) should be 1-dimensional, got \(a.array.dimensions.count) dimensions")
    }
    guard trainX.array.dimensions[1...] == testX.array.dimensions[1...] else {
      throw InputFileError(path: testX.path, problem: "image size differs from the training images'")
    }
    guard trainX.array.dimensions[0] == trainY.array.dimensions[0] else {
      throw InputFileError(
        path: trainY.path, problem: "\(trainY.array.dimensions[0]) labels for \(trainX.array.dimensions[0]) images")
    }
    guard testX.array.dimensions[0] == testY.array.dimensions[0] else {
      throw InputFileError(
        path: testY.path, problem: "\(testY.array.dimensions[0]) labels for \(testX.array.dimensions[0]) images")
    }
    guard testOnly || trainX.array.dimensions[0] > validationCount else {
      throw InputFileError(
        path: trainX.path,
        problem: "only \(trainX.array.dimensions[0]) training images; \(validationCount) are held out for validation")
    }
    rows = trainX.array.dimensions[1]
    columns = trainX.array.dimensions[2]
    trainImages = testOnly ? [] : trainX.array.bytes
    trainLabels = testOnly ? [] : trainY.array.bytes
    testImages = testX.array.bytes
    testLabels = testY.array.bytes
  }

  static let fileNames = [
    "train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte",
  ]

  /// Checks, without reading them, that the four IDX files of `directory` are there and readable
  /// (the same errors `init` throws for a missing or unreadable file).
  public static func checkFiles(directory: String) throws(InputFileError) {
    for name in fileNames { try FileIO.checkReadable(try path(directory, name)) }
  }

  static func load(_ directory: String, _ name: String) throws(InputFileError) -> (array: IDXArray, path: String) {
    let file = try path(directory, name)
    return (try IDXArray(contentsOf: file), file)
  }

  /// The file of `name` in `directory`: name.gz if present, else name.
  static func path(_ directory: String, _ name: String) throws(InputFileError) -> String {
    let gz = directory + "/" + name + ".gz", plain = directory + "/" + name
    if FileIO.exists(gz) { return gz }
    if FileIO.exists(plain) { return plain }
    throw InputFileError(
      path: directory,
      problem: "no \(name) or \(name).gz here; an MNIST-format folder holds train-images-idx3-ubyte, "
        + "train-labels-idx1-ubyte, t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte (optionally .gz). "
        + "Fashion-MNIST: apt-get install dataset-fashion-mnist")
  }

  /// Images in a split.
  public func count(_ split: Split) -> Int {
    switch split {
    case .train: trainImages.count / pixels - validationCount
    case .validation: validationCount
    case .test: testImages.count / pixels
    }
  }

  /// Grey levels of image `i` of `split`.
  public func image(_ i: Int, of split: Split) -> ArraySlice<UInt8> {
    let p = pixels
    switch split {
    case .train: return trainImages[(i * p)..<((i + 1) * p)]
    case .validation:
      let j = count(.train) + i
      return trainImages[(j * p)..<((j + 1) * p)]
    case .test: return testImages[(i * p)..<((i + 1) * p)]
    }
  }

  public func label(_ i: Int, of split: Split) -> Int {
    switch split {
    case .train: Int(trainLabels[i])
    case .validation: Int(trainLabels[count(.train) + i])
    case .test: Int(testLabels[i])
    }
  }

  /// Writes the binarised image `i` of `split` (0 or 1 per pixel) to `out`: pixel j is 1 with
  /// probability value_j/255, i.e. when u_j·255 < value_j for a 32-bit uniform u_j (two pixels
  /// per 64-bit draw of `generator`).
  public func binarize<T: BinaryFloatingPoint, G: RandomNumberGenerator>(
    _ i: Int, of split: Split, into out: UnsafeMutablePointer<T>, using generator: inout G
  ) {
    let img = image(i, of: split)
    img.withUnsafeBufferPointer { pixels in
      var j = 0
      let n = pixels.count
      while j < n {
        let bits = generator.next()
        // u·255 < v ⟺ (32-bit u)·255 < v·2^32.
        out[j] = UInt64(bits & 0xFFFF_FFFF) * 255 < UInt64(pixels[j]) << 32 ? 1 : 0
        if j + 1 < n { out[j + 1] = UInt64(bits >> 32) * 255 < UInt64(pixels[j + 1]) << 32 ? 1 : 0 }
        j += 2
      }
    }
  }

  /// The fixed binarisation of evaluation images (validation and test; also the training set
  /// when it is evaluated): stream i of `evaluationBinarizationSeed`, offset per split.
  public func binarizeFixed<T: BinaryFloatingPoint>(_ i: Int, of split: Split, into out: UnsafeMutablePointer<T>) {
    let offset: UInt64 = split == .train ? 0 : (split == .validation ? 1 << 40 : 2 << 40)
    var g = Xoshiro256StarStar(seed: ImageDataset.evaluationBinarizationSeed, stream: offset + UInt64(i))
    binarize(i, of: split, into: out, using: &g)
  }
}
