import JVICore

/// Elapsed times and ETAs as the tools print them: "7.3 s", "42 s", "3 min 05 s", "2 h 07 min";
/// "unknown" for a non-finite time.
public enum DurationText {
  public static func format(_ seconds: Double) -> String {
    guard seconds.isFinite else { return "unknown" }
    let s = Int(seconds.rounded())
    if s < 60 { return seconds < 10 ? "\(compact((seconds * 10).rounded() / 10)) s" : "\(s) s" }
    if s < 3600 { return "\(s / 60) min \(s % 60 < 10 ? "0" : "")\(s % 60) s" }
    return "\(s / 3600) h \(s % 3600 / 60 < 10 ? "0" : "")\(s % 3600 / 60) min"
  }
}
