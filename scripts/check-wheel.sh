#!/usr/bin/env bash
# make wheel-check: installs the newest dist/jvi-*-py3-none-*.whl into a new virtual environment
# in an environment with no Swift on PATH and no LD_LIBRARY_PATH, checks that libjvi.so needs no
# Swift library, and runs the package's tests against the installed wheel (jvi-eval, for the bit
# comparisons, is the repository's build; torch and jax are not installed, so their tests skip).
set -euo pipefail
cd "$(dirname "$0")/.."
wheel=$(ls -t dist/jvi-*-py3-none-*.whl | head -1)
root=$PWD
venv=$root/.build/wheel-check
rm -rf "$venv"
clean=(env -i "HOME=$HOME" PATH=/usr/local/bin:/usr/bin:/bin LANG=C.UTF-8)
if "${clean[@]}" sh -c 'command -v swift swiftc' >/dev/null; then
  echo "wheel-check: a Swift toolchain is on the clean PATH; the check would prove nothing" >&2
  exit 1
fi
"${clean[@]}" python3 -m venv "$venv"
"${clean[@]}" "$venv/bin/pip" install --quiet "$wheel" scipy pytest
library=$("${clean[@]}" "$venv/bin/python" -c \
  "import jvi, pathlib; print(pathlib.Path(jvi.__file__).parent / 'lib' / 'libjvi.so')")
case "$library" in "$venv"/*) ;; *) echo "wheel-check: jvi was imported from $library, not the wheel" >&2; exit 1 ;; esac
if ldd "$library" | grep -i -e swift -e 'not found'; then
  echo "wheel-check: $library needs a library the wheel does not carry" >&2
  exit 1
fi
"${clean[@]}" "$venv/bin/python" -c "import jvi; print('wheel-check: jvi', jvi.__version__, '-', jvi.library_version())"
rm -rf "$venv/tests" && cp -r python/tests "$venv/tests"
cd "$venv"
"${clean[@]}" "JVI_EVAL=$root/.build/release/jvi-eval" bin/python -m pytest -q -p no:cacheprovider tests
