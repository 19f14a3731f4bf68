// swift-tools-version:6.0
//
// jvi: evidence estimators (ELBO, IWAE, jackknife variational inference) over one shared
// matrix of log importance weights. No package dependencies: the toolchain, its Foundation,
// Glibc and system libraries only.

import PackageDescription

/// Release builds target AVX2 + FMA. Without `-target-cpu haswell` every SIMD fused
/// multiply-add becomes a per-lane libc call (measured ~130x slower; ../shared/docs/swift-performance.md).
let fastRelease: [SwiftSetting] = [
  .unsafeFlags(["-target-cpu", "haswell"], .when(configuration: .release))
]

let package = Package(
  name: "jvi",
  platforms: [.macOS(.v13)],
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
      name: "JVICore",
      exclude: ["README.md", "LogSpace/fit_exp_polynomial.py"],
      swiftSettings: fastRelease),
    .systemLibrary(
      name: "CZlib",
      path: "Sources/CZlib",
      providers: [.apt(["zlib1g-dev"])]),
    .target(
      name: "JVIModels",
      dependencies: ["JVICore", "CZlib"],
      exclude: ["README.md"],
      swiftSettings: fastRelease),
    .target(
      name: "JVIExperiments",
      dependencies: ["JVICore", "JVIModels"],
      exclude: ["README.md"],
      swiftSettings: fastRelease),
    .target(
      name: "CommandLineSupport",
      exclude: ["README.md"],
      swiftSettings: fastRelease),
    .executableTarget(
      name: "jvi-eval",
      dependencies: ["JVICore", "JVIModels", "JVIExperiments", "CommandLineSupport"],
      swiftSettings: fastRelease),
    .executableTarget(
      name: "jvi-train",
      dependencies: ["JVICore", "JVIModels", "JVIExperiments", "CommandLineSupport"],
      swiftSettings: fastRelease),
    .executableTarget(
      name: "jvi-bench",
      dependencies: ["JVICore", "JVIModels", "JVIExperiments", "CommandLineSupport"],
      swiftSettings: fastRelease),
    .executableTarget(
      name: "jvi-sweep",
      dependencies: ["JVICore", "JVIModels", "JVIExperiments", "CommandLineSupport"],
      swiftSettings: fastRelease),
    .executableTarget(
      name: "jvi-ais",
      dependencies: ["JVICore", "JVIModels", "JVIExperiments", "CommandLineSupport"],
      swiftSettings: fastRelease),
    .executableTarget(
      name: "jvi-fuzz",
      dependencies: ["JVICore", "JVIModels", "JVIExperiments", "CommandLineSupport", "CZlib"],
      swiftSettings: fastRelease),
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
