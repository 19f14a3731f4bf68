#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The jackknife objective's gradient weights without enumerating the left-out sets:
///
///     out_s = u_s^p + Σ_{j=1…m} α_j Σ_{|T| = j, s ∉ T} u_s^p (ρ_T^(−p) − K/(K − j)),
///
/// α_j = c_j/C(K, j), u the normalised weights, ρ_T = 1 − Σ_{t∈T} u_t the mass kept; p = 1 gives
/// the standard weights ∂JVI/∂log w_s, p = 2 the doubly reparameterised ones
/// (`JackknifeGradientWeights`; docs/gradient-estimators.md derives both).
///
/// **Method** (docs/gradient-estimators.md, "Without enumeration: linear in K"). The h largest weights are
/// heavy; every heavy removal set T_H of size t ≤ m is visited. The other n = K − h are light,
/// with shares λ_i = w_i/W_L of the light mass, centred at c = (min λ + max λ)/2, v_i = λ_i − c.
/// A light removal set T_L of size l removes Λ = l·c + D, D = Σ_{i∈T_L} v_i, so with
/// b = (W_{H∖T_H} + W_L(1 − l·c))/W_L the kept mass is W_L(b − D) and
///
///     Σ_{T_L} (b − D)^(−p) = b^(−p) Σ_r C(r + p − 1, r) r! Ê_{l,r} b^(−r),
///     Ê_{l,r} = Σ_{|T_L| = l} D^r/r! = [y^l z^r] Π_i (1 + y·e^{z v_i}).
///
/// The r = 0 term is written centred (the enumeration's (K·V(1 + ρ₀) − j)/(K − j) with the
/// mean removal V), the r ≥ 1 terms are the deviations. Ê for "every light weight but s" comes
/// from prefix and suffix products of the factors (no leave-out by subtraction). h is the
/// smallest whose bound θ = max l·max|v|/b ≤ 0.15 (a split with θ ≤ m/(2(h − m)) always
/// exists); the order R is the smallest with (R + 2)θ^(R+1)/(1 − θ)² ≤ 1e−17/A (below).
///
/// **Cost** per row: O(K·h) to choose the split, O(n·m²·R²/2) for the products and
/// O(n·m·R + h·Σ_{t≤m} C(h, t)·m·R) for the sums: linear in K (K = 64, m = 2: about 60,000
/// multiply-adds against 130,000 by enumeration; K = 5,000: 4.6·10⁶ against 6·10¹⁰).
///
/// **Error.** The truncation is below 1e−17/A of every term, A = Σ_{j≥1} |c_j|·j/K the
/// amplification of the alternating combination (≈ 2K at m = 2, 2K² at m = 3). Where A > 200,
/// or when asked (`JackknifeGradientWeights.Precision.extended`), `accumulateExtended` sums in
/// double-double and returns the double nearest the definition (within 1e−14 of max u^p against
/// 60-digit mpmath at K = 5,000, m = 2 and 3). Otherwise `accumulate` sums in double and
/// returns an a-posteriori bound, 32ε·Σ|terms|/(1 − θ) relative to max u^p (measured errors ≤
/// 0.45 of it against Float80 enumeration); a row whose bound exceeds `doubleTolerance` (1e−11)
/// is redone in double-double (errors measured at K = 64, m = 2: ≤ 4.9e−13).
///
/// Rows it does not take (it returns false, and the caller enumerates): ≤ m non-zero weights
/// (the enumeration's conventions for undefined rows) and rows with no split of θ ≤ 0.6 within
/// `heavyCap` (only for large orders, m ≥ 7).
struct JackknifeGradientSeries: Sendable {
  let sampleCount: Int
  let order: Int
  /// α_j = c_j/C(K, j), j = 0…m.
  let scaledCoefficients: [Double]
  /// The largest heavy set: ≤ 32 and Σ_{t≤m} C(h, t) ≤ 20,000 heavy removal sets.
  let heavyCap: Int
  /// c_j/C(K, j) in double-double from the exact rationals, for `accumulateExtended` (nil only
  /// when a test forces the double path).
  let extendedCoefficients: [DoubleDouble]?
  /// Whether every row goes straight to double-double: when asked, or when the amplification
  /// Σ_{j≥1} |c_j|·j/K of the centred terms exceeds `extendedPrecisionAmplification` (m = 2:
  /// K > 100; m = 3: K > 10). Otherwise a row is summed in double and redone in double-double
  /// when the double sum's error bound exceeds `doubleTolerance` of max u^p.
  let extendedFirst: Bool
  static let extendedPrecisionAmplification = 200.0
  /// The largest a-posteriori error bound, relative to max u^p, accepted from the double path.
  static let doubleTolerance = 1e-11
  /// The series' relative truncation: 1e−17 divided by the amplification Σ_{j≥1} |c_j|·j/K, so
  /// that the truncation stays below 1e−17 of the result after the alternating combination.
  let truncationTolerance: Double

  static let thetaTarget = 0.15
  static let thetaLimit = 0.6
  static let maximumSeriesOrder = 96
  /// Testing hook: use this heavy-set size when its split converges (θ ≤ `thetaLimit`).
  var forcedHeavyCount: Int? = nil

  /// `alwaysExtended`: double-double whatever the amplification; `extended: false` (tests)
  /// forces the double path.
  init(
    sampleCount k: Int, order m: Int, scaledCoefficients: [Double], alwaysExtended: Bool = false, extended: Bool = true
  ) {
    sampleCount = k
    order = m
    self.scaledCoefficients = scaledCoefficients
    var cap = 32
    while cap > 0 && HeavyLightEvaluator.heavySetCount(h: cap, m: m) > 20_000 { cap -= 1 }
    heavyCap = cap
    let c = JackknifeCoefficients.values(sampleCount: k, order: m)
    var amplification = 0.0
    for j in 1...m { amplification += abs(c[j]) * Double(j) / Double(k) }
    truncationTolerance = 1e-17 / Swift.max(1, amplification)
    extendedFirst = extended && (alwaysExtended || amplification > Self.extendedPrecisionAmplification)
    if extended {
      let exact = JackknifeCoefficients.exact(sampleCount: k, order: m)
      extendedCoefficients = (0...m).map { j in
        FixedPoint(numerator: exact[j].numerator, denominator: exact[j].denominator * ExactInteger.binomial(k, j))
          .toDoubleDouble()
      }
    } else {
      extendedCoefficients = nil
    }
  }

  /// Smallest R ≥ 2 with (R + 2) θ^(R+1)/(1 − θ)² ≤ `tolerance`.
  static func seriesOrder(theta: Double, tolerance: Double) -> Int {
    var r = 2
    while r < maximumSeriesOrder
      && Double(r + 2) * pow(theta, Double(r + 1)) / ((1 - theta) * (1 - theta)) > tolerance
    {
      r += 1
    }
    return r
  }

  /// out_s for every s of one row of K log-weights (finite or −∞, not all −∞); false when the
  /// row is left to enumeration (see the type's note).
  func evaluate(_ x: UnsafeBufferPointer<Double>, power p: Int, into out: UnsafeMutableBufferPointer<Double>) -> Bool {
    let k = sampleCount, m = order
    precondition(x.count == k && out.count >= k && m >= 1 && (p == 1 || p == 2))
    var nonZero = 0
    for v in x where v > -.infinity { nonZero += 1 }
    if nonZero <= m { return false }
    let top = TopIndices(x, count: Swift.min(heavyCap + 1, nonZero), nonZero: nonZero)
    guard let split = chooseSplit(x, top, nonZero: nonZero) else { return false }
    if extendedFirst, let alpha = extendedCoefficients,
      accumulateExtended(x, top, split, power: p, coefficients: alpha, into: out)
    {
      return true
    }
    let bound = accumulate(x, top, split, power: p, into: out)
    if !extendedFirst && bound > Self.doubleTolerance, let alpha = extendedCoefficients {
      _ = accumulateExtended(x, top, split, power: p, coefficients: alpha, into: out)
    }
    return true
  }

  /// The first h ≤ heavyCap (h ≤ the non-zero count) with θ(h) ≤ `thetaTarget`, else the one
  /// with the smallest θ when that is ≤ `thetaLimit`.
  func chooseSplit(_ x: UnsafeBufferPointer<Double>, _ top: TopIndices, nonZero: Int) -> LightSplit? {
    // h = listed.count (light weights all zero) only when no non-zero weight is left unlisted.
    let listed = top.indices.count
    let hMax = Swift.min(heavyCap, listed < nonZero ? listed - 1 : listed)
    if let h = forcedHeavyCount, h <= hMax,
      let s = LightSplit(x, top, heavyCount: h, order: order, tolerance: truncationTolerance),
      s.theta <= Self.thetaLimit
    {
      return s
    }
    var best: LightSplit? = nil
    for h in 0...hMax {
      guard let s = LightSplit(x, top, heavyCount: h, order: order, tolerance: truncationTolerance) else { continue }
      if s.theta <= Self.thetaTarget { return s }
      if s.theta <= Self.thetaLimit && s.theta < (best?.theta ?? .infinity) { best = s }
    }
    return best
  }
}

/// The indices of the `count` largest non-zero log-weights, largest first (ties by index), and
/// what the heavy/light split needs of the rest.
struct TopIndices {
  var indices: [Int]
  /// Σ over the non-zero weights outside `indices` of exp(x − reference), reference = x of the
  /// smallest listed one (each term ≤ 1).
  var restMass = 0.0
  /// The smallest non-zero log-weight outside `indices` (−∞ if none).
  var restMinimum = -Double.infinity
  /// Whether the row has zero weights (log-weight −∞).
  var hasZeros: Bool

  init(_ x: UnsafeBufferPointer<Double>, count: Int, nonZero: Int) {
    hasZeros = nonZero < x.count
    // The project's top-k selection (largest first, ties by index); with count ≤ nonZero every
    // selected value is finite.
    var values = [Double](repeating: 0, count: count)
    indices = [Int](repeating: 0, count: count)
    indices.withUnsafeMutableBufferPointer { i in
      values.withUnsafeMutableBufferPointer {
        HeavyLightEvaluator.selectLargest(x, count: count, indices: i, values: $0)
      }
    }
    guard let reference = indices.last.map({ x[$0] }), indices.count < nonZero else { return }
    var listed = [Bool](repeating: false, count: x.count)
    for i in indices { listed[i] = true }
    var minimum = Double.infinity
    for i in 0..<x.count where x[i] > -.infinity && !listed[i] {
      restMass += exp(x[i] - reference)
      minimum = Swift.min(minimum, x[i])
    }
    restMinimum = minimum
  }
}

/// One heavy/light split of a row: the heavy positions 0..<h of `TopIndices`, the light
/// weights' mass, centre and spread in shares of the light mass.
struct LightSplit {
  var heavyCount: Int
  /// n = K − h light weights (zero weights included).
  var lightCount: Int
  /// The reference log-weight of the light scale: the largest light one (or the row maximum
  /// when every light weight is zero).
  var reference: Double
  /// W_L in units of e^reference (≥ 1, or 0 when every light weight is zero).
  var lightMass: Double
  /// c and max |λ − c|.
  var centre: Double
  var spread: Double
  /// θ = max over the removal sets of l·spread/b.
  var theta: Double
  var seriesOrder: Int

  init?(_ x: UnsafeBufferPointer<Double>, _ top: TopIndices, heavyCount h: Int, order m: Int, tolerance: Double) {
    let listed = top.indices
    heavyCount = h
    lightCount = x.count - h
    if h < listed.count {
      // The light weights: listed[h...] and the rest (all below listed.last), zeros included.
      reference = x[listed[h]]
      var mass = 0.0
      for i in h..<listed.count { mass += exp(x[listed[i]] - reference) }
      let last = x[listed[listed.count - 1]]
      if top.restMinimum > -.infinity { mass += top.restMass * exp(last - reference) }
      lightMass = mass
      let minimum = top.restMinimum > -.infinity ? top.restMinimum : last
      let smallest = top.hasZeros ? 0 : exp(minimum - reference) / mass
      let largest = 1 / mass
      centre = (largest + smallest) / 2
      spread = (largest - smallest) / 2
    } else {
      // Every non-zero weight is heavy (`chooseSplit` allows this only when the rest is empty).
      reference = x[listed[0]]
      lightMass = 0
      centre = 0
      spread = 0
    }
    if lightCount < 1 { return nil }
    // θ over the removal sets: b = (A + W_L(1 − l c))/W_L, A the heavy mass kept.
    var bound = 0.0
    var heavyMass = [Double](repeating: 0, count: h)
    for i in 0..<h { heavyMass[i] = exp(x[listed[i]] - reference) }
    var ok = true
    let (n, mass, c, width) = (lightCount, lightMass, centre, spread)
    if mass > 0 {
      forEachRemovalSet(heavyCount: h, order: m, lightCount: n) { mask, t, l in
        guard l >= 1 else { return }
        var kept = 0.0
        for i in 0..<h where mask & (1 << UInt64(i)) == 0 { kept += heavyMass[i] }
        let b = kept / mass + (1 - Double(l) * c)
        if !(b > 0) {
          ok = false
          return
        }
        bound = Swift.max(bound, Double(l) * width / b)
      }
    }
    if !ok || !(bound < 1) { return nil }
    theta = bound
    seriesOrder = JackknifeGradientSeries.seriesOrder(theta: bound, tolerance: tolerance)
  }
}

extension LightSplit {
  /// The light indices (every index but the heavy ones), in index order.
  func lightIndices(_ x: UnsafeBufferPointer<Double>, heavy: [Int]) -> [Int] {
    var isHeavy = [Bool](repeating: false, count: x.count)
    for i in heavy { isHeavy[i] = true }
    return (0..<x.count).filter { !isHeavy[$0] }
  }
}

/// Visits every (heavy removal set as a bit mask over positions 0..<h, its size t, light size l)
/// with t ≤ m, 0 ≤ l ≤ min(m − t, n) and t + l ≥ 1.
func forEachRemovalSet(heavyCount h: Int, order m: Int, lightCount n: Int, _ body: (UInt64, Int, Int) -> Void) {
  for t in 0...Swift.min(m, h) {
    forEachMask(of: h, size: t) { mask in
      for l in 0...Swift.min(m - t, n) where t + l >= 1 { body(mask, t, l) }
    }
  }
}

/// Every bit mask of `size` bits among the low `n`, in increasing order.
func forEachMask(of n: Int, size: Int, _ body: (UInt64) -> Void) {
  if size == 0 {
    body(0)
    return
  }
  if size > n { return }
  var mask: UInt64 = (1 << UInt64(size)) - 1
  let limit: UInt64 = 1 << UInt64(n)
  while mask < limit {
    body(mask)
    // Gosper's hack: the next mask with the same number of bits.
    let c = mask & (~mask &+ 1)
    let r = mask &+ c
    mask = (((r ^ mask) >> 2) / c) | r
  }
}
