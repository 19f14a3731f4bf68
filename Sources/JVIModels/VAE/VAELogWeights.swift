import Dispatch
import JVICore

/// A trained Gaussian VAE on a split of an image data set, as a `LogWeightSource`.
///
/// The network runs in Double (parameters converted from the trained Float), so log w, log p(x|z)
/// and the KL are Double end to end. Each image is encoded once; its K samples are decoded in
/// chunks of `chunkSamples` rows, so memory stays bounded for any K. Image i uses the fixed
/// binarisation of its split and noise from stream i of the seed. Threads take images in fixed
/// chunks: results are bit-identical for any thread count.
public struct VAELogWeightSource: LogWeightSource, @unchecked Sendable {
  public let model: GaussianVAE
  public let parameters: [Double]
  public let data: ImageDataset
  public let split: ImageDataset.Split
  public let limit: Int?
  public var chunkSamples = 1024

  /// - Throws: `InputFileError` when the model's input size differs from the images' pixel count.
  public init(checkpoint: Checkpoint, data: ImageDataset, split: ImageDataset.Split, limit: Int? = nil)
    throws(InputFileError)
  {
    guard checkpoint.configuration.architecture.inputSize == data.pixels else {
      throw InputFileError(
        path: data.directory,
        problem: "images of \(data.pixels) pixels; the model takes \(checkpoint.configuration.architecture.inputSize)")
    }
    model = checkpoint.model
    parameters = checkpoint.parameters.map(Double.init)
    self.data = data
    self.split = split
    self.limit = limit
  }

  public var instanceCount: Int { min(limit ?? Int.max, data.count(split)) }

  public var name: String { "gaussian-vae \(model.architecture.description) on \(split.rawValue)" }

  public func logWeights(samples k: Int, rows: Range<Int>, seed: UInt64, threads: Int) throws -> LogWeightMatrix {
    precondition(k >= 1 && rows.upperBound <= instanceCount)
    let n = rows.count
    let out = SharedMutablePointer(UnsafeMutablePointer<Double>.allocate(capacity: n * k))
    let ll = SharedMutablePointer(UnsafeMutablePointer<Double>.allocate(capacity: n * k))
    let kl = SharedMutablePointer(UnsafeMutablePointer<Double>.allocate(capacity: n))
    defer {
      out.pointer.deallocate()
      ll.pointer.deallocate()
      kl.pointer.deallocate()
    }
    let chunk = min(chunkSamples, k)
    let imagesPerTask = 4
    let tasks = (n + imagesPerTask - 1) / imagesPerTask
    let workers = max(1, min(threads, tasks))
    let source = self
    DispatchQueue.concurrentPerform(iterations: workers) { w in
      let state = VAEBatchState<Double>(source.model, maximumImages: 1, samples: chunk)
      let image = UnsafeMutablePointer<Double>.allocate(capacity: source.model.architecture.inputSize)
      defer { image.deallocate() }
      source.parameters.withUnsafeBufferPointer { p in
        var task = w
        while task < tasks {
          for r in (task * imagesPerTask)..<min(n, (task + 1) * imagesPerTask) {
            source.evaluate(
              image: rows.lowerBound + r, samples: k, seed: seed, parameters: p.baseAddress!, state: state,
              pixels: image, logWeights: out.pointer + r * k, logLikelihood: ll.pointer + r * k, kl: kl.pointer + r)
          }
          task += workers
        }
      }
    }
    return LogWeightMatrix.trusted(
      rowCount: n, columnCount: k, values: Array(UnsafeBufferPointer(start: out.pointer, count: n * k)),
      logLikelihood: Array(UnsafeBufferPointer(start: ll.pointer, count: n * k)),
      klDivergence: Array(UnsafeBufferPointer(start: kl.pointer, count: n)))
  }

  /// K log-weights of one image, decoded in chunks.
  func evaluate(
    image i: Int, samples k: Int, seed: UInt64, parameters: UnsafePointer<Double>, state: VAEBatchState<Double>,
    pixels: UnsafeMutablePointer<Double>, logWeights: UnsafeMutablePointer<Double>,
    logLikelihood: UnsafeMutablePointer<Double>, kl: UnsafeMutablePointer<Double>
  ) {
    data.binarizeFixed(i, of: split, into: pixels)
    var noise = StandardNormalStream(Xoshiro256StarStar(seed: seed, stream: UInt64(i)))
    let d = model.architecture.latentSize
    var done = 0
    while done < k {
      let m = min(state.samples, k - done)
      state.drawNoise(samples: m, latentSize: d, from: &noise)
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

extension GaussianVAE {
  /// The mean over `images` of a split of the Monte Carlo ELBO (k = 1, or `objective` with k
  /// samples), with the fixed binarisation and noise from stream i of `seed` for image i:
  /// the per-epoch validation figure. Float network (the training precision), sums in Double.
  public func meanObjective(
    _ objective: VAEObjective, samples k: Int, parameters: UnsafePointer<Float>, data: ImageDataset,
    split: ImageDataset.Split, images: Int, seed: UInt64, threads: Int
  ) throws -> ObjectiveValue {
    let perTask = 100
    let tasks = (images + perTask - 1) / perTask
    let results = ShardResults(count: tasks)
    let elbos = ShardResults(count: tasks)
    let workers = max(1, min(threads, tasks))
    let model = self
    let params = SharedPointer(parameters)
    DispatchQueue.concurrentPerform(iterations: workers) { w in
      let state = VAEBatchState<Float>(model, maximumImages: perTask, samples: k)
      let pixels = UnsafeMutablePointer<Float>.allocate(capacity: perTask * model.architecture.inputSize)
      defer { pixels.deallocate() }
      var task = w
      while task < tasks {
        let lo = task * perTask, hi = min(images, lo + perTask)
        for (j, i) in (lo..<hi).enumerated() {
          data.binarizeFixed(i, of: split, into: pixels + j * model.architecture.inputSize)
        }
        // Noise per image: stream i of the seed, k·d values each.
        for (j, i) in (lo..<hi).enumerated() {
          var g = Xoshiro256StarStar(seed: seed, stream: UInt64(i))
          for q in 0..<(k * model.architecture.latentSize) {
            state.epsilon.pointer[j * k * model.architecture.latentSize + q] = Float(Sampling.standardNormal(using: &g))
          }
        }
        do {
          let v = try model.objective(
            objective, images: pixels, count: hi - lo, parameters: params.pointer, state: state)
          results.values[task] = v.objectiveSum
          elbos.values[task] = v.elboSum
        } catch {
          results.record(error, shard: task)
        }
        task += workers
      }
    }
    if let e = results.firstError() { throw e }
    var value = ObjectiveValue(images: images)
    for t in 0..<tasks {
      value.objectiveSum += results.values[t]
      value.elboSum += elbos.values[t]
    }
    return value
  }
}

struct SharedPointer<T>: @unchecked Sendable {
  let pointer: UnsafePointer<T>
  init(_ p: UnsafePointer<T>) { pointer = p }
}
