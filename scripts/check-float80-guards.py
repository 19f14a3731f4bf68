#!/usr/bin/env python3
"""Checks that every use of Float80 in the Swift sources and tests sits under `#if arch(x86_64)`.

Float80 exists on x86 only; the package and its tests must compile on arm64 too (Apple Silicon,
Graviton), as swift-numerics guards its Float80 code. A use is a line that names Float80 outside a
comment, or that calls a declaration which itself sits under such a guard (a Float80 oracle).
Prints each unguarded use as FILE:LINE and exits 1 if there is one. Run by `make test`.
"""
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
DECLARATION = re.compile(r"\b(?:func|enum|struct|class|static let|static var)\s+([A-Za-z_][A-Za-z0-9_]*)")


def code_of(line):
    """The line without its // comment (string literals are rare enough here to ignore)."""
    return line.split("//", 1)[0]


def indentation(line):
    return len(line) - len(line.lstrip(" "))


def guarded_lines(lines):
    """For each line, the indentation of the innermost enclosing `#if arch(x86_64)` branch, or None."""
    stack, result = [], []
    for line in lines:
        s = line.strip()
        if s.startswith("#if"):
            is_guard = "arch(x86_64)" in s and "!" not in s
            stack.append(indentation(line) if is_guard else None)
            result.append(None)
            continue
        if s.startswith("#elseif") or s.startswith("#else"):
            if stack:
                stack[-1] = None
            result.append(None)
            continue
        if s.startswith("#endif"):
            if stack:
                stack.pop()
            result.append(None)
            continue
        guards = [g for g in stack if g is not None]
        result.append(guards[-1] if guards else None)
    return result


def main():
    files = sorted(p for d in ("Sources", "Tests") for p in (ROOT / d).rglob("*.swift"))
    parsed = {}
    guarded_names = {}
    for path in files:
        lines = path.read_text(encoding="utf-8").split("\n")
        guard = guarded_lines(lines)
        parsed[path] = (lines, guard)
        for line, g in zip(lines, guard):
            # A declaration the guard wraps directly (not a member of a guarded type, which is
            # reached through that type's name).
            if g is not None and indentation(line) == g:
                for name in DECLARATION.findall(code_of(line)):
                    guarded_names.setdefault(name, set()).add(path)
    # A guarded name is checked where it is used: public ones everywhere (the oracles in
    # _TestSupport), others in their own file.
    problems = []
    for path, (lines, guard) in parsed.items():
        for number, (line, g) in enumerate(zip(lines, guard), start=1):
            if g is not None:
                continue
            code = code_of(line)
            if re.search(r"\bFloat80\b", code):
                problems.append(f"{path.relative_to(ROOT)}:{number}: Float80 outside #if arch(x86_64)")
                continue
            for name, where in guarded_names.items():
                if not re.search(r"(?<![.\w])" + name + r"\s*[(.]", code) and not re.search(
                    r"(?<!\w)Self\." + name + r"\b", code
                ):
                    continue
                declared_here = path in where
                public = any("_TestSupport" in str(p) for p in where)
                if (public or declared_here) and not DECLARATION.search(code):
                    problems.append(f"{path.relative_to(ROOT)}:{number}: uses {name}, declared under #if arch(x86_64)")
                    break
    for p in problems:
        print(p)
    if problems:
        print(f"check-float80-guards: {len(problems)} unguarded uses", file=sys.stderr)
        return 1
    print(f"check-float80-guards: every Float80 use in {len(files)} files is guarded")
    return 0


if __name__ == "__main__":
    sys.exit(main())
