/// Scratch memory and cached tables for evaluating estimators row by row.
///
/// Evaluating a row allocates nothing: every buffer lives here and grows on demand.
/// A workspace is not thread-safe; give each thread its own (results never depend on which
/// workspace evaluated a row, so they are identical for any thread count).
public final class EstimatorWorkspace {
  /// The largest series order R the heavy/light method uses (θ < 0.6 needs ≈ 75).
  public static let maximumSeriesOrder = 100

  private(set) var rowCapacity = 0
  private(set) var orderCapacity = -1

  // Row-length buffers.
  private(set) var finite: UnsafeMutablePointer<Double>
  private(set) var expValues: UnsafeMutablePointer<Double>
  private(set) var lightLog: UnsafeMutablePointer<Double>
  private(set) var lightExp: UnsafeMutablePointer<Double>
  private(set) var centred: UnsafeMutablePointer<Double>

  // Small buffers (heavy set, θ scan, series).
  private(set) var topIndex: UnsafeMutablePointer<Int>
  private(set) var topValue: UnsafeMutablePointer<Double>
  private(set) var topExp: UnsafeMutablePointer<Double>
  private(set) var bottomValue: UnsafeMutablePointer<Double>
  private(set) var heavyIndexSorted: UnsafeMutablePointer<Int>
  private(set) var thetas: UnsafeMutablePointer<Double>
  private(set) var prefix: UnsafeMutablePointer<Double>
  private(set) var combination: UnsafeMutablePointer<Int>
  private(set) var heavyExp: UnsafeMutablePointer<Double>
  private(set) var powerSums: UnsafeMutablePointer<Double>
  private(set) var subsetPowerSums: UnsafeMutablePointer<Double>
  private(set) var psiCoefficients: UnsafeMutablePointer<Double>
  let factorials: UnsafeMutablePointer<Double>
  // Double-double versions for the extended-precision light terms.
  let powerSumsExtended: UnsafeMutablePointer<DoubleDouble>
  private(set) var subsetPowerSumsExtended: UnsafeMutablePointer<DoubleDouble>
  private(set) var psiCoefficientsExtended: UnsafeMutablePointer<DoubleDouble>

  /// Heavy/light tables built so far, by key.
  var tables: [HeavyLightTable.Key: HeavyLightTable] = [:]

  static let topCapacity = 64 + 16 + 2

  public init() {
    finite = .allocate(capacity: 1)
    expValues = .allocate(capacity: 1)
    lightLog = .allocate(capacity: 1)
    lightExp = .allocate(capacity: 1)
    centred = .allocate(capacity: 1)
    let top = EstimatorWorkspace.topCapacity
    topIndex = .allocate(capacity: top)
    topValue = .allocate(capacity: top)
    topExp = .allocate(capacity: top)
    heavyIndexSorted = .allocate(capacity: top)
    thetas = .allocate(capacity: top)
    bottomValue = .allocate(capacity: 1)
    prefix = .allocate(capacity: 1)
    combination = .allocate(capacity: 1)
    heavyExp = .allocate(capacity: 1)
    powerSums = .allocate(capacity: EstimatorWorkspace.maximumSeriesOrder + 1)
    subsetPowerSums = .allocate(capacity: 1)
    psiCoefficients = .allocate(capacity: 1)
    factorials = .allocate(capacity: EstimatorWorkspace.maximumSeriesOrder + 1)
    powerSumsExtended = .allocate(capacity: EstimatorWorkspace.maximumSeriesOrder + 1)
    subsetPowerSumsExtended = .allocate(capacity: 1)
    psiCoefficientsExtended = .allocate(capacity: 1)
    var f = 1.0
    for s in 0...EstimatorWorkspace.maximumSeriesOrder {
      if s > 0 { f *= Double(s) }
      factorials[s] = f
    }
  }

  deinit {
    for p in [
      finite, expValues, lightLog, lightExp, centred, topValue, topExp, thetas, bottomValue, prefix,
      heavyExp, powerSums, subsetPowerSums, psiCoefficients, factorials,
    ] {
      p.deallocate()
    }
    topIndex.deallocate()
    heavyIndexSorted.deallocate()
    combination.deallocate()
    powerSumsExtended.deallocate()
    subsetPowerSumsExtended.deallocate()
    psiCoefficientsExtended.deallocate()
  }

  /// Makes room for rows of `rowLength` samples and removal sets of size ≤ `order`.
  func reserve(rowLength: Int, order: Int) {
    if rowLength > rowCapacity {
      let c = max(rowLength, 2 * rowCapacity)
      for p in [finite, expValues, lightLog, lightExp, centred] { p.deallocate() }
      finite = .allocate(capacity: c)
      expValues = .allocate(capacity: c)
      lightLog = .allocate(capacity: c)
      lightExp = .allocate(capacity: c)
      centred = .allocate(capacity: c)
      rowCapacity = c
    }
    if order > orderCapacity {
      let m = max(order, 1)
      let w = EstimatorWorkspace.maximumSeriesOrder + 1
      for p in [bottomValue, prefix, heavyExp, subsetPowerSums, psiCoefficients] { p.deallocate() }
      combination.deallocate()
      subsetPowerSumsExtended.deallocate()
      psiCoefficientsExtended.deallocate()
      subsetPowerSumsExtended = .allocate(capacity: (m + 1) * w)
      psiCoefficientsExtended = .allocate(capacity: (m + 1) * w)
      bottomValue = .allocate(capacity: m + 1)
      prefix = .allocate(capacity: m + 1)
      combination = .allocate(capacity: m + 1)
      heavyExp = .allocate(capacity: (m + 1) * EstimatorWorkspace.topCapacity)
      subsetPowerSums = .allocate(capacity: (m + 1) * w)
      psiCoefficients = .allocate(capacity: (m + 1) * w)
      orderCapacity = order
    }
  }

  /// The cached table for `key`, built on first use.
  func table(_ key: HeavyLightTable.Key) -> HeavyLightTable {
    if let t = tables[key] { return t }
    let t = HeavyLightTable(key)
    tables[key] = t
    return t
  }
}
