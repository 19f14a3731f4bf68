/// `--help` text in fixed sections: OVERVIEW, USAGE, OPTIONS, EXAMPLES.
extension CommandSpec {
  static let width = 80
  static let optionColumn = 26

  public var helpText: String {
    var out = "OVERVIEW: " + CommandSpec.wrap(overview, width: CommandSpec.width, indent: 10, firstIndent: 10) + "\n\n"
    out += "USAGE: " + CommandSpec.wrapUsage(usage) + "\n"
    for section in sections {
      out += "\n" + (section.title.isEmpty ? "OPTIONS:" : section.title.uppercased() + " OPTIONS:") + "\n"
      for o in options where o.section == section { out += CommandSpec.helpLine(o) }
      if section == .general {
        out += CommandSpec.helpLine(Flag("--help", help: "Show this help and exit."))
        if version != nil {
          out += CommandSpec.helpLine(
            Flag("--version", help: "Show the version, the build and the kernels' instruction set, and exit."))
        }
      }
    }
    if !examples.isEmpty {
      out += "\nEXAMPLES:\n"
      for e in examples {
        out += "  " + CommandSpec.wrap(e.explanation, width: CommandSpec.width, indent: 2, firstIndent: 2) + "\n"
        out += "    $ " + e.command + "\n\n"
      }
      out.removeLast()
    }
    return out
  }

  /// One option's entry: name and placeholder, then its help and "(values: …; default: …;
  /// range: …)" wrapped in the help column.
  static func helpLine(_ o: any OptionDeclaration) -> String {
    var out = ""
    var left = "  " + (o.name == "--help" ? "-h, --help" : o.name)
    if let v = o.valueName { left += " " + v }
    var text = o.help
    if !o.notes.isEmpty { text += " (" + o.notes.joined(separator: "; ") + ")" }
    if left.count + 2 > CommandSpec.optionColumn {
      out += left + "\n" + String(repeating: " ", count: CommandSpec.optionColumn)
    } else {
      out += left + String(repeating: " ", count: CommandSpec.optionColumn - left.count)
    }
    out +=
      CommandSpec.wrap(
        text, width: CommandSpec.width, indent: CommandSpec.optionColumn, firstIndent: CommandSpec.optionColumn)
      + "\n"
    return out
  }

  /// A usage line wrapped at 80 columns between bracketed groups, continuation lines aligned
  /// after the tool name.
  static func wrapUsage(_ line: String) -> String {
    var groups: [String] = []
    var current = "", depth = 0
    for ch in line {
      if ch == " " && depth == 0 {
        if !current.isEmpty { groups.append(current) }
        current = ""
        continue
      }
      if ch == "[" { depth += 1 }
      if ch == "]" { depth -= 1 }
      current.append(ch)
    }
    if !current.isEmpty { groups.append(current) }
    guard let tool = groups.first else { return line }
    let indent = 7 + tool.count + 1
    var out = tool, column = indent
    for g in groups.dropFirst() {
      if column + 1 + g.count > width {
        out += "\n" + String(repeating: " ", count: indent) + g
        column = indent + g.count
      } else {
        out += " " + g
        column += 1 + g.count
      }
    }
    return out
  }

  /// Greedy word wrap; `firstIndent` is the column where the first line starts.
  static func wrap(_ text: String, width: Int, indent: Int, firstIndent: Int) -> String {
    var lines: [String] = []
    var current = ""
    var column = firstIndent
    for word in text.split(separator: " ", omittingEmptySubsequences: true) {
      if !current.isEmpty && column + 1 + word.count > width {
        lines.append(current)
        current = String(word)
        column = indent + word.count
      } else {
        if !current.isEmpty {
          current += " "
          column += 1
        }
        current += word
        column += word.count
      }
    }
    lines.append(current)
    return lines.joined(separator: "\n" + String(repeating: " ", count: indent))
  }
}
