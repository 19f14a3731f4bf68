import JVICore

/// A trained Gaussian VAE on its observations (`VAEObservations`: a split of an image folder, or
/// a user's data matrix), as a `LogWeightSource`.
///
/// The network runs in `precision` (`NetworkPrecision`): Float as trained, with each sample's
/// sum over pixels, log p(z), log q(z | x), log w and the KL in Double; or Double throughout
/// (the parameters converted from the trained Float, or a model file's own Double values). Each
/// image is encoded once; its K samples are decoded in chunks of `chunkSamples` rows, so memory
/// stays bounded for any K. Image i is the fixed binarisation of its split (or row i of the
/// matrix, as given) and uses noise from stream i of the seed. Threads take images in fixed
/// chunks: results are bit-identical for any thread count.
public struct GaussianVAELogWeightSource: LogWeightSource, @unchecked Sendable {
  public let model: GaussianVAE
  /// The parameters in Float (as trained, or a model file's rounded), and in Double.
  public let floatParameters: [Float]
  public let parameters: [Double]
  public var precision: NetworkPrecision
  public let observations: VAEObservations
  public let limit: Int?
  public var chunkSamples = 1024

  /// - Throws: `InputFileError` when the model's input size differs from the images' pixel count.
  public init(
    checkpoint: Checkpoint, data: ImageDataset, split: ImageDataset.Split, limit: Int? = nil,
    precision: NetworkPrecision = .standard
  ) throws(InputFileError) {
    try self.init(checkpoint: checkpoint, observations: .images(data, split), limit: limit, precision: precision)
  }

  /// - Throws: `InputFileError` naming the data when its width differs from the model's input, or
  ///   the row and column of a value other than 0 or 1 under a Bernoulli likelihood.
  public init(
    checkpoint: Checkpoint, observations: VAEObservations, limit: Int? = nil, precision: NetworkPrecision = .standard
  ) throws(InputFileError) {
    let input = checkpoint.configuration.architecture.inputSize
    guard input == observations.width else {
      let what =
        if case .matrix = observations { "rows of \(observations.width) values" } else {
          "images of \(observations.width) pixels"
        }
      throw InputFileError(path: observations.path, problem: "\(what); the model takes \(input)")
    }
    if case .matrix(let m) = observations, checkpoint.configuration.architecture.likelihood == .bernoulli {
      try m.checkBinary()
    }
    model = checkpoint.model
    floatParameters = checkpoint.parameters
    parameters = checkpoint.doubleParameters
    self.precision = precision
    self.observations = observations
    self.limit = limit
  }

  public var providesAnalyticKL: Bool { true }

  public var instanceCount: Int { min(limit ?? Int.max, observations.count) }

  public var name: String {
    "gaussian-vae \(model.architecture.description) on \(observations.label)"
      + (precision == .standard ? "" : " (network in \(precision.rawValue))")
  }

  public func logWeights(samples k: Int, rows: Range<Int>, seed: UInt64, threads: Int) throws -> LogWeightMatrix {
    switch precision {
    case .float32: logWeights(samples: k, rows: rows, seed: seed, threads: threads, parameters: floatParameters)
    case .float64: logWeights(samples: k, rows: rows, seed: seed, threads: threads, parameters: parameters)
    }
  }

  /// The log-weights of `rows` with the caller's noise instead of the seed's: `noise` holds
  /// rows.count × k × d standard normal values (row-major; d the latent size), and sample s of
  /// observation r is z = μ + σ ⊙ ε with ε = noise[(r·k + s)·d ..< (r·k + s + 1)·d], rounded to the
  /// network's scalar. Everything else is the seeded path's arithmetic, so another framework given
  /// the same ε can be compared draw by draw.
  public func logWeights(samples k: Int, rows: Range<Int>, noise: [Double], threads: Int) -> LogWeightMatrix {
    precondition(
      noise.count == rows.count * k * model.architecture.latentSize,
      "\(noise.count) noise values for \(rows.count) x \(k) x \(model.architecture.latentSize)")
    switch precision {
    case .float32:
      return logWeights(samples: k, rows: rows, seed: 0, threads: threads, parameters: floatParameters, noise: noise)
    case .float64:
      return logWeights(samples: k, rows: rows, seed: 0, threads: threads, parameters: parameters, noise: noise)
    }
  }

  func logWeights<T: NetworkScalar>(
    samples k: Int, rows: Range<Int>, seed: UInt64, threads: Int, parameters: [T], noise: [Double]? = nil
  ) -> LogWeightMatrix {
    checkRequest(samples: k, rows: rows)
    let d = model.architecture.latentSize
    let n = rows.count
    let out = ScalarBuffer<Double>(count: n * k), ll = ScalarBuffer<Double>(count: n * k)
    let kl = ScalarBuffer<Double>(count: n)
    let chunk = min(chunkSamples, k)
    let source = self
    ImageLogWeightLoop.run(
      count: n, threads: threads, parameters: parameters, inputSize: model.architecture.inputSize,
      makeState: { GaussianVAEBatchState<T>(source.model, maximumImages: 1, samples: chunk) },
      body: { r, state, pixels, p in
        func run(_ given: UnsafePointer<Double>?) {
          source.evaluate(
            image: rows.lowerBound + r, samples: k, seed: seed, parameters: p, state: state, pixels: pixels,
            logWeights: out.pointer + r * k, logLikelihood: ll.pointer + r * k, kl: kl.pointer + r, noise: given)
        }
        if let noise {
          noise.withUnsafeBufferPointer { run($0.baseAddress! + r * k * d) }
        } else {
          run(nil)
        }
      })
    return LogWeightMatrix.trusted(
      rowCount: n, columnCount: k, values: out.array, logLikelihood: ll.array, klDivergence: kl.array,
      instanceOffset: rows.lowerBound)
  }

  /// K log-weights of one image, decoded in chunks; ε from stream i of `seed`, or the k × d
  /// values of `noise` when given.
  func evaluate<T: NetworkScalar>(
    image i: Int, samples k: Int, seed: UInt64, parameters: UnsafePointer<T>, state: GaussianVAEBatchState<T>,
    pixels: UnsafeMutablePointer<T>, logWeights: UnsafeMutablePointer<Double>,
    logLikelihood: UnsafeMutablePointer<Double>, kl: UnsafeMutablePointer<Double>,
    noise given: UnsafePointer<Double>? = nil
  ) {
    observations.write(i, into: pixels)
    var noise = StandardNormalStream(Xoshiro256StarStar(seed: seed, stream: UInt64(i)))
    let d = model.architecture.latentSize
    var done = 0
    while done < k {
      let m = min(state.samples, k - done)
      if let given {
        for j in 0..<(m * d) { state.epsilon.pointer[j] = T(given[done * d + j]) }
      } else {
        state.drawNoise(samples: m, latentSize: d, from: &noise)
      }
      model.forward(images: pixels, count: 1, parameters: parameters, state: state)
      for s in 0..<m {
        logWeights[done + s] = state.logWeights.pointer[s]
        logLikelihood[done + s] = state.logLikelihood.pointer[s]
      }
      kl.pointee = state.klDivergence.pointer[0]
      done += m
    }
  }
}
