#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// One heavy removal set T_H with one light removal size l, and what every sample's term needs.
struct RemovalTerm {
  var mask: UInt64
  var lightSize: Int
  /// j = |T_H| + l.
  var removed: Int
  /// W_L(1 − l·c), in units of e^reference.
  var lightFactor: Double
  /// 1/B, B = W_{H∖T_H} + W_L(1 − l·c) in units of e^reference.
  var inverseMass: Double
  /// β = W_L/B = 1/b.
  var beta: Double
  /// The centred r = 0 factor: (K·V(1 + ρ₀) − j)/(K − j) (p = 2) or (K·V − j)/(K − j) (p = 1),
  /// V the mean removed mass and ρ₀ = 1 − V the mean kept mass.
  var centred: Double
}

extension JackknifeGradientSeries {
  /// out_s for every s, given the split (see the type's note for the formulas), in double.
  /// Returns an a-posteriori bound on the rounding error relative to max u^p:
  /// 32ε·Σ|terms|/(1 − θ) over the centred terms of the worst sample (the series' deviations add
  /// at most θ/(1 − θ) of them), calibrated against Float80 enumeration in the tests.
  @discardableResult
  func accumulate(
    _ x: UnsafeBufferPointer<Double>, _ top: TopIndices, _ split: LightSplit, power p: Int,
    into out: UnsafeMutableBufferPointer<Double>
  ) -> Double {
    let k = sampleCount, m = order
    let h = split.heavyCount, n = split.lightCount, order = split.seriesOrder
    let heavy = Array(top.indices[0..<h])
    let rowMaximum = x[top.indices[0]]
    // Row-maximum units for u, ρ₀ and V.
    var total = 0.0
    for v in x { total += exp(v - rowMaximum) }
    let lightInRow = split.lightMass * exp(split.reference - rowMaximum)
    let heavyInRow = heavy.map { exp(x[$0] - rowMaximum) }
    let heavyInLight = heavy.map { exp(x[$0] - split.reference) }
    let c = split.centre

    // r!·C(r + p − 1, r): r! for p = 1, (r + 1)! for p = 2.
    var coefficient = [Double](repeating: 1, count: order + 1)
    for r in 1...order { coefficient[r] = coefficient[r - 1] * Double(r + p - 1) }

    var terms: [RemovalTerm] = []
    forEachRemovalSet(heavyCount: h, order: m, lightCount: n) { mask, t, l in
      let j = t + l
      var keptLight = 0.0, keptRow = 0.0, removedRow = 0.0
      for i in 0..<h {
        if mask & (1 << UInt64(i)) == 0 {
          keptLight += heavyInLight[i]
          keptRow += heavyInRow[i]
        } else {
          removedRow += heavyInRow[i]
        }
      }
      let lightFactor = split.lightMass * (1 - Double(l) * c)
      let mass = keptLight + lightFactor
      guard mass > 0 else { return }  // nothing kept: the term is undefined and left out
      let rho = (keptRow + lightInRow * (1 - Double(l) * c)) / total
      let v = (removedRow + Double(l) * c * lightInRow) / total
      let kj = Double(k - j)
      let centred =
        p == 2 ? (Double(k) * v * (1 + rho) - Double(j)) / kj : (Double(k) * v - Double(j)) / kj
      terms.append(
        RemovalTerm(
          mask: mask, lightSize: l, removed: j, lightFactor: lightFactor, inverseMass: 1 / mass,
          beta: split.lightMass / mass, centred: centred))
    }

    let width = order + 1
    let light = split.lightIndices(x, heavy: heavy)
    let mass = split.lightMass
    let moments = LightMoments<Double>(
      light: light, order: m, seriesOrder: order,
      shifted: light.map { i in mass > 0 ? exp(x[i] - split.reference) / mass - c : 0 })
    // Light samples: out_s = u_s^p + e_s^p (Σ_l C(n − 1, l) G0_l + Σ_{l,r≥1} G_{l,r} Ê_{l,r}(s));
    // heavy samples: per term, C(n, l)·centred + Σ_{r≥1} coefficient_r β^r Ê_{l,r}(all light).
    let sums = RemovalAggregates<Double>(
      terms: terms.map { term in
        let weight =
          scaledCoefficients[term.removed] * (p == 2 ? term.inverseMass * term.inverseMass : term.inverseMass)
        return (term.lightSize, weight, term.beta, term.centred)
      }, lightCount: n, order: m, coefficient: coefficient, full: moments.full, hasLight: split.lightMass > 0)

    for s in moments.light { out[s] = 0 }
    if split.lightMass > 0 {
      let nonZero: (Int) -> Bool = { x[$0] > -.infinity }
      moments.forEachLight(needs: nonZero) { _, s, leaveOut in
        let u = exp(x[s] - rowMaximum) / total
        let e = exp(x[s] - split.reference)
        var sum = sums.lightConstant
        for i in 0..<(m * width) where i % width != 0 { sum += sums.lightSeries[i] * leaveOut[i] }
        out[s] = (p == 2 ? u * u : u) + (p == 2 ? e * e : e) * sum
      }
    }

    var heavyMagnitude = 0.0
    for q in 0..<h {
      let s = heavy[q]
      let u = exp(x[s] - rowMaximum) / total
      let below = exp(split.reference - x[s])
      var relative = [Double](repeating: 0, count: h)
      for i in 0..<h { relative[i] = exp(x[heavy[i]] - x[s]) }
      var sum = 0.0
      var magnitude = 0.0
      for (index, term) in terms.enumerated() where term.mask & (1 << UInt64(q)) == 0 {
        var kept = term.lightFactor * below
        for i in 0..<h where term.mask & (1 << UInt64(i)) == 0 { kept += relative[i] }
        let r = 1 / kept
        let value = scaledCoefficients[term.removed] * (p == 2 ? r * r : r) * sums.heavyTerm[index]
        sum += value
        magnitude += abs(value)
      }
      out[s] = (p == 2 ? u * u : u) + sum
      heavyMagnitude = Swift.max(heavyMagnitude, magnitude)
    }
    // The largest light sample has e = 1 (the light reference), so e^p·Σ|terms| ≤ lightMagnitude.
    let largest = p == 2 ? 1 / (total * total) : 1 / total
    let magnitude = Swift.max(split.lightMass > 0 ? sums.lightMagnitude : 0, heavyMagnitude)
    return 32 * Double.ulpOfOne * magnitude / (1 - split.theta) / largest
  }
}
