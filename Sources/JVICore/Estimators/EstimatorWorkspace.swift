/// Scratch memory and cached tables for evaluating estimators row by row.
///
/// Evaluating a row allocates nothing: every buffer lives here, carries its count, and grows
/// on demand (`reserve`). Callers take the part they need with `leading(_:)` or `row(_:width:)`,
/// which `assert` (in debug builds) that it fits; element access is bounds-checked in debug
/// builds by the buffer subscript itself.
///
/// A workspace is not thread-safe; give each thread its own (results never depend on which
/// workspace evaluated a row, so they are identical for any thread count).
public final class EstimatorWorkspace {
  /// The largest series order R the heavy/light method uses (θ < 0.6 needs ≈ 75).
  public static let maximumSeriesOrder = 100
  /// Capacity of the top-weight buffers: the largest heavy set plus the removal sets.
  static let topCapacity = 64 + 16 + 2
  /// Entries per row of the series tables (orders 0…R).
  static let seriesWidth = maximumSeriesOrder + 1

  private(set) var rowCapacity = 0
  private(set) var orderCapacity = -1

  // Row-length buffers (K' entries).
  private(set) var finite: UnsafeMutableBufferPointer<Double>
  private(set) var expValues: UnsafeMutableBufferPointer<Double>
  private(set) var lightLog: UnsafeMutableBufferPointer<Double>
  private(set) var lightExp: UnsafeMutableBufferPointer<Double>
  private(set) var centred: UnsafeMutableBufferPointer<Double>

  // Heavy-set and θ-scan buffers (`topCapacity` entries).
  let topIndex: UnsafeMutableBufferPointer<Int>
  let topValue: UnsafeMutableBufferPointer<Double>
  let topExp: UnsafeMutableBufferPointer<Double>
  let heavyIndexSorted: UnsafeMutableBufferPointer<Int>
  let thetas: UnsafeMutableBufferPointer<Double>

  // Removal-set buffers (m + 1 entries, or m + 1 rows).
  private(set) var bottomValue: UnsafeMutableBufferPointer<Double>
  private(set) var prefix: UnsafeMutableBufferPointer<Double>
  private(set) var combination: UnsafeMutableBufferPointer<Int>
  /// (m + 1) rows of `topCapacity`.
  private(set) var heavyExp: UnsafeMutableBufferPointer<Double>

  // Series tables: R + 1 entries, or (m + 1) rows of `seriesWidth`.
  let powerSums: UnsafeMutableBufferPointer<Double>
  let factorials: UnsafeMutableBufferPointer<Double>
  private(set) var subsetPowerSums: UnsafeMutableBufferPointer<Double>
  private(set) var psiCoefficients: UnsafeMutableBufferPointer<Double>
  // Double-double versions for the extended-precision light terms.
  let powerSumsExtended: UnsafeMutableBufferPointer<DoubleDouble>
  private(set) var subsetPowerSumsExtended: UnsafeMutableBufferPointer<DoubleDouble>
  private(set) var psiCoefficientsExtended: UnsafeMutableBufferPointer<DoubleDouble>

  /// Heavy/light tables built so far, by key.
  var tables: [HeavyLightTable.Key: HeavyLightTable] = [:]

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
    let w = EstimatorWorkspace.seriesWidth
    powerSums = .allocate(capacity: w)
    subsetPowerSums = .allocate(capacity: 1)
    psiCoefficients = .allocate(capacity: 1)
    factorials = .allocate(capacity: w)
    powerSumsExtended = .allocate(capacity: w)
    subsetPowerSumsExtended = .allocate(capacity: 1)
    psiCoefficientsExtended = .allocate(capacity: 1)
    var f = 1.0
    for s in 0..<w {
      if s > 0 { f *= Double(s) }
      factorials[s] = f
    }
  }

  deinit {
    for p in [
      finite, expValues, lightLog, lightExp, centred, topValue, topExp, thetas, bottomValue, prefix, heavyExp,
      powerSums, subsetPowerSums, psiCoefficients, factorials,
    ] {
      p.deallocate()
    }
    for p in [topIndex, heavyIndexSorted, combination] { p.deallocate() }
    for p in [powerSumsExtended, subsetPowerSumsExtended, psiCoefficientsExtended] { p.deallocate() }
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
      let w = EstimatorWorkspace.seriesWidth
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

extension UnsafeMutableBufferPointer {
  /// The first `n` elements: a buffer of count `n` over the same memory.
  @inlinable @inline(__always)
  func leading(_ n: Int) -> UnsafeMutableBufferPointer {
    assert(n >= 0, "a buffer of \(n) elements")
    assert(n <= count, "\(n) elements requested of a buffer of \(count)")
    return UnsafeMutableBufferPointer(start: baseAddress, count: n)
  }

  /// Row `i` of a row-major table with `width` elements per row.
  @inlinable @inline(__always)
  func row(_ i: Int, width: Int) -> UnsafeMutableBufferPointer {
    assert(i >= 0 && width >= 0, "row \(i) of width \(width)")
    assert((i + 1) * width <= count, "row \(i) of width \(width) lies beyond a buffer of \(count)")
    return UnsafeMutableBufferPointer(start: baseAddress.map { $0 + i * width }, count: width)
  }
}
