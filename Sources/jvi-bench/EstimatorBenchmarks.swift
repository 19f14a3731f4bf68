import JVICore

/// The estimator suite, 1 thread: IWAE (log-mean-exp) and JVI of orders 1–8 over synthetic
/// log-normal weights, the delta method, the ELBO and the whole family at N = 256, K = 1024. The
/// peers (jax-jit and numpy IWAE, the dense enumeration of JVI) run in benchmarks/peers.
enum EstimatorBenchmarks {
  static func all() throws -> [BenchCase] {
    let balanced = SyntheticWeightLaw.logNormal(mu: -90, sigma: 1)
    let heavy = SyntheticWeightLaw.logNormal(mu: -90, sigma: 5)
    var list: [BenchCase] = []
    func add(
      _ name: String, _ e: any BoundEstimator, rows: Int, columns: Int, law: SyntheticWeightLaw = balanced,
      lawName: String = "lognormal(1)", unit: String = "instances/s", target: String = ""
    ) {
      list.append(
        BenchCase(
          suite: "estimators", name: name,
          parameters: [
            ("estimator", e.name), ("order", String(e.order)), ("n", String(rows)), ("k", String(columns)),
            ("law", lawName),
          ], threads: 1, work: Double(unit == "elements/s" ? rows * columns : rows), unit: unit, target: target,
          prepare: {
            let matrix = law.sample(rows: rows, columns: columns, seed: 2018)
            let workspace = EstimatorWorkspace()
            return { _ = try e.evaluate(matrix, workspace: workspace) }
          }))
    }
    // IWAE (log-mean-exp) over 1000 × K doubles (peers: jax-jit and numpy, 1 thread).
    for k in [64, 1024, 5000] {
      add("iwae-n1000-k\(k)", try IWAE(), rows: 1000, columns: k, unit: "elements/s", target: ">= jax-jit")
    }
    add("iwae-n256-k256", try IWAE(), rows: 256, columns: 256, target: "reference for jvi1")
    // JVI (peer: the dense reference method, every subset enumerated), N = 256.
    for k in [8, 16, 64, 256] {
      for m in 1...3 {
        let target: String
        switch (k, m) {
        case (256, 1): target = ">= 0.5 x our IWAE at K=256"
        case (256, 2): target = ">= 10000 x dense"
        case (64, 3): target = ">= 1000 x dense"
        default: target = ""
        }
        add("jvi\(m)-n256-k\(k)", try Jackknife(order: m), rows: 256, columns: k, target: target)
      }
    }
    // The heavy/light path with heavy sets (h >= 1): log-normal sigma = 5.
    for m in 2...3 {
      add(
        "jvi\(m)-n256-k256-heavy", try Jackknife(order: m), rows: 256, columns: 256, law: heavy,
        lawName: "lognormal(5)")
    }
    add("jvi2-n100-k5000", try Jackknife(order: 2), rows: 100, columns: 5000)
    add("jvi3-n100-k5000", try Jackknife(order: 3), rows: 100, columns: 5000)
    // Orders beyond 3 form their light terms in double-double.
    for m in [5, 8] { add("jvi\(m)-n256-k256", try Jackknife(order: m), rows: 256, columns: 256) }
    add("delta-n1000-k1024", try DeltaMethod(), rows: 1000, columns: 1024, unit: "elements/s")
    add("elbo-a-n1000-k1024", try ELBOMonteCarlo(), rows: 1000, columns: 1024, unit: "elements/s")
    // The estimator family on one shape: instances/s at N = 256, K = 1024, 1 thread.
    let family: [any BoundEstimator] = [
      try IWAE(), try Jackknife(order: 1), try Jackknife(order: 2), try Jackknife(order: 3), try DeltaMethod(),
      try ParetoSmoothedIWAE(), try RenyiBound(alpha: 0.5), try RenyiBound(alpha: 1 - 1e-6), try RenyiMax(),
      try CombinationIWAE(), try SUMO(seed: 1), try MultilevelIWAE(seed: 1),
      try MultilevelIWAE(form: .singleTerm, seed: 1), try ThermodynamicBound(), try ThermodynamicBound(side: .upper),
    ]
    for e in family {
      let name = e.name == "jvi" ? "jvi\(e.order)" : e.label.replacingOccurrences(of: ":", with: "-")
      add("family-\(name)-n256-k1024", e, rows: 256, columns: 1024)
    }
    list += try gradientWeights()
    return list
  }

  /// The jackknife's DReG gradient weights per instance (1 thread), log-normal(2) weights: the
  /// linear-time sums in automatic precision (double where the amplification allows) and in
  /// extended precision (double-double, as `jvi-eval --gradient-weights`), against the
  /// enumeration of the left-out sets where it is affordable.
  static func gradientWeights() throws -> [BenchCase] {
    var list: [BenchCase] = []
    let shapes = [(1, 64, 256), (2, 64, 256), (3, 64, 32), (2, 256, 32), (2, 1024, 8), (1, 5000, 8), (2, 5000, 2)]
    for (m, k, rows) in shapes {
      var methods: [(String, JackknifeGradientWeights.Precision, Bool)] = [
        ("series", .automatic, false), ("series-extended", .extended, false),
      ]
      if JackknifeGradientWeights.subsetCount(sampleCount: k, order: m) * Double(k) <= 2e7 {
        methods.append(("enumeration", .automatic, true))
      }
      for (method, precision, enumerating) in methods {
        let weights = try JackknifeGradientWeights(
          sampleCount: k, order: m, precision: precision, enumerating: enumerating)
        list.append(
          BenchCase(
            suite: "estimators", name: "gradient-dreg-jvi\(m)-k\(k)-\(method)",
            parameters: [
              ("estimator", "jvi-dreg-weights"), ("order", String(m)), ("n", String(rows)), ("k", String(k)),
              ("law", "lognormal(2) [\(method)]"),
            ], threads: 1, work: Double(rows), unit: "instances/s",
            prepare: {
              let matrix = SyntheticWeightLaw.logNormal(mu: -90, sigma: 2).sample(rows: rows, columns: k, seed: 2018)
              var out = [Double](repeating: 0, count: k)
              var scratch = [Double](repeating: 0, count: 3 * k)
              return {
                for r in 0..<rows {
                  matrix.withRow(r, columns: 0..<k) { x in
                    out.withUnsafeMutableBufferPointer { o in
                      scratch.withUnsafeMutableBufferPointer { weights.doublyReparameterized(x, into: o, scratch: $0) }
                    }
                  }
                }
              }
            }))
      }
    }
    return list
  }
}
