import JVICore
import JVIModels

/// Log-weights of a VAE (a model file, or a gaussian-vae checkpoint) on the caller's N × D
/// observations, as `jvi-eval --model PATH --data X.npy --samples K --seed S` computes them (the
/// same bits); or, with `noise` (N × K × d standard normal values), with the caller's ε in place
/// of the seed's, for draw-by-draw comparisons with another framework.
@c(jvi_model_log_weights)
public func modelLogWeights(
  _ modelPath: UnsafePointer<CChar>?, _ observations: UnsafePointer<Double>?, _ rows: Int64, _ columns: Int64,
  _ samples: Int64, _ noise: UnsafePointer<Double>?, _ latent: Int64, _ seed: UInt64, _ precision: Int32,
  _ threads: Int32, _ logw: UnsafeMutablePointer<Double>?, _ message: UnsafeMutablePointer<CChar>?,
  _ capacity: Int64
) -> Int32 {
  CallGuard.run(message: message, capacity: capacity) {
    guard let modelPath, let observations else { throw Refusal("the model path and the observations must not be null") }
    let out = try CallGuard.output(logw, "log_weights")
    let workers = try CallGuard.threads(threads)
    let limit = Int64(CallGuard.maximumEntries)
    guard rows >= 1, columns >= 1, rows <= limit / columns else {
      throw Refusal("observations of \(rows) x \(columns): both must be at least 1, in all at most 2^31 values")
    }
    guard samples >= 1, rows <= limit / samples else {
      throw Refusal("samples must be at least 1, with rows x samples at most 2^31; got \(samples)")
    }
    let choice: NetworkPrecision?
    switch precision {
    case 0: choice = nil
    case 1: choice = .float32
    case 2: choice = .float64
    default: throw Refusal("precision must be 0 (the model's), 1 (float32) or 2 (float64), got \(precision)")
    }
    let path = String(cString: modelPath)
    let checkpoint = try Checkpoint(contentsOf: path)
    guard checkpoint.configuration.model == .gaussianVAE else {
      throw Refusal("\(path) holds a \(checkpoint.configuration.model.rawValue); log-weights here need a gaussian-vae")
    }
    let n = Int(rows), width = Int(columns), k = Int(samples)
    let data = try ObservationMatrix(
      values: Array(UnsafeBufferPointer(start: observations, count: n * width)), width: width, source: "x")
    let source = try GaussianVAELogWeightSource(
      checkpoint: checkpoint, observations: .matrix(data), precision: choice ?? checkpoint.defaultPrecision)
    let m: LogWeightMatrix
    if let noise {
      let d = source.model.architecture.latentSize
      guard latent == d else { throw Refusal("noise has \(latent) values per sample; the model's latent has \(d)") }
      guard n * k <= CallGuard.maximumEntries / d else { throw Refusal("noise of more than 2^31 values") }
      let values = Array(UnsafeBufferPointer(start: noise, count: n * k * d))
      if let i = values.firstIndex(where: { !$0.isFinite }) {
        throw Refusal("noise[\(i / (k * d)), \(i / d % k), \(i % d)] is \(values[i])")
      }
      m = source.logWeights(samples: k, rows: 0..<n, noise: values, threads: workers)
    } else {
      m = try source.logWeights(samples: k, rows: 0..<n, seed: seed, threads: workers)
    }
    m.values.withUnsafeBufferPointer { out.update(from: $0.baseAddress!, count: n * k) }
    return nil
  }
}
