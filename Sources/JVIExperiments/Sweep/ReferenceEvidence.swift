import JVICore
import JVIModels

/// The per-instance reference log p(x) a sweep measures bias against, θ̂_n with variance v_n.
///
/// - `.exact`: the model's closed form (v_n = 0).
/// - `.ais`: annealed importance sampling, IWAE over C independent chains per instance (a
///   stochastic lower bound whose bias is ≈ −ŝ₂/(2C)), v_n = ŝ₂/C from the chains' weights.
/// - `.jackknife` / `.iwae`: JVI-1 or IWAE on K_ref separate columns (their own seed stream, never
///   shared with a replicate), with v_n = ŝ₂/K_ref, ŝ₂ = K_ref/ESS − 1, the delta-method variance
///   (docs/jackknife-math.md §5). Its own bias is ≈ −ŝ₂/(2K_ref) for IWAE and
///   O(K_ref⁻²) for JVI-1; `selfBiasEstimate` reports the mean of −ŝ₂/(2K_ref). A reference is only
///   as good as its ESS: with ESS ≪ K_ref it cannot see the tail it has not sampled.
public struct ReferenceEvidence: Sendable, Equatable {
  public var kind: ExperimentSpecification.ReferenceKind
  public var samples: Int?
  public var values: [Double]
  public var variances: [Double]

  /// mean_n of −ŝ₂/(2K_ref): the first-order bias an IWAE reference of K_ref samples has.
  public var selfBiasEstimate: Double? {
    guard samples != nil else { return nil }
    return -variances.reduce(0, +) / Double(2 * variances.count)
  }

  public init(
    kind: ExperimentSpecification.ReferenceKind, samples: Int?, values: [Double], variances: [Double]
  ) {
    self.kind = kind
    self.samples = samples
    self.values = values
    self.variances = variances
  }

  /// The exact log p(x) of instances `rows` (all by default).
  public static func exact(_ source: any LogWeightSource, rows: Range<Int>? = nil) throws(SweepError)
    -> ReferenceEvidence
  {
    guard let values = source.exactLogEvidence(rows: rows ?? 0..<source.instanceCount) else {
      throw SweepError("\(source.name) has no exact log p(x)")
    }
    return ReferenceEvidence(
      kind: .exact, samples: nil, values: values, variances: [Double](repeating: 0, count: values.count))
  }

  /// JVI-1 or IWAE of K_ref fresh samples per instance of `block` (all by default), in chunks of
  /// rows (memory ≈ 64·K_ref doubles). Instance i's samples come from its own stream, so a block's
  /// values are those of the full reference. `progress(done, total)` is called after each chunk.
  public static func sampled(
    _ source: any LogWeightSource, kind: ExperimentSpecification.ReferenceKind, samples kRef: Int, seed: UInt64,
    rows block: Range<Int>? = nil, threads: Int, progress: (Int, Int) -> Void = { _, _ in }
  ) throws -> ReferenceEvidence {
    precondition(kind != .exact, "an exact reference is not sampled")
    precondition(kRef >= 2, "a sampled reference needs at least 2 samples, got \(kRef)")
    let block = block ?? 0..<source.instanceCount
    let n = block.count
    var values = [Double](repeating: 0, count: n)
    var variances = [Double](repeating: 0, count: n)
    let chunk = 64
    var start = 0
    while start < n {
      let rows = (block.lowerBound + start)..<(block.lowerBound + min(n, start + chunk))
      let m = try source.referenceLogWeights(samples: kRef, rows: rows, seed: seed, threads: threads)
      let outValues = ScalarBuffer<Double>(count: rows.count, repeating: .nan)
      let outVariances = ScalarBuffer<Double>(count: rows.count, repeating: .nan)
      ParallelRows.forEachChunk(count: rows.count, chunkSize: 4, threads: threads) { _, local in
        let workspace = EstimatorWorkspace()
        let scratch = UnsafeMutableBufferPointer<Double>.allocate(capacity: kRef)
        defer { scratch.deallocate() }
        for r in local {
          m.withRow(r, columns: 0..<kRef) { x in
            let d = WeightDiagnostics(x, scratch: scratch)
            var value = d.iwae
            if kind == .jackknife {
              // Finite weights and K_ref ≥ 2: order 1 cannot fail.
              value = (try? Jackknife.value(x, order: 1, workspace: workspace)) ?? .nan
            }
            outValues.pointer[r] = value
            outVariances.pointer[r] = d.iwaeVariance(sampleCount: kRef)
          }
        }
      }
      for r in 0..<rows.count {
        values[start + r] = outValues.pointer[r]
        variances[start + r] = outVariances.pointer[r]
      }
      if let bad = (0..<rows.count).first(where: {
        !outValues.pointer[$0].isFinite || !outVariances.pointer[$0].isFinite
      }) {
        throw SweepError(
          "the reference of instance \(rows.lowerBound + bad) (0-based) is not finite (\(outValues.pointer[bad])): its log-weights "
            + "have no finite value")
      }
      start += rows.count
      progress(start, n)
    }
    return ReferenceEvidence(kind: kind, samples: kRef, values: values, variances: variances)
  }

  /// AIS with `chains` chains per instance of `model` (which must be the sweep's source), for
  /// instances `block` (all by default); every chain is seeded by its instance, so a block's
  /// values are those of the full reference.
  public static func annealed(
    _ model: any AnnealableModel, settings: AISSettings, chains: Int, seed: UInt64, rows block: Range<Int>? = nil,
    threads: Int, progress: (Int, Int) -> Void = { _, _ in }
  ) throws -> ReferenceEvidence {
    let block = block ?? 0..<model.instanceCount
    let n = block.count
    var values = [Double](repeating: 0, count: n)
    var variances = [Double](repeating: 0, count: n)
    let chunk = 64
    var start = 0
    let scratch = UnsafeMutableBufferPointer<Double>.allocate(capacity: chains)
    defer { scratch.deallocate() }
    while start < n {
      let rows = (block.lowerBound + start)..<(block.lowerBound + min(n, start + chunk))
      let m = try AnnealedImportanceSampler(settings).logWeights(
        model: model, rows: rows, chains: chains, seed: seed, threads: threads)
      for r in 0..<rows.count {
        let d = m.withRow(r, columns: 0..<chains) { WeightDiagnostics($0, scratch: scratch) }
        values[start + r] = d.iwae
        variances[start + r] = d.iwaeVariance(sampleCount: chains)
        guard d.iwae.isFinite && variances[start + r].isFinite else {
          throw SweepError("the AIS reference of instance \(rows.lowerBound + r) (0-based) is not finite (\(d.iwae))")
        }
      }
      start += rows.count
      progress(start, n)
    }
    return ReferenceEvidence(kind: .ais, samples: chains, values: values, variances: variances)
  }

  public static let csvHeader = "instance,reference,reference_se,reference_variance"

  /// The `<run>.reference.csv` text (the variance too, so a resumed run reads back the same bits).
  public var csv: String { csv(firstInstance: 0) }

  /// The same, numbering the instances from `firstInstance` (a shard's block).
  public func csv(firstInstance: Int) -> String {
    var out = Self.csvHeader + "\n"
    for i in values.indices {
      out +=
        "\(firstInstance + i),\(SweepRow.format(values[i])),\(SweepRow.format(variances[i].squareRoot())),"
        + "\(SweepRow.format(variances[i]))\n"
    }
    return out
  }
}

extension ReferenceEvidence {
  /// The references of consecutive blocks, joined in order (the kinds and sample counts must agree).
  public static func joined(_ parts: [ReferenceEvidence]) -> ReferenceEvidence {
    ReferenceEvidence(
      kind: parts.first?.kind ?? .exact, samples: parts.first?.samples, values: parts.flatMap(\.values),
      variances: parts.flatMap(\.variances))
  }
}
