import JVICore

extension Checkpoint {
  /// A user's model file as a `gaussian-vae` checkpoint that no one trained here: its
  /// architecture (with its own layers and likelihood), its parameters rounded to Float (exact
  /// for an F32 file; `modelFile` keeps the Double values of an F64 one), no optimiser state, and
  /// the default image folder.
  public init(modelFile: VAEModelFile) {
    var c = TrainingConfiguration()
    c.model = .gaussianVAE
    c.architecture = modelFile.model.architecture
    let zeros = [Float](repeating: 0, count: modelFile.parameters.count)
    self.init(
      configuration: c, epochsCompleted: 0, adamStep: 0, trainingExamples: 0,
      parameters: modelFile.parameters.map { Float($0) }, adamM: zeros, adamV: zeros)
    self.modelFile = modelFile
  }

  /// The parameters in Double: a model file's own values, or the trained Float ones.
  public var doubleParameters: [Double] { modelFile?.parameters ?? parameters.map(Double.init) }

  /// The precision a checkpoint's network is evaluated in by default: a model file's own (F64
  /// files run in Double), else `NetworkPrecision.standard`.
  public var defaultPrecision: NetworkPrecision { modelFile?.precision ?? .standard }
}
