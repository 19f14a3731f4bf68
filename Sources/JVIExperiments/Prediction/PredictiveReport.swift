import JVICore
import JVIModels

/// What `jvi-eval --predict` writes for a Bayes-by-Backprop checkpoint.
///
/// - Regression: on a grid of x over [−0.2, 1.2] (the data lie in [0, 0.5]), S weight samples give
///   draws f_s(x); the CSV has `x,mean,sd,lower_95,upper_95,lower_95_mean,upper_95_mean`, where
///   mean and sd are of the predictive y = f(x) + noise (sd² = Var_s f_s(x) + σ²); the first
///   interval is mean ± 1.96·sd (the predictive, in its Gaussian approximation), the second the
///   empirical 2.5% and 97.5% quantiles of the S draws of f. The SVG shows the data, the mean and
///   both bands.
/// - Classification: `method,weight_samples,test_images,error_rate,mean_nll` for the mean weights
///   and for the Bayesian model average over S weight samples.
public enum PredictiveReport {
  public static func regression(
    _ model: BayesianMLP, parameters: [Float], curve: RegressionCurve, samples: Int, seed: UInt64
  ) -> (csv: String, svg: String, summary: String) {
    let grid = (0...140).map { (Double($0) - 20) / 100 }
    let theta = parameters.map(Double.init)
    let draws = theta.withUnsafeBufferPointer {
      BayesianPrediction.regressionDraws(model, parameters: $0.baseAddress!, at: grid, samples: samples, seed: seed)
    }
    var noise = 0.0
    if case .gaussian(let s) = model.likelihood { noise = s }
    var csv = "x,mean,sd,lower_95,upper_95,lower_95_mean,upper_95_mean\n"
    var rows: [(x: Double, mean: Double, lo: Double, hi: Double, loF: Double, hiF: Double)] = []
    for (j, x) in grid.enumerated() {
      let f = draws.map { $0[j] }.sorted()
      let mean = f.reduce(0, +) / Double(f.count)
      let variance = f.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(max(1, f.count - 1))
      let sd = (variance + noise * noise).squareRoot()
      let loF = quantile(f, 0.025), hiF = quantile(f, 0.975)
      let lo = mean - 1.96 * sd, hi = mean + 1.96 * sd
      rows.append((x, mean, lo, hi, loF, hiF))
      csv += [x, mean, sd, lo, hi, loF, hiF].map { SweepRow.format($0) }.joined(separator: ",") + "\n"
    }
    let svg = PredictiveFigure(
      title: "Bayes by Backprop regression: posterior predictive from \(samples) weight samples",
      points: Array(zip(curve.x, curve.y)), rows: rows
    ).svg
    let inside = rows.filter { $0.x >= 0 && $0.x <= 0.5 }
    let width = inside.map { $0.hi - $0.lo }.reduce(0, +) / Double(max(1, inside.count))
    let outside = rows.filter { $0.x > 0.8 }
    let widthOut = outside.map { $0.hi - $0.lo }.reduce(0, +) / Double(max(1, outside.count))
    let summary =
      "mean 95% predictive band width \(format(width)) on the data's range [0, 0.5], \(format(widthOut)) beyond x = 0.8"
    return (csv, svg, summary)
  }

  public static func classification(
    _ model: BayesianMLP, parameters: [Float], data: ImageDataset, samples: Int, seed: UInt64
  ) -> (csv: String, summary: String) {
    let theta = parameters.map(Double.init)
    let n = data.count(.test)
    let (mean, average) = theta.withUnsafeBufferPointer { p in
      (
        BayesianPrediction.classify(model, parameters: p.baseAddress!, data: data, split: .test, count: n),
        BayesianPrediction.classify(
          model, parameters: p.baseAddress!, data: data, split: .test, count: n, samples: samples, seed: seed)
      )
    }
    var csv = "method,weight_samples,test_images,error_rate,mean_nll\n"
    csv += "mean-weights,0,\(n),\(SweepRow.format(mean.errorRate)),\(SweepRow.format(mean.meanNegativeLogLikelihood))\n"
    csv +=
      "model-average,\(samples),\(n),\(SweepRow.format(average.errorRate)),"
      + "\(SweepRow.format(average.meanNegativeLogLikelihood))\n"
    let summary =
      "test error \(format(100 * mean.errorRate))% with the mean weights, \(format(100 * average.errorRate))% "
      + "averaging \(samples) weight samples (\(n) test images)"
    return (csv, summary)
  }

  static func quantile(_ sorted: [Double], _ p: Double) -> Double {
    let h = Double(sorted.count - 1) * p
    let lo = Int(h.rounded(.down)), hi = min(lo + 1, sorted.count - 1)
    return sorted[lo] + (h - Double(lo)) * (sorted[hi] - sorted[lo])
  }

  static func format(_ x: Double) -> String { String(describing: (x * 1000).rounded() / 1000) }
}

/// The regression picture: data points, predictive mean, 95% bands of the predictive and of f.
struct PredictiveFigure {
  var title: String
  var points: [(Double, Double)]
  var rows: [(x: Double, mean: Double, lo: Double, hi: Double, loF: Double, hiF: Double)]

  var svg: String {
    let w = 760.0, h = 480.0, left = 70.0, right = 20.0, top = 50.0, bottom = 70.0
    let xs = rows.map(\.x)
    let x0 = xs.min() ?? 0, x1 = xs.max() ?? 1
    let ys = rows.flatMap { [$0.lo, $0.hi] } + points.map(\.1)
    let y0 = (ys.min() ?? 0) - 0.05, y1 = (ys.max() ?? 1) + 0.05
    func px(_ x: Double) -> Double { left + (x - x0) / (x1 - x0) * (w - left - right) }
    func py(_ y: Double) -> Double { top + (y1 - y) / (y1 - y0) * (h - top - bottom) }
    let f = SweepFigure.number
    func band(_ lo: [Double], _ hi: [Double]) -> String {
      let upper = zip(xs, hi).map { "\(f(px($0))),\(f(py($1)))" }
      let lower = zip(xs, lo).reversed().map { "\(f(px($0))),\(f(py($1)))" }
      return (upper + lower).joined(separator: " ")
    }
    var s = """
      <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(w))" height="\(Int(h))" viewBox="0 0 \(Int(w)) \(Int(h))" \
      font-family="DejaVu Sans, Helvetica, Arial, sans-serif">
      <rect width="100%" height="100%" fill="white"/>
      <text x="\(Int(w / 2))" y="26" font-size="15" text-anchor="middle" font-weight="bold">\(SweepFigure.escape(title))</text>
      <defs><clipPath id="plot"><rect x="\(f(left))" y="\(f(top))" width="\(f(w - left - right))" \
      height="\(f(h - top - bottom))"/></clipPath></defs>
      <rect x="\(f(left))" y="\(f(top))" width="\(f(w - left - right))" height="\(f(h - top - bottom))" fill="none" stroke="#333"/>
      <g clip-path="url(#plot)">

      """
    s += "<polygon points=\"\(band(rows.map(\.lo), rows.map(\.hi)))\" fill=\"#1f77b4\" fill-opacity=\"0.18\"/>\n"
    s += "<polygon points=\"\(band(rows.map(\.loF), rows.map(\.hiF)))\" fill=\"#1f77b4\" fill-opacity=\"0.35\"/>\n"
    s +=
      "<polyline points=\"\(rows.map { "\(f(px($0.x))),\(f(py($0.mean)))" }.joined(separator: " "))\" "
      + "fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"2\"/>\n"
    let truth = rows.map { "\(f(px($0.x))),\(f(py(RegressionCurve.curve($0.x))))" }.joined(separator: " ")
    s += "<polyline points=\"\(truth)\" fill=\"none\" stroke=\"#555\" stroke-width=\"1\" stroke-dasharray=\"4 3\"/>\n"
    for (x, y) in points {
      s += "<circle cx=\"\(f(px(x)))\" cy=\"\(f(py(y)))\" r=\"2.2\" fill=\"#d62728\"/>\n"
    }
    s += "</g>\n"
    var t = (x0 * 5).rounded(.up) / 5
    while t <= x1 + 1e-9 {
      s +=
        "<text x=\"\(f(px(t)))\" y=\"\(f(h - bottom + 18))\" font-size=\"11\" text-anchor=\"middle\">"
        + "\(SweepFigure.number(t))</text>\n"
      t += 0.2
    }
    var u = (y0 * 2).rounded(.up) / 2
    while u <= y1 {
      s +=
        "<text x=\"\(f(left - 6))\" y=\"\(f(py(u) + 4))\" font-size=\"11\" text-anchor=\"end\">"
        + "\(SweepFigure.number(u))</text>\n"
      s += "<line x1=\"\(f(left))\" y1=\"\(f(py(u)))\" x2=\"\(f(w - right))\" y2=\"\(f(py(u)))\" stroke=\"#eee\"/>\n"
      u += 0.5
    }
    s +=
      "<text x=\"\(f((left + w - right) / 2))\" y=\"\(f(h - bottom + 36))\" font-size=\"12\" text-anchor=\"middle\">x</text>\n"
    s +=
      "<text x=\"\(f((left + w - right) / 2))\" y=\"\(f(h - 10))\" font-size=\"11\" fill=\"#333\" "
      + "text-anchor=\"middle\">red: training points; line: predictive mean; dark band: 95% of f; light band: 95% "
      + "predictive; dashed: the noise-free curve</text>\n"
    return s + "</svg>\n"
  }
}
