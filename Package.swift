// swift-tools-version:6.0
//
// jvi: evidence estimators (ELBO, IWAE, jackknife variational inference) over one shared
// matrix of log importance weights. No package dependencies: the toolchain, its Foundation,
// Glibc and system libraries only.
//
// Platforms: built and tested on Linux x86-64. The library sources use only the C library
// through `canImport(Glibc)`/`canImport(Darwin)`; the tests' extended-precision oracles use
// Float80, which exists on x86 only, under `#if arch(x86_64)` (checked by
// scripts/check-float80-guards.py), so that the package and its tests compile on arm64.
//
// Speed: the hot kernels live in a small C target (CJVIKernels) compiled once per instruction set
// (AVX-512, AVX2 + FMA, and the baseline) and chosen when the program runs, so a plain
// `swift build -c release`, `make release` and a package that depends on jvi run the same code at
// the same speed, with no flags; JVI_CPU=baseline forces the baseline (docs/performance.md).

import PackageDescription

let package = Package(
  name: "jvi",
  products: [
    .library(name: "JVICore", targets: ["JVICore"]),
    .library(name: "JVIModels", targets: ["JVIModels"]),
    .library(name: "JVIExperiments", targets: ["JVIExperiments"]),
    .library(name: "CommandLineSupport", targets: ["CommandLineSupport"]),
    .executable(name: "jvi-eval", targets: ["jvi-eval"]),
    .executable(name: "jvi-train", targets: ["jvi-train"]),
    .executable(name: "jvi-bench", targets: ["jvi-bench"]),
    .executable(name: "jvi-sweep", targets: ["jvi-sweep"]),
    .executable(name: "jvi-ais", targets: ["jvi-ais"]),
    .executable(name: "jvi-fuzz", targets: ["jvi-fuzz"]),
  ],
  targets: [
    .target(
      name: "CJVIKernels",
      exclude: ["README.md"]),
    .target(
      name: "JVICore",
      dependencies: ["CJVIKernels"],
      exclude: ["README.md", "LogSpace/fit_exp_polynomial.py"]),
    .systemLibrary(
      name: "CZlib",
      path: "Sources/CZlib",
      providers: [.apt(["zlib1g-dev"])]),
    .target(
      name: "JVIModels",
      dependencies: ["JVICore", "CJVIKernels", "CZlib"],
      exclude: ["README.md"]),
    .target(
      name: "JVIExperiments",
      dependencies: ["JVICore", "JVIModels"],
      exclude: ["README.md"]),
    .target(
      name: "CommandLineSupport",
      exclude: ["README.md"]),
    // The C interface (jvi.h) that the Python package loads: scripts/build-libjvi.sh links it
    // with the Swift runtime into one libjvi.so that exports jvi_* only.
    .target(
      name: "JVIC",
      dependencies: ["JVICore", "JVIModels", "JVIExperiments"],
      exclude: ["README.md", "jvi.h", "exports.map"]),
    .executableTarget(
      name: "jvi-eval",
      dependencies: ["JVICore", "JVIModels", "JVIExperiments", "CommandLineSupport"]),
    .executableTarget(
      name: "jvi-train",
      dependencies: ["JVICore", "JVIModels", "JVIExperiments", "CommandLineSupport"]),
    .executableTarget(
      name: "jvi-bench",
      dependencies: ["JVICore", "JVIModels", "JVIExperiments", "CommandLineSupport"]),
    .executableTarget(
      name: "jvi-sweep",
      dependencies: ["JVICore", "JVIModels", "JVIExperiments", "CommandLineSupport"]),
    .executableTarget(
      name: "jvi-ais",
      dependencies: ["JVICore", "JVIModels", "JVIExperiments", "CommandLineSupport"]),
    .executableTarget(
      name: "jvi-fuzz",
      dependencies: ["JVICore", "JVIModels", "JVIExperiments", "CommandLineSupport", "CZlib"]),
    .target(
      name: "_TestSupport",
      dependencies: ["JVICore"],
      path: "Tests/_TestSupport"),
    .testTarget(
      name: "JVICoreTests",
      dependencies: ["JVICore", "_TestSupport"],
      resources: [.copy("Fixtures")]),
    .testTarget(
      name: "JVIModelsTests",
      dependencies: ["JVIModels", "JVICore", "CZlib", "_TestSupport"]),
    .testTarget(
      name: "JVIExperimentsTests",
      dependencies: ["JVIExperiments", "JVIModels", "JVICore", "_TestSupport"]),
    .testTarget(
      name: "CommandLineSupportTests",
      dependencies: ["CommandLineSupport"]),
    .testTarget(
      name: "ToolTests",
      dependencies: [
        "jvi-eval", "jvi-sweep", "jvi-train", "jvi-ais", "jvi-fuzz", "JVICore", "JVIExperiments", "_TestSupport",
      ],
      resources: [.copy("Golden"), .copy("FuzzRegressions")]),
  ]
)
