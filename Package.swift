// swift-tools-version: 6.2
import PackageDescription

let strict: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .treatAllWarnings(as: .error),
]

let package = Package(
    name: "Spar",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "spar", targets: ["spar"]),
        .library(name: "SparCore", targets: ["SparCore"]),
        .library(name: "SparEngine", targets: ["SparEngine"]),
        .library(name: "SparInterchange", targets: ["SparInterchange"]),
        .library(name: "SparCSV", targets: ["SparCSV"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: ["FullFoundation"]),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/yaslab/CSV.swift", from: "2.5.2"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    ],
    targets: [
        .target(name: "SparCore", swiftSettings: strict),
        .target(
            name: "SparLedgerIntegrity",
            dependencies: ["SparCore", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strict
        ),
        .target(name: "SparStorage", dependencies: ["SparCore", "SparLedgerIntegrity"], swiftSettings: strict),
        .target(
            name: "SparSQLite",
            dependencies: [
                "SparCore", "SparStorage", "SparLedgerIntegrity", .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "SparPostgres",
            dependencies: [
                "SparCore", "SparStorage", "SparLedgerIntegrity", .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "SparInterchange",
            dependencies: [
                "SparCore", .product(name: "Yams", package: "Yams"), .product(name: "CSV", package: "CSV.swift"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            exclude: ["Sparkplug/sparkplug_b.proto"],
            swiftSettings: strict
        ),
        .systemLibrary(name: "CMosquitto", pkgConfig: "libmosquitto", providers: [.apt(["libmosquitto-dev"])]),
        .target(
            name: "SparConnectors",
            dependencies: [
                "SparCore", "SparStorage", "SparInterchange", "SparEngine", "CMosquitto",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "SparCSV",
            dependencies: [
                "SparCore", "SparInterchange", .product(name: "Yams", package: "Yams"),
                .product(name: "CSV", package: "CSV.swift"), .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "SparEngine",
            dependencies: [
                "SparCore", "SparStorage", "SparInterchange", "SparLedgerIntegrity",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "SparGovernance",
            dependencies: [
                "SparCore", "SparStorage", "SparInterchange", "SparEngine",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "SparQualification",
            dependencies: [
                "SparCore", "SparStorage", "SparSQLite", "SparLedgerIntegrity", "SparInterchange", "SparEngine",
                "SparGovernance", .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            resources: [.embedInCode("Resources/kpi-cases")],
            swiftSettings: strict
        ),
        .target(name: "SparDemo", dependencies: ["SparCore"], swiftSettings: strict),
        .target(
            name: "SparServer",
            dependencies: [
                "SparCore", "SparStorage", "SparSQLite", "SparPostgres", "SparInterchange", "SparEngine", "SparDemo",
                "SparGovernance", "SparCSV", "SparConnectors",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [
                .embedInCode("Resources/openapi.json"),
                .embedInCode("Resources/templates"),
                .embedInCode("Resources/assets"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "SparCLI",
            dependencies: [
                "SparCore", "SparStorage", "SparSQLite", "SparPostgres", "SparInterchange", "SparEngine", "SparDemo",
                "SparLedgerIntegrity", "SparServer", "SparGovernance", "SparQualification", "SparCSV", "SparConnectors",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "spar",
            dependencies: ["SparCLI", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: strict
        ),
        .target(
            name: "SparTestSupport",
            dependencies: ["SparCore", "SparStorage"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "SparCoreTests",
            dependencies: ["SparCore", "SparInterchange", "SparTestSupport"],
            resources: [.copy("Resources")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "SparInterchangeTests",
            dependencies: ["SparInterchange", "SparCore"],
            resources: [.copy("Resources")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "SparConnectorsTests",
            dependencies: [
                "SparConnectors", "SparInterchange", "SparCore", "SparStorage", "SparSQLite", "SparEngine", "SparTestSupport",
                "SparServer", "spar", .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"), .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            resources: [.copy("Resources")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "SparCSVTests",
            dependencies: ["SparCSV", "SparCore", "SparInterchange"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "SparEngineTests",
            dependencies: [
                "SparCore", "SparStorage", "SparSQLite", "SparPostgres", "SparInterchange", "SparEngine", "SparDemo", "SparTestSupport",
                "SparLedgerIntegrity",
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "SparBlueprintTests",
            dependencies: ["SparCore", "SparInterchange", "SparEngine", "SparStorage", "SparDemo", "SparTestSupport"],
            resources: [.copy("Resources")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "SparCLITests",
            dependencies: ["SparCLI", "spar", "SparCore", "SparTestSupport", "SparConnectors"],
            resources: [.copy("Resources")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "SparServerTests",
            dependencies: [
                "SparServer", "SparGovernance", "SparCore", "SparStorage", "SparSQLite", "SparPostgres", "SparInterchange",
                "SparEngine", "SparDemo", "SparTestSupport", "SparCSV", .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "SparGovernanceTests",
            dependencies: [
                "SparGovernance", "SparCore", "SparStorage", "SparSQLite", "SparInterchange", "SparEngine",
                "SparTestSupport", "SparLedgerIntegrity", .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "SparIntegrityTests",
            dependencies: [
                "SparLedgerIntegrity", "SparQualification", "SparStorage", "SparSQLite", "SparCore", "spar",
                .product(name: "Crypto", package: "swift-crypto"), .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "SparQualificationTests",
            dependencies: ["SparQualification", "SparLedgerIntegrity", "SparCore"],
            swiftSettings: strict
        ),
    ]
)
