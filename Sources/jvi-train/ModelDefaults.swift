import JVIModels

/// jvi-train's defaults that depend on the model, written once: `TrainSettings` reads them and
/// `TrainOptions`' help text is generated from them.
struct ModelDefaults: Equatable {
  var hidden: [Int]
  var activation: Activation
  var epochs: Int
  var batch: Int

  static func of(_ model: ModelKind) -> ModelDefaults {
    switch model {
    case .gaussianVAE: ModelDefaults(hidden: [200, 200], activation: .tanh, epochs: 10, batch: 100)
    case .discreteVAE, .bernoulliVAE: ModelDefaults(hidden: [200], activation: .tanh, epochs: 10, batch: 100)
    case .bbbClassifier: ModelDefaults(hidden: [400, 400], activation: .relu, epochs: 10, batch: 128)
    case .bbbRegression: ModelDefaults(hidden: [100], activation: .relu, epochs: 1000, batch: 50)
    }
  }

  /// A default's help text: the gaussian-vae's value, then each other value with the models
  /// that have it, e.g. "200,200; 200 for discrete-vae, bernoulli-vae; 100 for bbb-regression".
  static func describe(_ value: (ModelDefaults) -> String) -> String {
    let main = value(of(.gaussianVAE))
    var others: [(value: String, models: [String])] = []
    for model in ModelKind.allCases where value(of(model)) != main {
      let v = value(of(model))
      if let i = others.firstIndex(where: { $0.value == v }) {
        others[i].models.append(model.rawValue)
      } else {
        others.append((v, [model.rawValue]))
      }
    }
    return ([main] + others.map { "\($0.value) for \($0.models.joined(separator: ", "))" }).joined(separator: "; ")
  }
}
