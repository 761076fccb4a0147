// swift-tools-version: 6.2
// libFuzzer targets for Spar's parsers, one executable per parser. A package of its own, so the root
// package's `swift build` / `swift test` never see the fuzzer flags. Fuzz/run.sh builds and runs them:
//
//   swift build --package-path Fuzz --scratch-path Fuzz/.build -c release \
//     -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library -Xcc -fsanitize=fuzzer-no-link,address
//
// Each target exports `LLVMFuzzerTestOneInput` and defines `<Target>_main` (see FuzzSupport.swift for why it
// does not use libFuzzer's own `main`).
import PackageDescription

let settings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    // The targets have no top-level code and no @main; the entry point is `<Target>_main`.
    .unsafeFlags(["-parse-as-library"]),
]

func fuzzTarget(_ name: String, resources: [Resource]? = nil) -> Target {
    .executableTarget(
        name: name,
        dependencies: [
            "FuzzSupport",
            .product(name: "SparInterchange", package: "Spar"),
            .product(name: "SparCore", package: "Spar"),
        ],
        resources: resources,
        swiftSettings: settings
    )
}

let package = Package(
    name: "SparFuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        // The root package. `name:` keeps the product references below independent of the checkout's folder
        // name (a path dependency's identity is otherwise its last path component: wt-fuzz, main, a CI clone).
        .package(name: "Spar", path: ".."),
    ],
    targets: [
        .target(name: "CLibFuzzer"),
        .target(name: "FuzzSupport", dependencies: ["CLibFuzzer"], swiftSettings: [.swiftLanguageMode(.v6)]),
        fuzzTarget("FuzzEventLine"),
        fuzzTarget("FuzzJSONValue"),
        fuzzTarget("FuzzPlantModel"),
        fuzzTarget("FuzzBlueprint", resources: [.embedInCode("Resources/plant.yaml")]),
        fuzzTarget("FuzzB2MML", resources: [.embedInCode("Resources/plant.yaml")]),
        fuzzTarget("FuzzKPIML"),
        fuzzTarget("FuzzMTConnect"),
        fuzzTarget("FuzzSparkplug"),
        fuzzTarget("FuzzMQTTUMH"),
    ]
)
