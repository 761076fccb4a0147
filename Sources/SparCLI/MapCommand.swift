import ArgumentParser
import Foundation
import SparCore
import SparEngine
import SparInterchange
import SparSQLite
import SparStorage

/// `spar map`: the MOM blueprint — which system does which ISA-95 activity, who owns which data, where the KPIs'
/// data comes from, and what is missing.
struct MapCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "map",
        abstract: "The MOM blueprint: ISA-95 function map, data ownership, KPI lineage gaps and KPI harmonisation.",
        discussion: """
            The blueprint (blueprint.yaml, beside plant.yaml) says, per site, which system covers which of the 32 \
            ISA-95 activity cells, which system is the system of record of each data object, how local KPIs map \
            onto the ISO 22400-2 catalogue and how local codes, units, time zones and shifts are normalised. \
            `analyze` ranks the gaps; `kpis` shows which canonical KPIs each site can compute and from which \
            systems; `record`, `history` and `diff` keep every version in the ledger (Examples/blueprint.yaml).
            """,
        subcommands: [Analyze.self, KPIs.self, Record.self, History.self, Diff.self]
    )

    /// Output formats; `markdown`, `csv-gaps` and `csv-ownership` are for `analyze` only.
    enum Format: String, ExpressibleByArgument {
        case text, json, markdown
        case csvGaps = "csv-gaps"
        case csvOwnership = "csv-ownership"

        /// Refuses the formats only `analyze` writes.
        static func requireTextOrJSON(_ format: Format) throws {
            guard format == .text || format == .json else {
                throw ValidationError("--format \(format.rawValue) is only for spar map analyze; use text or json")
            }
        }
    }

    /// Where the plant model, the blueprint and the events come from.
    struct Inputs: ParsableArguments {
        @Option(help: "Plant model (plant.yaml or plant.json). Optional with --db: the ledger's model is used.")
        var plant: String?

        @Option(help: "Blueprint (blueprint.yaml or .json). Optional with --db: the recorded version is used.")
        var blueprint: String?

        @Option(help: "SQLite ledger: adds the sources of its events as element suppliers.")
        var db: String?

        @Option(help: "Server time (RFC 3339): the blueprint version in force then and the events recorded by then.")
        var asOf: String?

        @OptionGroup var identity: IdentityOptions

        @Option(help: "Output: text or json; analyze also writes markdown, csv-gaps and csv-ownership.")
        var format: Format = .text

        func analysis() async throws -> BlueprintAnalysis {
            let asOfTime = try asOf.map { try parseTime($0, option: "--as-of") }
            var store: (any KPIProjectionStore & CredentialStore)?
            if let db { store = try await openAuthorizedLedger(db, identity: identity, .read) }
            if asOfTime != nil && store == nil { throw CLIError("--as-of needs --db (the ledger holds the history)") }
            let model = try await MapCommand.plantModel(path: plant, store: store)
            let chosen: Blueprint
            if let path = blueprint {
                chosen = try BlueprintFile.load(path: path, plant: model)
            } else if let store {
                let found: BlueprintVersion?
                if let asOfTime {
                    found = try await LedgerBlueprint.asOf(asOfTime, in: store)
                } else {
                    found = try await LedgerBlueprint.latest(in: store)
                }
                guard let version = found else {
                    throw CLIError(
                        "the ledger \(db ?? "") holds no blueprint\(asOf.map { " recorded at or before \($0)" } ?? ""); "
                            + "record one with spar map record --db \(db ?? "") --blueprint blueprint.yaml --reason \"…\""
                    )
                }
                for p in version.blueprint.validationProblems(plant: model) {
                    Console.err("warning: recorded blueprint \(version.version) against the current plant model: \(p)")
                }
                chosen = version.blueprint
            } else {
                throw CLIError("give --blueprint FILE, or --db FILE holding a recorded blueprint")
            }
            return try await AnalyzeBlueprint(plant: model, store: store).run(chosen, asOf: asOfTime)
        }
    }

    struct Analyze: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Rank the MOM gaps, ownership conflicts and KPI lineage problems of every site.")

        @OptionGroup var inputs: Inputs

        func run() async throws {
            try await reportingFailure {
                let analysis = try await inputs.analysis()
                switch inputs.format {
                case .text: Console.out(BlueprintReportText.analysis(analysis))
                case .json: Console.out(BlueprintReportJSON.text(BlueprintReportJSON.analysis(analysis)))
                case .markdown: Console.write(BlueprintReportMarkdown.analysis(analysis))
                case .csvGaps: Console.write(BlueprintReportCSV.gaps(analysis))
                case .csvOwnership: Console.write(BlueprintReportCSV.ownership(analysis))
                }
            }
        }
    }

    struct KPIs: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "kpis",
            abstract: "Per site: which canonical KPIs are computable, from which systems, and where local KPIs map.")

        @OptionGroup var inputs: Inputs

        func validate() throws { try Format.requireTextOrJSON(inputs.format) }

        func run() async throws {
            try await reportingFailure {
                let analysis = try await inputs.analysis()
                if inputs.format == .json {
                    Console.out(
                        BlueprintReportJSON.text(BlueprintReportJSON.kpis(analysis), order: ["versions", "sites"]))
                } else {
                    Console.out(BlueprintReportText.kpis(analysis))
                }
            }
        }
    }

    struct Record: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate a blueprint and append it to the ledger as a new version (who, when, why).")

        @Option(help: "Ledger: an SQLite file (created if missing) or a postgres:// address.")
        var db: String

        @Option(help: "Blueprint to record (blueprint.yaml or .json).")
        var blueprint: String

        @Option(help: "Why the blueprint changed (kept with the version).")
        var reason: String

        @Option(help: "Plant model to validate against. Optional once the ledger holds one.")
        var plant: String?

        @Option(help: "Checkpoint signing key file (default: $SPAR_LEDGER_KEY, else <db>.key).")
        var key: String?

        @OptionGroup var identity: IdentityOptions

        func run() async throws {
            try await reportingFailure {
                let ledger = try await GovernedLedger.open(db: db, key: key, create: true, identity: identity)
                try ledger.authorize(.proposeChange)
                let store = ledger.store
                let model = try await MapCommand.plantModel(path: plant, store: store)
                let given = try BlueprintFile.load(path: blueprint, plant: model)
                let previous = try await LedgerBlueprint.latest(in: store)
                let (version, appended) = try await LedgerBlueprint.record(
                    given, plant: model, reason: reason, in: store, recordedAt: .now,
                    recordedBy: ledger.principal.recordedBy)
                guard appended else {
                    Console.out(
                        "blueprint \(version.version) is already the version in force (recorded \(version.recordedAt.rfc3339) "
                            + "by \(version.recordedBy)); nothing recorded")
                    return
                }
                Console.out(
                    "recorded blueprint \(version.version) at \(version.recordedAt.rfc3339) by \(version.recordedBy)"
                        + (version.previousVersion.map { ", replacing \($0)" } ?? " (first version)"))
                let diff = BlueprintDiff(from: previous?.blueprint ?? Blueprint(sites: []), to: given)
                Console.out(
                    "\(diff.changes.count) change\(diff.changes.count == 1 ? "" : "s"): \(MapCommand.counts(diff))")
                if previous != nil { Console.out(BlueprintReportText.changes(diff)) }
            }
        }
    }

    struct History: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the recorded blueprint versions, oldest first.")

        @Option(help: "Ledger: an SQLite file or a postgres:// address.")
        var db: String

        @Option(help: "Output: text or json.")
        var format: Format = .text

        @OptionGroup var identity: IdentityOptions

        func validate() throws { try Format.requireTextOrJSON(format) }

        func run() async throws {
            try await reportingFailure {
                let versions = try await LedgerBlueprint.history(
                    in: openAuthorizedLedger(db, identity: identity, .read))
                if format == .json {
                    Console.out(BlueprintReportJSON.text(.array(versions.map(MapCommand.json)), order: []))
                } else if versions.isEmpty {
                    Console.out("no blueprint recorded in \(db)")
                } else {
                    for v in versions { Console.out(MapCommand.line(v)) }
                }
            }
        }
    }

    struct Diff: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show what changed in the blueprint between the versions in force at two server times.")

        @Option(help: "Ledger: an SQLite file or a postgres:// address.")
        var db: String

        @Option(help: "Earlier server time (RFC 3339).")
        var from: String

        @Option(help: "Later server time (RFC 3339).")
        var to: String

        @Option(help: "Output: text or json.")
        var format: Format = .text

        @OptionGroup var identity: IdentityOptions

        func validate() throws { try Format.requireTextOrJSON(format) }

        func run() async throws {
            try await reportingFailure {
                let fromTime = try parseTime(from, option: "--from")
                let toTime = try parseTime(to, option: "--to")
                let (a, b, diff) = try await LedgerBlueprint.diff(
                    from: fromTime, to: toTime, in: openAuthorizedLedger(db, identity: identity, .read))
                if format == .json {
                    Console.out(
                        BlueprintReportJSON.text(
                            .object([
                                "from": a.map(MapCommand.json) ?? .null, "to": b.map(MapCommand.json) ?? .null,
                                "changes": BlueprintReportJSON.changes(diff),
                            ]), order: ["from", "to", "changes"]))
                    return
                }
                Console.out("at \(from): " + (a.map(MapCommand.line) ?? "no blueprint recorded yet"))
                Console.out("at \(to): " + (b.map(MapCommand.line) ?? "no blueprint recorded yet"))
                Console.out(
                    "\(diff.changes.count) change\(diff.changes.count == 1 ? "" : "s"): \(MapCommand.counts(diff))")
                Console.out(BlueprintReportText.changes(diff))
            }
        }
    }

    // MARK: shared

    static func plantModel(path: String?, store: (any LedgerStore)?) async throws -> PlantModel {
        if let path { return try PlantModelFile.load(path: path) }
        if let store, let (model, _) = try await LedgerPlantModel.latest(in: store) { return model }
        throw CLIError("give --plant plant.yaml (the ledger holds no plant model)")
    }

    static func counts(_ d: BlueprintDiff) -> String {
        func n(_ k: BlueprintDiff.Change.Kind) -> Int { d.changes.count { $0.kind == k } }
        return "\(n(.added)) added, \(n(.removed)) removed, \(n(.changed)) changed"
    }

    static func line(_ v: BlueprintVersion) -> String {
        "\(v.version) recorded \(v.recordedAt.rfc3339) by \(v.recordedBy)"
            + (v.previousVersion.map { ", replacing \($0)" } ?? ", first version") + ": \(v.reason)"
    }

    static func json(_ v: BlueprintVersion) -> JSONValue {
        .object([
            "version": .string(v.version), "previousVersion": v.previousVersion.map(JSONValue.string) ?? .null,
            "recordedAt": .string(v.recordedAt.rfc3339), "recordedBy": .string(v.recordedBy),
            "reason": .string(v.reason),
            "definitionVersion": v.blueprint.definitionVersion.map(JSONValue.string) ?? .null,
            "seq": .number(Double(v.seq)),
        ])
    }
}
