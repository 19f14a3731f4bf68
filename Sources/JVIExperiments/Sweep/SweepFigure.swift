#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The sweep's figure as SVG: |bias|, Monte Carlo variance and MSE against K on log-log axes, one
/// line per estimator in a colour of its own (the same in every figure; an estimator with other
/// parameters is dashed in its family's colour). A filled marker is a bias more than two standard
/// errors from zero; a hollow one is not distinguishable from zero. Points that are 0 or below
/// (nothing to draw on a log axis; an MSE corrected for the reference's noise can be) are left out.
public struct SweepFigure {
  public var title: String
  public var subtitle: String
  public var rows: [SweepRow]

  public init(title: String, subtitle: String, rows: [SweepRow]) {
    self.title = title
    self.subtitle = subtitle
    self.rows = rows
  }

  /// One colour per estimator, the same in every figure (`EstimatorRegistry.colour(of:)`); a
  /// label with parameters ("vr:alpha=-1") takes its estimator's colour.
  static func color(_ label: String) -> String { EstimatorRegistry.colour(of: label) }
  static let plotWidth = 330.0, plotHeight = 290.0, top = 78.0, left = 78.0, gap = 96.0
  static let legendColumns = 6, legendItemWidth = 150.0, legendRowHeight = 20.0

  struct Series {
    var label: String
    var points: [(k: Double, y: Double, filled: Bool)]
  }

  /// The series of one panel, in the order estimators first appear in the rows.
  func series(_ value: (SweepRow) -> (Double, Bool)) -> [Series] {
    var labels: [String] = []
    for r in rows {
      let label = EstimatorRegistry.word(estimator: r.estimator, order: r.order)
      if !labels.contains(label) { labels.append(label) }
    }
    return labels.map { label in
      let points = rows.filter { EstimatorRegistry.word(estimator: $0.estimator, order: $0.order) == label }
        .sorted { $0.k < $1.k }
        .compactMap { r -> (k: Double, y: Double, filled: Bool)? in
          let (y, filled) = value(r)
          return y > 0 && y.isFinite ? (Double(r.k), y, filled) : nil
        }
      return Series(label: label, points: points)
    }
  }

  public var svg: String {
    let biasSeries = series { (abs($0.statistics.bias), abs($0.statistics.bias) > 2 * $0.statistics.biasStandardError) }
    let varianceSeries = series { ($0.statistics.variance, true) }
    let mseSeries = series { ($0.statistics.meanSquaredError, true) }
    let ks = rows.map { Double($0.k) }
    let kRange = (ks.min() ?? 1, max(ks.max() ?? 2, (ks.min() ?? 1) * 2))
    let width = Self.left + 3 * Self.plotWidth + 2 * Self.gap + 40
    let legendRows = (biasSeries.count + Self.legendColumns - 1) / Self.legendColumns
    let height = Self.top + Self.plotHeight + 100 + Double(legendRows) * Self.legendRowHeight
    var out = """
      <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" \
      viewBox="0 0 \(Int(width)) \(Int(height))" font-family="DejaVu Sans, Helvetica, Arial, sans-serif">
      <rect width="100%" height="100%" fill="white"/>
      <text x="\(Int(width / 2))" y="26" font-size="16" text-anchor="middle" font-weight="bold">\(Self.escape(title))</text>
      <text x="\(Int(width / 2))" y="46" font-size="11" text-anchor="middle" fill="#444">\(Self.escape(subtitle))</text>

      """
    let step = Self.plotWidth + Self.gap
    out += panel(
      x: Self.left, series: biasSeries, kRange: kRange, yLabel: "|bias| of the log p(x) estimate (nats)",
      caption: "|bias| = |E[estimate] \u{2212} log p(x)|, mean over instances")
    out += panel(
      x: Self.left + step, series: varianceSeries, kRange: kRange,
      yLabel: "variance (nats\u{00B2})", caption: "Monte Carlo variance per instance, mean over instances")
    out += panel(
      x: Self.left + 2 * step, series: mseSeries, kRange: kRange, yLabel: "MSE (nats\u{00B2})",
      caption: "mean squared error per instance, mean over instances")
    out += legend(labels: biasSeries.map(\.label), y: Self.top + Self.plotHeight + 78, width: width)
    out += "</svg>\n"
    return out
  }

  func panel(x: Double, series: [Series], kRange: (Double, Double), yLabel: String, caption: String) -> String {
    let ys = series.flatMap { $0.points.map(\.y) }
    var lo = floor(log10(ys.min() ?? 1e-3)), hi = ceil(log10(ys.max() ?? 1))
    if hi <= lo { hi = lo + 1 }
    if hi - lo > 16 { lo = hi - 16 }
    let (k0, k1) = (log2(kRange.0), log2(kRange.1))
    func px(_ k: Double) -> Double { x + (log2(k) - k0) / (k1 - k0) * Self.plotWidth }
    func py(_ y: Double) -> Double {
      Self.top + Self.plotHeight - (max(log10(y), lo) - lo) / (hi - lo) * Self.plotHeight
    }
    let f = Self.number
    var s = "<g>\n"
    s +=
      "<rect x=\"\(f(x))\" y=\"\(f(Self.top))\" width=\"\(f(Self.plotWidth))\" height=\"\(f(Self.plotHeight))\" "
      + "fill=\"none\" stroke=\"#333\"/>\n"
    // Decade grid and labels on y.
    let yStep = hi - lo > 8 ? 2.0 : 1.0
    var e = lo
    while e <= hi {
      let y = py(pow(10, e))
      s += "<line x1=\"\(f(x))\" y1=\"\(f(y))\" x2=\"\(f(x + Self.plotWidth))\" y2=\"\(f(y))\" stroke=\"#ddd\"/>\n"
      s +=
        "<text x=\"\(f(x - 6))\" y=\"\(f(y + 4))\" font-size=\"11\" text-anchor=\"end\">10<tspan dy=\"-6\" "
        + "font-size=\"8\">\(Int(e))</tspan></text>\n"
      e += yStep
    }
    // Powers of two on K.
    let kTicks = stride(from: ceil(k0), through: floor(k1), by: 1.0).map { $0 }
    let kStep = kTicks.count > 12 ? 2 : 1
    for (i, t) in kTicks.enumerated() where i % kStep == 0 {
      let xx = px(pow(2, t))
      s +=
        "<line x1=\"\(f(xx))\" y1=\"\(f(Self.top))\" x2=\"\(f(xx))\" y2=\"\(f(Self.top + Self.plotHeight))\" "
        + "stroke=\"#eee\"/>\n"
      s +=
        "<text x=\"\(f(xx))\" y=\"\(f(Self.top + Self.plotHeight + 16))\" font-size=\"11\" text-anchor=\"middle\">"
        + "\(Int(pow(2, t)))</text>\n"
    }
    s +=
      "<text x=\"\(f(x + Self.plotWidth / 2))\" y=\"\(f(Self.top + Self.plotHeight + 36))\" font-size=\"12\" "
      + "text-anchor=\"middle\">K (samples per estimate)</text>\n"
    s +=
      "<text x=\"\(f(x + Self.plotWidth / 2))\" y=\"\(f(Self.top - 10))\" font-size=\"11\" text-anchor=\"middle\" "
      + "fill=\"#444\">\(Self.escape(caption))</text>\n"
    let yMid = Self.top + Self.plotHeight / 2
    s +=
      "<text x=\"\(f(x - 50))\" y=\"\(f(yMid))\" font-size=\"12\" text-anchor=\"middle\" "
      + "transform=\"rotate(-90 \(f(x - 50)) \(f(yMid)))\">\(Self.escape(yLabel))</text>\n"
    for series in series {
      let color = Self.color(series.label)
      if series.points.count >= 2 {
        let path = series.points.map { "\(f(px($0.k))),\(f(py($0.y)))" }.joined(separator: " ")
        s +=
          "<polyline points=\"\(path)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.6\"\(Self.dash(series.label))/>\n"
      }
      for p in series.points {
        let fill = p.filled ? color : "white"
        s +=
          "<circle cx=\"\(f(px(p.k)))\" cy=\"\(f(py(p.y)))\" r=\"3.2\" fill=\"\(fill)\" stroke=\"\(color)\" "
          + "stroke-width=\"1.4\"/>\n"
      }
    }
    return s + "</g>\n"
  }

  func legend(labels: [String], y: Double, width: Double) -> String {
    let columns = min(Self.legendColumns, max(labels.count, 1))
    let left = (width - Double(columns) * Self.legendItemWidth) / 2
    let f = Self.number
    var s = "<g font-size=\"12\">\n"
    for (i, label) in labels.enumerated() {
      let x = left + Double(i % columns) * Self.legendItemWidth
      let yy = y + Double(i / columns) * Self.legendRowHeight
      let color = Self.color(label)
      s +=
        "<line x1=\"\(f(x))\" y1=\"\(f(yy))\" x2=\"\(f(x + 22))\" y2=\"\(f(yy))\" stroke=\"\(color)\" "
        + "stroke-width=\"2\"\(Self.dash(label))/>\n"
      s += "<circle cx=\"\(f(x + 11))\" cy=\"\(f(yy))\" r=\"3.2\" fill=\"\(color)\"/>\n"
      s += "<text x=\"\(f(x + 28))\" y=\"\(f(yy + 4))\">\(Self.escape(label))</text>\n"
    }
    let rows = (labels.count + columns - 1) / columns
    s +=
      "<text x=\"\(f(width / 2))\" y=\"\(f(y + Double(rows) * Self.legendRowHeight + 8))\" font-size=\"10\" "
      + "text-anchor=\"middle\" fill=\"#555\">filled marker: |bias| &gt; 2 standard errors; hollow: within 2 SE of "
      + "zero</text>\n"
    return s + "</g>\n"
  }

  /// ELBO-B is dashed and delta dotted, so they stay visible where they coincide with ELBO-A or JVI;
  /// an estimator with non-default parameters is dashed in its family's colour.
  static func dash(_ label: String) -> String {
    if label == "elbo-b" || label.contains(":") { return " stroke-dasharray=\"7 4\"" }
    if label == "delta" { return " stroke-dasharray=\"2 3\"" }
    return ""
  }

  /// Coordinates with two decimals.
  static func number(_ x: Double) -> String {
    let r = (x * 100).rounded() / 100
    return r == r.rounded() ? String(Int(r)) : String(describing: r)
  }

  static func escape(_ s: String) -> String {
    var out = ""
    for c in s {
      switch c {
      case "&": out += "&amp;"
      case "<": out += "&lt;"
      case ">": out += "&gt;"
      case "\"": out += "&quot;"
      default: out.append(c)
      }
    }
    return out
  }
}
