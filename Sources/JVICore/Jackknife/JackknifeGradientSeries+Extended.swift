#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

extension JackknifeGradientSeries {
  /// `accumulate` in double-double, for orders and sizes whose alternating coefficients amplify
  /// rounding, and on request: the same sums, in units of the light mass W_L (of the heavy mass
  /// when every light weight is zero), from
  /// the doubles a_i = w_i/W_L (heavy) and λ_i = w_i/W_L (light) taken as exact. Every later
  /// step (Λ = Σ λ_i, the kept masses, ρ₀ + V = 1, the products Ê, the coefficients c_j/C(K, j)
  /// from their exact rationals) is consistent to ~2^−104, so the result is the double nearest
  /// the definition for those inputs up to ~1e−30·(the amplification).
  ///
  /// Returns false (and writes nothing) for rows it does not take: a heavy weight more than
  /// 2^900 times the light mass (the double path's per-sample ratios handle those).
  func accumulateExtended(
    _ x: UnsafeBufferPointer<Double>, _ top: TopIndices, _ split: LightSplit, power p: Int,
    coefficients alpha: [DoubleDouble], into out: UnsafeMutableBufferPointer<Double>
  ) -> Bool {
    typealias DD = DoubleDouble
    let k = sampleCount, m = order
    let h = split.heavyCount, n = split.lightCount, order = split.seriesOrder
    let lightMass = split.lightMass
    let heavy = Array(top.indices[0..<h])
    // The unit of mass: W_L, or the heavy mass when every light weight is zero (then λ = 0,
    // c = 0 and the series vanish).
    let unit = lightMass > 0 ? lightMass : heavy.reduce(0.0) { $0 + exp(x[$1] - split.reference) }
    guard unit > 0 else { return false }
    let a = heavy.map { exp(x[$0] - split.reference) / unit }
    guard a.allSatisfy({ $0 < 0x1p900 }) else { return false }
    let light = split.lightIndices(x, heavy: heavy)
    let lambda = light.map { lightMass > 0 ? exp(x[$0] - split.reference) / unit : 0 }
    let c = DD(split.centre)
    var lightTotal = DD.zero
    for v in lambda { lightTotal += DD(v) }
    var heavyTotal = DD.zero
    for v in a { heavyTotal += DD(v) }
    let total = heavyTotal + lightTotal
    func power(_ v: DD) -> DD { p == 2 ? v * v : v }

    // r!·C(r + p − 1, r).
    var coefficient = [DD](repeating: DD(1), count: order + 1)
    for r in 1...order { coefficient[r] = coefficient[r - 1] * Double(r + p - 1) }

    struct Term {
      var mask: UInt64
      var lightSize: Int
      var removed: Int
      var inverseMass: DD
      var centred: DD
    }
    var terms: [Term] = []
    forEachRemovalSet(heavyCount: h, order: m, lightCount: n) { mask, t, l in
      var kept = DD.zero, removed = DD.zero
      for i in 0..<h {
        if mask & (1 << UInt64(i)) == 0 { kept += DD(a[i]) } else { removed += DD(a[i]) }
      }
      let lc = c * Double(l)
      let mass = kept + lightTotal - lc
      guard mass.hi > 0 else { return }
      let rho = mass / total
      let v = (removed + lc) / total
      let j = t + l
      let numerator = p == 2 ? v * Double(k) * (DD(1) + rho) - DD(Double(j)) : v * Double(k) - DD(Double(j))
      terms.append(
        Term(mask: mask, lightSize: l, removed: j, inverseMass: DD(1) / mass, centred: numerator / DD(Double(k - j))))
    }

    let width = order + 1
    let moments = LightMoments<DD>(
      light: light, order: m, seriesOrder: order, shifted: lambda.map { DD($0) - c })
    let sums = RemovalAggregates<DD>(
      terms: terms.map { ($0.lightSize, alpha[$0.removed] * power($0.inverseMass), $0.inverseMass, $0.centred) },
      lightCount: n, order: m, coefficient: coefficient, full: moments.full, hasLight: lightMass > 0)

    for s in light { out[s] = 0 }
    let nonZero: (Int) -> Bool = { x[$0] > -.infinity }
    moments.forEachLight(needs: nonZero) { q, s, leaveOut in
      let share = DD(lambda[q])
      var sum = sums.lightConstant
      for i in 0..<(m * width) where i % width != 0 { sum += sums.lightSeries[i] * leaveOut[i] }
      out[s] = (power(share / total) + power(share) * sum).value
    }
    for q in 0..<h {
      var sum = power(DD(a[q]) / total)
      for (index, term) in terms.enumerated() where term.mask & (1 << UInt64(q)) == 0 {
        sum += alpha[term.removed] * power(DD(a[q]) * term.inverseMass) * sums.heavyTerm[index]
      }
      out[heavy[q]] = sum.value
    }
    return true
  }
}
