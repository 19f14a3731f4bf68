#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

extension HeavyLightEvaluator {
  /// Chooses the heavy-set size h and the mode for one row.
  ///
  /// θ(h) bounds |b_l N_{T_L}| over every heavy removal set and light l-subset that occur, with
  /// the worst case (the t_max = min(m − l, h) largest heavy weights removed, which maximises κ):
  ///
  ///     θ(h) = max_l b_l^max · max(Σ_{top-l light} ν, |Σ_{bottom-l light} ν|),
  ///     b_l^max = κ_max/(1 − l κ_max/n),  κ_max = W_L/(W_L + W_{H without its t_max largest}).
  ///
  /// Only the top h + m weights and the bottom m are needed, so the row is not sorted.
  func chooseSplit(
    _ f: UnsafeBufferPointer<Double>, _ a: UnsafeMutableBufferPointer<Double>, _ row: RowSummary,
    _ ws: EstimatorWorkspace
  ) throws(JackknifeRowError) -> Split {
    let m = target.maximumRemoved
    let kp = row.nonZeroCount
    let nmin = 2 * m + 2
    let hmax = min(heavyCap, kp - 1)
    let s = ws.topValue
    var topCount = min(kp, min(hmax, 12) + m + 1)
    selectLargest(f, count: topCount, ws)
    for j in 0..<topCount { ws.topExp[j] = a[ws.topIndex[j]] }
    let bottomCount = min(m, kp)
    selectSmallest(f, count: bottomCount, into: ws.bottomValue)

    var restSum = -1.0  // Σ a over the non-top weights; computed on first use
    for t in 0..<m { ws.prefix[t] = -.infinity }
    for h in 0...hmax { ws.thetas[h] = .infinity }

    var h = 0
    while h <= hmax {
      let n = kp - h
      if n < 1 { break }
      if h + min(m, n) > topCount && topCount < kp {
        // The scan went past the selected top: select enough for every h ≤ hmax.
        topCount = min(kp, hmax + m + 1)
        selectLargest(f, count: topCount, ws)
        for j in 0..<topCount { ws.topExp[j] = a[ws.topIndex[j]] }
        restSum = -1
      }
      let logWL: Double
      if h == 0 {
        logWL = row.logS
      } else {
        if restSum < 0 { restSum = sumExcludingTop(a, topCount: topCount, ws) }
        var light = restSum
        for j in stride(from: topCount - 1, through: h, by: -1) { light += ws.topExp[j] }
        if light >= 0x1p-900 {
          logWL = row.maximum + log(light)
        } else {
          // The light set is more than ~620 nats below the maximum: its own log-sum-exp.
          sortHeavyIndices(h: h, ws)
          logWL = LogSpace.logSumExp(f, excluding: UnsafeBufferPointer(ws.heavyIndexSorted.leading(h)))
        }
      }
      let theta = thetaBound(h: h, n: n, logWL: logWL, ws)
      ws.thetas[h] = theta
      if let forced = forcedHeavyCount {
        if h == forced {
          precondition(
            theta < HeavyLightEvaluator.thetaFallback, "forced split h = \(h): θ = \(theta) does not converge")
          precondition(n >= nmin, "forced split h = \(h) leaves \(n) light weights; the series needs \(nmin)")
          return Split(
            heavyCount: h, mode: .series, theta: theta, seriesOrder: HeavyLightEvaluator.seriesOrder(theta: theta))
        }
      } else if theta <= HeavyLightEvaluator.thetaTarget && n >= nmin {
        return Split(
          heavyCount: h, mode: .series, theta: theta, seriesOrder: HeavyLightEvaluator.seriesOrder(theta: theta))
      }
      // s[h] joins the heavy set: prefix[t] = LSE(s[t..<h+1]).
      for t in 0..<m where t <= h { ws.prefix[t] = LogSpace.logAddExp(ws.prefix[t], s[h]) }
      h += 1
    }

    // No admissible split: exact light enumeration, with only a dominant maximum (more than
    // half of the mass) made heavy so its large log terms get the exact coefficients.
    let hEnum = s[0] - row.logS > -log(2.0) ? 1 : 0
    let cost = enumerationCost(h: hEnum, n: kp - hEnum)
    if cost <= HeavyLightEvaluator.enumerationBudget {
      return Split(heavyCount: hEnum, mode: .enumeration, theta: .nan, seriesOrder: 0)
    }
    var best = -1
    for hh in 0...hmax where kp - hh >= nmin && ws.thetas[hh] < HeavyLightEvaluator.thetaFallback {
      if best < 0 || ws.thetas[hh] < ws.thetas[best] { best = hh }
    }
    if best >= 0 {
      // The scan reached `best`, so the selected top already covers s[0…best].
      let theta = ws.thetas[best]
      return Split(
        heavyCount: best, mode: .series, theta: theta, seriesOrder: HeavyLightEvaluator.seriesOrder(theta: theta))
    }
    if cost <= HeavyLightEvaluator.hardEnumerationBudget {
      return Split(heavyCount: hEnum, mode: .enumeration, theta: .nan, seriesOrder: 0)
    }
    throw JackknifeRowError(
      target: target, sampleCount: row.sampleCount, nonZeroCount: kp,
      reason: .cost(subsetEvaluations: cost, limit: HeavyLightEvaluator.hardEnumerationBudget))
  }

  /// θ(h) for one heavy-set size (see `chooseSplit`).
  func thetaBound(h: Int, n: Int, logWL: Double, _ ws: EstimatorWorkspace) -> Double {
    let m = target.maximumRemoved
    let s = ws.topValue
    var theta = 0.0
    for l in 1...min(m, n) {
      let tmax = min(m - l, h)
      let logRho = tmax < h ? LogSpace.logAddExp(logWL, ws.prefix[tmax]) : logWL
      let kappa = exp(logWL - logRho)
      let oneMinus = (1 - kappa) + kappa * Double(n - l) / Double(n)
      if !(oneMinus > 0) { return .infinity }
      let b = kappa / oneMinus
      var top = 0.0, bottom = 0.0
      for i in 0..<l {
        top += exp(s[h + i] - logWL)
        bottom += exp(ws.bottomValue[i] - logWL)
      }
      let share = Double(l) / Double(n)
      theta = Swift.max(theta, b * Swift.max(top - share, share - bottom))
    }
    return theta
  }

  /// Σ_{t ≤ min(m, h)} C(h, t) Σ_{1 ≤ l ≤ min(m − t, n − 1)} C(n, l): the subsets exact
  /// light enumeration visits.
  func enumerationCost(h: Int, n: Int) -> Double {
    let m = target.maximumRemoved
    var total = 0.0
    var heavySets = 1.0
    for t in 0...min(m, h) {
      var lightSets = 0.0, c = 1.0
      let lmax = min(m - t, n - 1)
      if lmax >= 1 {
        for l in 1...lmax {
          c = c * Double(n - l + 1) / Double(l)
          lightSets += c
        }
      }
      total += heavySets * lightSets
      heavySets = heavySets * Double(h - t) / Double(t + 1)
    }
    return total
  }

  /// Indices of the `count` largest values of `f`, in descending order of value (ties by
  /// index), into `ws.topIndex`, with the values in `ws.topValue`.
  ///
  /// Cost: O(K' · count) in the worst case (ascending rows), about K' compares usually.
  func selectLargest(_ f: UnsafeBufferPointer<Double>, count: Int, _ ws: EstimatorWorkspace) {
    Self.selectLargest(f, count: count, indices: ws.topIndex, values: ws.topValue)
  }

  /// `selectLargest` into `indices` and `values` (≥ `count` entries each; also the gradient
  /// weights' heavy set, `TopIndices`).
  static func selectLargest(
    _ f: UnsafeBufferPointer<Double>, count: Int, indices idx: UnsafeMutableBufferPointer<Int>,
    values val: UnsafeMutableBufferPointer<Double>
  ) {
    var filled = 0
    for i in 0..<f.count {
      let v = f[i]
      if filled == count {
        if !(v > val[count - 1]) { continue }
        filled -= 1
      }
      var j = filled
      while j > 0 && val[j - 1] < v {
        val[j] = val[j - 1]
        idx[j] = idx[j - 1]
        j -= 1
      }
      val[j] = v
      idx[j] = i
      filled += 1
    }
  }

  /// The `count` smallest values of `f` in ascending order.
  func selectSmallest(_ f: UnsafeBufferPointer<Double>, count: Int, into out: UnsafeMutableBufferPointer<Double>) {
    var filled = 0
    for v in f {
      if filled == count {
        if !(v < out[count - 1]) { continue }
        filled -= 1
      }
      var j = filled
      while j > 0 && out[j - 1] > v {
        out[j] = out[j - 1]
        j -= 1
      }
      out[j] = v
      filled += 1
    }
  }

  /// Σ a_i over the weights outside the selected top (zeroes them, sums, restores).
  func sumExcludingTop(_ a: UnsafeMutableBufferPointer<Double>, topCount: Int, _ ws: EstimatorWorkspace) -> Double {
    for j in 0..<topCount { a[ws.topIndex[j]] = 0 }
    let rest = LogSpace.sum(UnsafeBufferPointer(a))
    for j in 0..<topCount { a[ws.topIndex[j]] = ws.topExp[j] }
    return rest
  }

  /// Copies the indices of the top h into `ws.heavyIndexSorted`, ascending.
  func sortHeavyIndices(h: Int, _ ws: EstimatorWorkspace) {
    let out = ws.heavyIndexSorted
    for j in 0..<h {
      let v = ws.topIndex[j]
      var i = j
      while i > 0 && out[i - 1] > v {
        out[i] = out[i - 1]
        i -= 1
      }
      out[i] = v
    }
  }
}
