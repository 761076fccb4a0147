import Foundation
import SparCore
import SparEngine
import SparInterchange
import SparLedgerIntegrity
import SparSQLite
import SparStorage

/// A hand-computed KPI reference case: a plant model, events, a query and the expected values with their
/// arithmetic. The built-in ones are compiled into the binary, so the OQ needs no files.
public struct ReferenceCase: Sendable, Hashable {
    /// The case name, e.g. `p01-press-four-hours`.
    public var name: String
    /// `plant.yaml`.
    public var plantYAML: String
    /// `events.jsonl`.
    public var eventsJSONL: String
    /// `query.json`: scope, from, to and optionally shift.
    public var queryJSON: String
    /// `expected.json`: `elements` and `kpis`, numbers or null.
    public var expectedJSON: String
    /// `README.md`: how the expected values were worked out by hand.
    public var derivation: String

    /// A case from its texts.
    public init(
        name: String, plantYAML: String, eventsJSONL: String, queryJSON: String, expectedJSON: String,
        derivation: String
    ) {
        self.name = name
        self.plantYAML = plantYAML
        self.eventsJSONL = eventsJSONL
        self.queryJSON = queryJSON
        self.expectedJSON = expectedJSON
        self.derivation = derivation
    }

    /// The reference cases of Spar's test suite, as built into this binary.
    public static let builtIn: [ReferenceCase] = [
        ReferenceCase(
            name: "p01-press-four-hours", plant: PackageResources.p01_press_four_hours_plant_yaml,
            events: PackageResources.p01_press_four_hours_events_jsonl,
            query: PackageResources.p01_press_four_hours_query_json,
            expected: PackageResources.p01_press_four_hours_expected_json,
            readme: PackageResources.p01_press_four_hours_README_md),
        ReferenceCase(
            name: "p02-nulls-and-mttr", plant: PackageResources.p02_nulls_and_mttr_plant_yaml,
            events: PackageResources.p02_nulls_and_mttr_events_jsonl, query: PackageResources.p02_nulls_and_mttr_query_json,
            expected: PackageResources.p02_nulls_and_mttr_expected_json, readme: PackageResources.p02_nulls_and_mttr_README_md),
        ReferenceCase(
            name: "s01-dst-night-shift", plant: PackageResources.s01_dst_night_shift_plant_yaml,
            events: PackageResources.s01_dst_night_shift_events_jsonl, query: PackageResources.s01_dst_night_shift_query_json,
            expected: PackageResources.s01_dst_night_shift_expected_json,
            readme: PackageResources.s01_dst_night_shift_README_md),
        ReferenceCase(
            name: "s02-rollup-one-shift", plant: PackageResources.s02_rollup_one_shift_plant_yaml,
            events: PackageResources.s02_rollup_one_shift_events_jsonl,
            query: PackageResources.s02_rollup_one_shift_query_json,
            expected: PackageResources.s02_rollup_one_shift_expected_json,
            readme: PackageResources.s02_rollup_one_shift_README_md),
        ReferenceCase(
            name: "s03-kpi2-worked-example", plant: PackageResources.s03_kpi2_worked_example_plant_yaml,
            events: PackageResources.s03_kpi2_worked_example_events_jsonl,
            query: PackageResources.s03_kpi2_worked_example_query_json,
            expected: PackageResources.s03_kpi2_worked_example_expected_json,
            readme: PackageResources.s03_kpi2_worked_example_README_md),
    ]

    init(name: String, plant: [UInt8], events: [UInt8], query: [UInt8], expected: [UInt8], readme: [UInt8]) {
        self.init(
            name: name, plantYAML: String(decoding: plant, as: UTF8.self), eventsJSONL: String(decoding: events, as: UTF8.self),
            queryJSON: String(decoding: query, as: UTF8.self), expectedJSON: String(decoding: expected, as: UTF8.self),
            derivation: String(decoding: readme, as: UTF8.self))
    }
}

extension OQCatalogue {
    /// Maximum absolute difference between an expected and a computed value.
    public static let kpiTolerance = 1e-9

    /// OQ-01: the KPI reference cases, each ingested into its own scratch SQLite ledger and computed from it.
    public static func referenceCases(_ cases: [ReferenceCase] = ReferenceCase.builtIn) -> OQCheck {
        OQCheck(
            id: "OQ-01", title: "KPI reference cases reproduce hand-computed values",
            requirements: ["K1", "C2"],
            procedure: [
                "For each of the \(cases.count) built-in reference cases (\(cases.map(\.name).joined(separator: ", "))): "
                    + "create a scratch SQLite ledger, record the case's plant model and ingest its events through the "
                    + "same validation and append path as spar ingest.",
                "Load the KPI projection from the ledger with the plant model it holds (as spar kpi --db does) and "
                    + "compute the case's query (scope, window, shift).",
                "Compare every expected element and KPI with the computed value (tolerance 1e-9; null must stay null).",
                "Check the result's lineage: formula version iso22400-2:2014 and the plant model version in force.",
            ],
            expected: "Every event accepted; every value within 1e-9 of the hand-computed one; the lineage names the "
                + "formula version and the plant model version the ledger holds."
        ) { context in
            var ev = OQEvidence()
            var compared = 0
            var failed = 0
            for c in cases {
                let (n, bad) = try await run(c, context: context, into: &ev)
                compared += n
                failed += bad
            }
            ev.observed = "\(cases.count) cases, \(compared) values compared, \(compared - failed) within 1e-9"
                + (failed > 0 ? ", \(failed) outside" : "")
            return ev
        }
    }

    static func run(_ c: ReferenceCase, context: OQContext, into ev: inout OQEvidence) async throws -> (Int, Int) {
        let model = try PlantModelFile.decode(Data(c.plantYAML.utf8), name: "\(c.name)/plant.yaml", json: false)
        let store = try SQLiteLedgerStore(path: context.path("\(c.name).sqlite"))
        let recordedAt = Timestamp.now
        let version = try await LedgerPlantModel.record(
            model, in: store, allowNewVersion: false, recordedAt: recordedAt, recordedBy: "local:oq \(context.station)")
        let ingest = IngestEvents(
            model: model, store: store, recordedBy: "local:oq \(context.station)", maxFutureSkew: Int64.max / 4,
            now: { recordedAt })
        let lines = c.eventsJSONL.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
            .map { ($0.offset + 1, $0.element) }
        let report = try await ingest.ingest(lines: lines)
        ev.expect(
            report.rejections.isEmpty && report.accepted == report.lines,
            "\(c.name): \(report.lines) events ingested, \(report.accepted) accepted, \(report.rejections.count) rejected"
                + (report.rejections.first.map { " (first: \($0))" } ?? ""))

        let query = try JSONValue.parse(Data(c.queryJSON.utf8))
        guard case .string(let scope)? = query["scope"], case .string(let fromText)? = query["from"],
            case .string(let toText)? = query["to"], let from = Timestamp(rfc3339: fromText), let to = Timestamp(rfc3339: toText)
        else {
            ev.expect(false, "\(c.name): query.json names scope, from and to")
            return (0, 0)
        }
        var shift: String?
        if case .string(let s)? = query["shift"] { shift = s }
        var definition = KPICatalogue.latest
        if case .string(let d)? = query["definition"] {
            guard let v = KPICatalogue.version(d) else {
                ev.expect(false, "\(c.name): query.json names an unknown KPI definition '\(d)'")
                return (0, 0)
            }
            definition = v
        }
        guard let (inForce, inForceVersion) = try await LedgerPlantModel.latest(in: store) else {
            ev.expect(false, "\(c.name): the ledger holds the plant model")
            return (0, 0)
        }
        let engine = try await LedgerProjection.load(
            store: store, model: inForce, plantModelVersion: inForceVersion, scope: EquipmentPath(scope))
        let result = try engine.result(KPIQuery(scope: EquipmentPath(scope), from: from, to: to, shift: shift), definition: definition)
        let output = KPIResultJSON.value(result)
        let expected = try JSONValue.parse(Data(c.expectedJSON.utf8))
        var compared = 0
        var failed = 0
        ev.note("\(c.name): query \(scope) \(fromText) → \(toText)" + (shift.map { " shift \($0)" } ?? ""))
        let derivation = c.derivation.split(whereSeparator: \.isNewline).joined(separator: " ")
        if !derivation.isEmpty { ev.note("\(c.name): expected values worked out by hand: \(derivation)") }
        for section in ["elements", "kpis"] {
            guard case .object(let want)? = expected[section] else { continue }
            for key in want.keys.sorted() {
                guard let w = want[key] else { continue }
                let actual = output[section]?[key]
                let line: String
                let ok: Bool
                switch (w, actual) {
                case (.null, .null?):
                    ok = true
                    line = "expected null, actual null"
                case (.number(let e), .number(let a)?):
                    let delta = abs(a - e)
                    ok = delta <= kpiTolerance
                    line = "expected \(JSONValue.format(e)), actual \(JSONValue.format(a)), |Δ| = "
                        + (delta == 0 ? "0" : String(format: "%.1e", delta))
                default:
                    ok = false
                    line = "expected \(w.canonical), actual \(actual?.canonical ?? "missing")"
                }
                compared += 1
                if !ok { failed += 1 }
                ev.expect(ok, "\(c.name) \(section).\(key): \(line)")
            }
        }
        let lineage = result.lineage
        ev.expect(
            lineage.formulaVersion == "iso22400-2:2014" && lineage.plantModelVersion == version && inForceVersion == version,
            "\(c.name): lineage formula \(lineage.formulaVersion), definitions \(lineage.definitionVersion), plant model "
                + "\(lineage.plantModelVersion ?? "none") (recorded \(version)), \(lineage.events) events, \(lineage.units) units")
        return (compared, failed)
    }
}
