import CJVIKernels

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

extension HeavyLightEvaluator {
  /// D = target − IWAE_K for a row with a chosen split:
  ///
  ///     D = C + Σ_{T_H ⊆ H, |T_H| ≤ m} [ γ_t log ρ_{T_H} + (M_t(y) − M_t(1/n)) + Σ_l α'_{t+l} Ψ_l(b_l) ],
  ///     Ψ_l(b) = Σ_{|T_L| = l} φ(b N_{T_L}) = −Σ_{r≥2} (b^r/r) Q_{l,r}   (series mode),
  ///
  /// with κ = W_L/(S ρ_{T_H}), y = κ/n, b_l = κ/(1 − l y), 1 − l y = (1 − κ) + κ(n − l)/n.
  /// Every ρ and 1 − κ is formed by a log-sum-exp of what remains, never by subtraction.
  /// With `extended`, the light terms α'Ψ (whose alternating sum cancels ≈ K^(m−2)-fold) are
  /// formed in double-double from the same double inputs ν, κ and 1 − κ.
  func combineTerms(
    _ f: UnsafeBufferPointer<Double>, _ a: UnsafeMutableBufferPointer<Double>, _ row: RowSummary,
    _ split: Split, _ ws: EstimatorWorkspace, extended: Bool
  ) -> TermSum {
    let m = target.maximumRemoved
    let kp = row.nonZeroCount, h = split.heavyCount
    let n = kp - h
    let table = ws.table(
      HeavyLightTable.Key(sampleCount: row.sampleCount, zeroCount: row.sampleCount - kp, heavyCount: h, target: target))
    let s = ws.topValue
    let light = lightShares(f, a, row, h: h, ws)

    let r = split.seriesOrder
    let w = EstimatorWorkspace.maximumSeriesOrder + 1
    if split.mode == .series {
      let lmax = min(m, n)
      if extended {
        let q = ws.powerSumsExtended.leading(r + 1)
        q[0] = DoubleDouble(Double(n))
        q[1] = .zero
        LogSpace.powerSumsDoubleDouble(light.nu, upTo: r, into: q)
        NewtonIdentities.subsetPowerSumsDoubleDouble(
          q: UnsafeBufferPointer(q), maximumSubsetSize: lmax, order: r,
          out: ws.subsetPowerSumsExtended.leading((lmax + 1) * w), stride: w)
        for l in 1...lmax {
          for rr in 2...r {
            ws.psiCoefficientsExtended[l * w + rr] =
              ws.subsetPowerSumsExtended[l * w + rr] / DoubleDouble(Double(rr))
          }
        }
      } else {
        let q = ws.powerSums.leading(r + 1)
        q[0] = Double(n)
        q[1] = 0
        LogSpace.powerSums(light.nu, upTo: r, into: q)
        NewtonIdentities.subsetPowerSums(
          q: UnsafeBufferPointer(q), maximumSubsetSize: lmax, order: r,
          factorials: UnsafeBufferPointer(ws.factorials.leading(r + 1)),
          out: ws.subsetPowerSums.leading((lmax + 1) * w), stride: w)
        // Ψ_l(b) = −b² Σ_{r=2}^{R} (Q_{l,r}/r) b^{r−2}: store Q_{l,r}/r.
        for l in 1...lmax {
          for rr in 2...r { ws.psiCoefficients[l * w + rr] = ws.subsetPowerSums[l * w + rr] / Double(rr) }
        }
      }
    }

    // exp(s_j − s_first) for every possible first remaining heavy index (≤ m).
    if h > 0 {
      for first in 0...min(m, h - 1) {
        for j in first..<h { ws.heavyExp[first * h + j] = exp(s[j] - s[first]) }
      }
    }

    var sum = TermSum()
    let combo = ws.combination
    for t in 0...min(m, h) {
      let terms = table.removedHeavy[t]
      for i in 0..<t { combo[i] = i }
      while true {
        // log W_{H∖T_H}: the heavy weights not removed (−∞ when all are).
        var logWH = -Double.infinity
        if t < h {
          var first = 0, p = 0
          while p < t && combo[p] == first {
            p += 1
            first += 1
          }
          var heavySum = 0.0
          p = 0
          for j in first..<h {
            while p < t && combo[p] < j { p += 1 }
            if p < t && combo[p] == j { continue }
            heavySum += ws.heavyExp[first * h + j]
          }
          logWH = s[first] + log(heavySum)
        }
        let logRho = LogSpace.logAddExp(light.logWL, logWH)
        let kappa = exp(light.logWL - logRho)
        let oneMinusKappa = logWH == -.infinity ? 0 : exp(logWH - logRho)
        sum.add(terms.gamma * (logRho - row.logS))
        addHeavyTerms(
          terms, n: n, kappa: kappa, oneMinusKappa: oneMinusKappa, split: split, light: light, ws: ws,
          extended: extended, into: &sum)
        // Next t-combination of 0..<h in lexicographic order.
        var i = t - 1
        while i >= 0 && combo[i] == h - t + i { i -= 1 }
        if i < 0 { break }
        combo[i] += 1
        for j in (i + 1)..<t { combo[j] = combo[j - 1] + 1 }
      }
    }
    sum.add(table.constant)
    return sum
  }

  /// The light weights of a split: their log-weights, shifted exps ω'_i = exp(f_i − M_L)
  /// (M_L the largest light weight), W = Σ ω'_i, log W_L and the centred shares
  /// ν_i = ω_i − 1/n = (n ω'_i − W)/(n W) (exactly 0 for equal weights).
  struct LightShares {
    var log: UnsafeBufferPointer<Double>
    var exp: UnsafeBufferPointer<Double>
    var total: Double
    var logWL: Double
    var nu: UnsafeBufferPointer<Double>
  }

  func lightShares(
    _ f: UnsafeBufferPointer<Double>, _ a: UnsafeMutableBufferPointer<Double>, _ row: RowSummary, h: Int,
    _ ws: EstimatorWorkspace
  ) -> LightShares {
    let kp = row.nonZeroCount, n = kp - h
    let s = ws.topValue
    let lightLog: UnsafeBufferPointer<Double>, lightExp: UnsafeBufferPointer<Double>
    let lightTotal: Double, logWL: Double
    if h == 0 {
      lightLog = f
      lightExp = UnsafeBufferPointer(a)
      lightTotal = row.total
      logWL = row.logS
    } else {
      sortHeavyIndices(h: h, ws)
      let heavy = ws.heavyIndexSorted
      var c = 0, p = 0
      for i in 0..<kp {
        if p < h && heavy[p] == i {
          p += 1
          continue
        }
        ws.lightLog[c] = f[i]
        c += 1
      }
      lightLog = UnsafeBufferPointer(ws.lightLog.leading(n))
      let out = ws.lightExp.leading(n)
      lightTotal = LogSpace.storeExpShifted(lightLog, shift: s[h], into: out).sum
      lightExp = UnsafeBufferPointer(out)
      logWL = s[h] + log(lightTotal)
    }
    let nd = Double(n)
    let nu = ws.centred.leading(n)
    let inv = 1 / (nd * lightTotal)
    // ν_i = (n a_i − A)/(n A): one fused multiply-add and a product per element (C kernels).
    if let x = lightExp.baseAddress, let out = nu.baseAddress, n > 0 {
      jvi_affine(x, n, nd, -lightTotal, inv, out)
    }
    return LightShares(log: lightLog, exp: lightExp, total: lightTotal, logWL: logWL, nu: UnsafeBufferPointer(nu))
  }

  /// The M_t and Ψ terms of one heavy removal set.
  func addHeavyTerms(
    _ terms: HeavyLightTable.RemovedHeavy, n: Int, kappa: Double, oneMinusKappa: Double, split: Split,
    light: LightShares, ws: EstimatorWorkspace, extended: Bool, into sum: inout TermSum
  ) {
    let lmax = terms.maximumLight
    let nd = Double(n)
    // M_t(y) − M_t(1/n), M_t(y) = Σ_l β_l log(1 − l y).
    if let d = terms.series {
      let delta = -oneMinusKappa / nd
      var acc = 0.0
      for k in stride(from: d.count - 1, through: 0, by: -1) { acc = (acc + d[k]) * delta }
      sum.add(acc)
    } else if lmax >= 1 {
      for l in 1...lmax {
        if l < n {
          sum.add(terms.beta[l] * log1p(Double(l) * oneMinusKappa / Double(n - l)))
        } else {
          sum.add(terms.beta[l] * log(oneMinusKappa))
        }
      }
    }
    if lmax < 1 { return }
    let w = EstimatorWorkspace.maximumSeriesOrder + 1
    for l in 1...lmax where l < n {
      if split.mode == .series && extended {
        // b_l = κ/((1 − κ) + κ(n − l)/n) and Ψ_l(b_l) in double-double.
        let kappaX = DoubleDouble(kappa)
        let oneMinus = DoubleDouble(oneMinusKappa) + kappaX * (DoubleDouble(Double(n - l)) / DoubleDouble(nd))
        let b = kappaX / oneMinus
        let r = split.seriesOrder
        let c = ws.psiCoefficientsExtended.row(l, width: w)
        // Horner's rule from c[r] down to c[2] in double-double (C kernels: acc = c[i] + acc·b).
        var hi = 0.0, lo = 0.0
        if let base = c.baseAddress {
          UnsafeRawPointer(base).withMemoryRebound(to: Double.self, capacity: 2 * c.count) {
            jvi_horner_double_double($0, r, 2, b.hi, b.lo, &hi, &lo)
          }
        }
        let acc = DoubleDouble(hi: hi, lo: lo)
        let psi = -(b * b) * acc
        sum.addExtended(terms.alphaExtended[l] * psi)
        continue
      }
      let oneMinus = oneMinusKappa + kappa * Double(n - l) / nd
      let b = kappa / oneMinus
      let psi: Double
      if split.mode == .series {
        let r = split.seriesOrder
        let c = ws.psiCoefficients.row(l, width: w)
        // Horner's rule from c[r] down to c[2], one fused multiply-add a step (C kernels).
        let acc = c.baseAddress.map { jvi_horner($0, r, 2, b) } ?? 0
        psi = -(b * b) * acc
      } else {
        psi = enumeratedPsi(
          l: l, b: b, kappa: kappa, oneMinusKappa: oneMinusKappa, oneMinus: oneMinus, light: light, ws: ws)
      }
      sum.add(terms.alpha[l] * psi)
    }
  }

  /// Ψ_l(b) = Σ_{|T_L| = l} φ(b N_{T_L}) by enumerating the light l-subsets.
  /// Where b N_T > 1/2, log(1 − b N_T) = log((1 − κ) + κ(1 − Ω_T)) − log(1 − l y), with
  /// 1 − Ω_T = Σ_{i∉T} ω_i taken as a log-sum-exp of the light complement when Ω_T > 1/2.
  func enumeratedPsi(
    l: Int, b: Double, kappa: Double, oneMinusKappa: Double, oneMinus: Double, light: LightShares,
    ws: EstimatorWorkspace
  ) -> Double {
    let nu = light.nu
    let n = nu.count
    return withUnsafeTemporaryAllocation(of: Int.self, capacity: l) { c -> Double in
      for i in 0..<l { c[i] = i }
      var psi = 0.0
      while true {
        var nsum = 0.0, omega = 0.0
        for i in 0..<l {
          nsum += nu[c[i]]
          omega += light.exp[c[i]]
        }
        omega /= light.total
        let x = b * nsum
        if x >= -1 && x <= 0.5 {
          psi += LogSpace.phi(x)
        } else {
          let logComplement =
            omega <= 0.5
            ? log1p(-omega)
            : LogSpace.logSumExp(light.log, excluding: UnsafeBufferPointer(c)) - light.logWL
          let logOneMinusX =
            LogSpace.logAddExp(oneMinusKappa > 0 ? log(oneMinusKappa) : -.infinity, log(kappa) + logComplement)
            - log(oneMinus)
          psi += LogSpace.phi(x, logOneMinusX: logOneMinusX)
        }
        var i = l - 1
        while i >= 0 && c[i] == n - l + i { i -= 1 }
        if i < 0 { break }
        c[i] += 1
        for j in (i + 1)..<l { c[j] = c[j - 1] + 1 }
      }
      return psi
    }
  }

}

/// The terms of D: those formed in double (summed with `CompensatedSum`) and the light terms
/// formed in double-double, with the scale of each for the error bound.
struct TermSum {
  var double = CompensatedSum()
  var extended = DoubleDouble.zero
  /// Σ |double-double terms|.
  var extendedMagnitude = 0.0

  mutating func add(_ x: Double) { double.add(x) }

  mutating func addExtended(_ x: DoubleDouble) {
    extended += x
    extendedMagnitude += abs(x.hi)
  }

  var value: Double {
    var s = double
    s.addUncounted(extended.hi)
    s.addUncounted(extended.lo)
    return s.value
  }

  /// A bound on |computed − exact| for a result `result`, calibrated against Float80 brute
  /// force (actual errors stayed below 0.27 of the double part):
  /// ε(4|result| + R'·Σ|double terms|) + 8·R'·2^−104·Σ|double-double terms|, R' = max(R, 8).
  func errorBound(result: Double, seriesOrder: Int) -> Double {
    let r = Double(Swift.max(seriesOrder, 8))
    return Double.ulpOfOne * (4 * abs(result) + r * double.magnitude) + 8 * r * 0x1p-104 * extendedMagnitude
  }
}

/// Σ of doubles with a running error term (Knuth's two-sum), so the sum of a few dozen terms
/// of mixed sign and size is correct to about one rounding of the result.
/// A non-finite term makes the result that term's IEEE sum.
struct CompensatedSum {
  var high = 0.0
  var low = 0.0
  var nonFinite = 0.0
  /// Σ |terms|: the scale of the cancellation, for the error bound.
  var magnitude = 0.0

  mutating func add(_ x: Double) {
    if !x.isFinite {
      nonFinite += x
      return
    }
    magnitude += abs(x)
    let s = high + x
    let bp = s - high
    low += (high - (s - bp)) + (x - bp)
    high = s
  }

  /// Adds a term that is not counted in `magnitude` (the low parts of double-double terms).
  mutating func addUncounted(_ x: Double) {
    let saved = magnitude
    add(x)
    magnitude = saved
  }

  var value: Double { nonFinite != 0 || nonFinite.isNaN ? nonFinite + high : high + low }
}
