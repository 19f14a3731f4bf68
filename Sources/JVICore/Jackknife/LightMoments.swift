/// The arithmetic `LightMoments` and the extended-precision gradient sums run in: Double, or
/// DoubleDouble where the jackknife's alternating coefficients would amplify rounding.
protocol SeriesArithmetic {
  init(_ x: Double)
  static var zero: Self { get }
  static func + (a: Self, b: Self) -> Self
  static func - (a: Self, b: Self) -> Self
  static func * (a: Self, b: Self) -> Self
  static func / (a: Self, b: Self) -> Self
  /// Rounded to a double.
  var doubleValue: Double { get }
}

extension Double: SeriesArithmetic {
  var doubleValue: Double { self }
}

extension DoubleDouble: SeriesArithmetic {
  var doubleValue: Double { value }
}

/// Ê_{l,r} = Σ_{|T| = l} D_T^r/r! over the light weights (D_T = Σ_{i∈T} v_i, v_i = λ_i − c),
/// l = 1…m, r = 0…R: the coefficients [y^l z^r] of Π_i (1 + y·e^{z v_i}), for all of them
/// (`full`) and for every light sample left out (prefix × suffix products, no division).
///
/// Cost: m·R²/2 multiply-adds per light weight for the suffix products, and as much again
/// per left-out sample for the prefix, plus Σ_{l≤m} (l − 1)·R²/2 for the product.
struct LightMoments<S: SeriesArithmetic> {
  let order: Int
  let width: Int
  let light: [Int]
  let shifted: [S]
  /// suffix[q] = the product over light positions q..<n, m × width each (y^1…y^m).
  let suffix: [S]
  var full: ArraySlice<S> { suffix[0..<(order * width)] }

  /// `light` the light indices in the order of `shifted` (their v_i).
  init(light: [Int], order m: Int, seriesOrder: Int, shifted: [S]) {
    order = m
    width = seriesOrder + 1
    self.light = light
    self.shifted = shifted
    let n = light.count
    let block = m * width
    var products = [S](repeating: .zero, count: (n + 1) * block)
    var factor = [S](repeating: .zero, count: width)
    products.withUnsafeMutableBufferPointer { s in
      for q in stride(from: n - 1, through: 0, by: -1) {
        LightMoments.fill(&factor, shifted[q])
        for i in 0..<block { s[q * block + i] = s[(q + 1) * block + i] }
        LightMoments.multiply(
          UnsafeMutableBufferPointer(rebasing: s[(q * block)..<((q + 1) * block)]), by: factor, order: m)
      }
    }
    suffix = products
  }

  /// e^{z v} truncated: v^a/a!.
  static func fill(_ f: inout [S], _ v: S) {
    f[0] = S(1)
    for a in 1..<f.count { f[a] = f[a - 1] * v / S(Double(a)) }
  }

  /// X ← X·(1 + y·f): X[l] += f ∗ X[l − 1] (X[0] = 1), l from m down to 1, truncated at z^R.
  static func multiply(_ x: UnsafeMutableBufferPointer<S>, by f: [S], order m: Int) {
    let width = f.count
    for l in stride(from: m, through: 1, by: -1) {
      let row = (l - 1) * width
      if l == 1 {
        for r in 0..<width { x[r] = x[r] + f[r] }
      } else {
        let below = (l - 2) * width
        for r in stride(from: width - 1, through: 0, by: -1) {
          var s = S.zero
          for a in 0...r { s = s + f[a] * x[below + r - a] }
          x[row + r] = x[row + r] + s
        }
      }
    }
  }

  /// Calls body(q, s, Ê with s left out) for every light sample s = light[q] in index order,
  /// forming Ê only where `needs(s)`.
  func forEachLight(needs: (Int) -> Bool, _ body: (Int, Int, UnsafeBufferPointer<S>) -> Void) {
    let block = order * width
    var prefix = [S](repeating: .zero, count: block)
    var product = [S](repeating: .zero, count: block)
    var factor = [S](repeating: .zero, count: width)
    suffix.withUnsafeBufferPointer { suffix in
      for q in 0..<light.count {
        if needs(light[q]) {
          let after = UnsafeBufferPointer(rebasing: suffix[((q + 1) * block)..<((q + 2) * block)])
          // Ê_l = P_l + S_l + Σ_{a=1}^{l−1} P_a ∗ S_{l−a}.
          for l in 1...order {
            let row = (l - 1) * width
            for r in 0..<width { product[row + r] = prefix[row + r] + after[row + r] }
            if l >= 2 {
              for a in 1..<l {
                let pa = (a - 1) * width, sb = (l - a - 1) * width
                for r in 0..<width {
                  var s = S.zero
                  for i in 0...r { s = s + prefix[pa + i] * after[sb + r - i] }
                  product[row + r] = product[row + r] + s
                }
              }
            }
          }
          product.withUnsafeBufferPointer { body(q, light[q], $0) }
        }
        LightMoments.fill(&factor, shifted[q])
        prefix.withUnsafeMutableBufferPointer { LightMoments.multiply($0, by: factor, order: order) }
      }
    }
  }
}

/// What the samples' sums need of the removal terms (one heavy removal set T_H with one light
/// size l each), in either arithmetic: for a light sample the r = 0 constant and the series
/// coefficients shared by every light s, for a heavy sample each term's value.
struct RemovalAggregates<S: SeriesArithmetic> {
  /// Σ_terms weight·C(n − 1, l)·centred.
  var lightConstant = S.zero
  /// Σ_terms |weight·C(n − 1, l)·centred| (for the double path's error bound).
  var lightMagnitude = 0.0
  /// Σ_terms weight·coefficient_r·β^r at [(l − 1)·width + r], r ≥ 1.
  var lightSeries: [S]
  /// Per term: C(n, l)·centred + Σ_{r≥1} coefficient_r·β^r·Ê_{l,r} over all the light samples
  /// (the series only when the light weights are not all zero).
  var heavyTerm: [S] = []

  /// `terms`: per term its light size l, weight (α_j·(1/B)^p), β and centred r = 0 factor;
  /// `coefficient[r]` = r!·C(r + p − 1, r); `full` = Ê over every light sample.
  init(
    terms: [(lightSize: Int, weight: S, beta: S, centred: S)], lightCount n: Int, order m: Int, coefficient: [S],
    full: ArraySlice<S>, hasLight: Bool
  ) {
    let width = coefficient.count
    let base = full.startIndex
    lightSeries = [S](repeating: .zero, count: m * width)
    for term in terms {
      let constant = term.weight * S(Self.binomial(n - 1, term.lightSize)) * term.centred
      lightConstant = lightConstant + constant
      lightMagnitude += abs(constant.doubleValue)
      if term.lightSize >= 1 {
        var power = S(1)
        for r in 1..<width {
          power = power * term.beta
          let i = (term.lightSize - 1) * width + r
          lightSeries[i] = lightSeries[i] + term.weight * coefficient[r] * power
        }
      }
    }
    heavyTerm = terms.map { term -> S in
      var s = S(Self.binomial(n, term.lightSize)) * term.centred
      if term.lightSize >= 1 && hasLight {
        var power = S(1)
        var series = S.zero
        for r in 1..<width {
          power = power * term.beta
          series = series + coefficient[r] * power * full[base + (term.lightSize - 1) * width + r]
        }
        s = s + series
      }
      return s
    }
  }

  static func binomial(_ n: Int, _ j: Int) -> Double {
    j > n ? 0 : JackknifeGradientWeights.binomial(n, j)
  }
}
