#!/usr/bin/env bash
# Shows that another package can depend on a tagged jvi as a versioned dependency and call an
# estimator: a throwaway clone of this repository's HEAD is tagged 1.0.0, and a throwaway package
# with `.package(url: "file://…", from: "1.0.0")` builds against JVICore, with no flags (`swift
# build -c release`, as its author would), and runs. (SwiftPM refuses a dependency whose targets
# carry unsafe flags; jvi sets none: its kernels choose AVX2 or the baseline when they run.)
# Everything happens in a temporary folder, which is removed at the end.
#
#   scripts/check-dependency.sh [--tools DIR]
#
# With --tools DIR, the client also builds jvi's tools as products of its dependency (so they are
# compiled exactly as a dependent package compiles jvi) and copies them into DIR, for the speed
# comparison of the build routes (docs/performance.md).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
tools=""
if [ "${1:-}" = "--tools" ]; then
  tools=$(mkdir -p "$2" && cd "$2" && pwd)
fi
export PATH="/opt/swift/usr/bin:$PATH"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

git clone -q "$top" "$work/jvi"
git -C "$work/jvi" tag 1.0.0

mkdir -p "$work/client/Sources/client"
cat > "$work/client/Package.swift" <<SWIFT
// swift-tools-version:6.0
import PackageDescription

let package = Package(
  name: "client",
  dependencies: [.package(url: "file://$work/jvi", from: "1.0.0")],
  targets: [
    .executableTarget(name: "client", dependencies: [.product(name: "JVICore", package: "jvi")])
  ]
)
SWIFT
cat > "$work/client/Sources/client/main.swift" <<'SWIFT'
import JVICore

// IWAE and first-order JVI of one row of five log-weights.
let matrix = try LogWeightMatrix(rows: [[-3, -1, 0, -2, -5]])
let workspace = EstimatorWorkspace()
for estimator in [try IWAE() as any BoundEstimator, try Jackknife(order: 1)] {
  let value = try estimator.evaluate(matrix, workspace: workspace).estimates[0]
  print("\(estimator.name) \(estimator.order) \(value)")
}
SWIFT

cd "$work/client"
swift build -c release 2>&1 | tail -3
output=$(.build/release/client)
echo "$output"
# 40-digit values: IWAE = log(mean(exp(row))) and JVI-1 = 5·IWAE_5 − 4·(mean of the five IWAE_4).
echo "$output" | awk '
  $1 == "iwae" { d = $3 + 1.164918938568468622743834619521266513; if (d < 0) d = -d; ok += (d < 1e-15) }
  $1 == "jvi" { d = $3 + 0.920420300778135196005097107441978929; if (d < 0) d = -d; ok += (d < 1e-15) }
  END { exit ok == 2 ? 0 : 1 }' || { echo "check-dependency: the estimates differ from the 40-digit values"; exit 1; }
echo "check-dependency: a package depending on jvi 1.0.0 (from: \"1.0.0\") built and ran JVICore's estimators"
if [ -n "$tools" ]; then
  for product in jvi-eval jvi-train jvi-ais jvi-bench; do
    swift build -c release --product "$product" 2>&1 | tail -1
    cp ".build/release/$product" "$tools/"
  done
  echo "check-dependency: jvi's tools as built by a dependent package are in $tools"
fi
