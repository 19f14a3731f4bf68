#!/usr/bin/env bash
# Builds libjvi.so, jvi's C interface (Sources/JVIC/jvi.h) for the Python package:
#
#   scripts/build-libjvi.sh OUTPUT_DIR
#
# SWIFT_BUILD_FLAGS replaces the build flags (default: -c release; make test-python passes the
# test build's, so that the objects of make test are reused).
# SwiftPM cannot link the Swift runtime statically into a dynamic library product
# (swift-package-manager #8198), so this compiles the targets with `swift build -c release` and
# links their object files with `swiftc -emit-library -static-stdlib`: the runtime is inside,
# only jvi_* is exported (Sources/JVIC/exports.map) and the library needs no Swift toolchain
# where it runs. Writes OUTPUT_DIR/libjvi.so and OUTPUT_DIR/jvi.h.
set -euo pipefail
out=${1:?usage: scripts/build-libjvi.sh OUTPUT_DIR}
mkdir -p "$out" && out=$(cd "$out" && pwd)
cd "$(dirname "$0")/.."
for dir in /opt/swift/usr/bin; do [ -x "$dir/swift" ] && PATH="$dir:$PATH"; done
command -v swift >/dev/null || { echo "build-libjvi: building jvi needs the Swift toolchain (swift.org/install), which is not on PATH" >&2; exit 1; }
read -r -a flags <<< "${SWIFT_BUILD_FLAGS:--c release}"
swift build "${flags[@]}" --target JVIC >&2
bin=$(swift build "${flags[@]}" --show-bin-path)
# The objects of each module's current sources only (a file moved to another module leaves its old
# object behind in the build folder, which must not be linked).
objects=()
for module in CJVIKernels JVICore JVIModels JVIExperiments JVIC; do
  while IFS= read -r source; do
    object="$bin/$module.build/$(basename "$source").o"
    [ -f "$object" ] || { echo "build-libjvi: no object $object for $source" >&2; exit 1; }
    objects+=("$object")
  done < <(find "Sources/$module" -name '*.swift' -o -name '*.c' | sort)
done
swiftc -emit-library -static-stdlib -o "$out/libjvi.so.tmp" "${objects[@]}" -lz \
  -Xlinker --version-script="$PWD/Sources/JVIC/exports.map" -Xlinker -s
mv "$out/libjvi.so.tmp" "$out/libjvi.so"
cp Sources/JVIC/jvi.h "$out/jvi.h"
echo "build-libjvi: wrote $out/libjvi.so" >&2
