import ArgumentParser
import Foundation
import SparCore
import SparEngine
import SparInterchange
import SparSQLite
import SparStorage

struct KPICommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kpi",
        abstract: "Compute the ISO 22400-2 KPIs of a scope over a window.",
        discussion: """
            Give the events either as a JSON Lines file (--events, with --plant) or as an ingested ledger (--db).
            The scope is any prefix of a work unit path (enterprise/site/area/workCenter/workUnit).
            """
    )

    @Option(help: "Plant model (plant.yaml or plant.json). Optional with --db: the ledger's model is used.")
    var plant: String?

    @Option(help: "Events as JSON Lines.")
    var events: String?

    @Option(help: "SQLite ledger file.")
    var db: String?

    @Option(help: "Equipment path: enterprise[/site[/area[/workCenter[/workUnit]]]].")
    var scope: String

    @Option(help: "Window start, RFC 3339 with offset (inclusive).")
    var from: String

    @Option(help: "Window end, RFC 3339 with offset (exclusive).")
    var to: String

    @Option(help: "Restrict the window to one shift's windows.")
    var shift: String?

    @Option(help: "Output: table or json.")
    var format: OutputFormat = .table

    @Option(help: "Explain one KPI: formula, reading, evidence and the element values used.")
    var explain: String?

    @Option(
        help: "KPI definition version (spar-kpi-1, spar-kpi-2). Default: with --db the version in force in the ledger (or the site's pinned one), else spar-kpi-2.")
    var definition: String?

    @Option(help: "Compute under several definition versions (comma-separated, e.g. spar-kpi-1,spar-kpi-2) and show the differences.")
    var compare: String?

    @Option(
        name: [.customLong("definitions-as-of"), .customLong("as-of")],
        help: "Compute with the plant model, blueprint and KPI definition in force at this time (RFC 3339), as the ledger knew them then.")
    var definitionsAsOf: String?

    @OptionGroup var identity: IdentityOptions

    enum OutputFormat: String, ExpressibleByArgument { case table, json }

    func run() async throws {
        do {
            let query = KPIQuery(
                scope: EquipmentPath(scope), from: try parseTime(from, option: "--from"), to: try parseTime(to, option: "--to"),
                shift: shift)
            let (engine, blueprintVersion, policy) = try await loadEngine(scope: query.scope)
            if let compare {
                let ids = compare.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
                guard ids.count >= 2 else { throw CLIError("--compare needs two or more definition versions, e.g. spar-kpi-1,spar-kpi-2") }
                var results: [KPIResult] = []
                for id in ids {
                    var r = try await engine.result(query, definition: try policy.definition(for: query.scope, requested: id))
                    r.lineage.blueprintVersion = blueprintVersion
                    results.append(r)
                }
                Console.out(format == .json ? KPITable.comparisonJSON(results) : KPITable.comparison(results))
                return
            }
            var result = try await engine.result(query, definition: try policy.definition(for: query.scope, requested: definition))
            result.lineage.blueprintVersion = blueprintVersion
            if let explain {
                guard let d = result.definition.kpi(explain) else {
                    throw CLIError("unknown KPI '\(explain)'; known: \(KPICatalogue.all.map(\.id).joined(separator: ", "))")
                }
                Console.out(KPITable.explain(d, result))
            } else if format == .json {
                Console.out(KPIResultJSON.text(result))
            } else {
                Console.out(KPITable.render(result))
            }
        } catch let e as ExitCodeError {
            throw ExitCode(e.code)
        } catch {
            throw ExitCode(Console.fail(error).code)
        }
    }

    /// The projection, the blueprint version in force when the ledger holds one, and which definition answers.
    func loadEngine(scope: EquipmentPath) async throws -> (KPIAnswers, String?, KPIDefinitionPolicy) {
        switch (events, db) {
        case (let file?, nil):
            guard let plant else { throw CLIError("--events needs --plant") }
            let model = try PlantModelFile.load(path: plant)
            let store = InMemoryLedgerStore()
            var reader = try LineReader(path: file)
            let ingest = IngestEvents(
                model: model, store: store, recordedBy: "local", maxFutureSkew: Int64.max / 4,
                now: { Timestamp(milliseconds: 0) })
            var rejections: [EventRejection] = []
            while true {
                let lines = reader.next(max: 10_000)
                if lines.isEmpty { break }
                rejections += try await ingest.ingest(records: lines).rejections
            }
            if !rejections.isEmpty {
                for r in rejections.prefix(50) { Console.err("rejected: \(r)") }
                throw CLIError("\(rejections.count) event(s) in \(file) were rejected; fix them or ingest the valid ones into a ledger")
            }
            let engine = try await LedgerProjection.load(
                store: store, model: model, plantModelVersion: PlantModelFile.fingerprint(model), scope: scope)
            return (.engine(engine), nil, KPIDefinitionPolicy(inForce: KPICatalogue.defaultVersion))
        case (nil, let path?):
            let ledger = try await GovernedLedger.open(db: path, identity: identity)
            let store = ledger.store
            let asOf = try definitionsAsOf.map { try parseTime($0, option: "--definitions-as-of") }
            let inForce = try await LedgerPlantModel.inForce(in: store, at: asOf ?? .now, knownAt: asOf)
            guard let (stored, version) = inForce else {
                if let asOf { throw CLIError("the ledger \(path) had no plant model in force at \(asOf.rfc3339)") }
                throw CLIError("the ledger \(path) holds no plant model yet; run spar ingest --plant first")
            }
            try ledger.authorize(.read, sites: stored.sites(readBy: scope.description))
            if let plant {
                let given = try PlantModelFile.load(path: plant)
                let gv = PlantModelFile.fingerprint(given)
                if gv != version {
                    throw CLIError("\(plant) (\(gv)) is not the plant model the ledger holds (\(version))")
                }
            }
            let reader = try await LedgerProjection.reader(store: store, model: stored, plantModelVersion: version)
            let policy = try await LedgerKPIDefinition.policy(in: store, at: asOf ?? .now, knownAt: asOf)
            return (.projection(reader), try await LedgerBlueprint.asOf(asOf ?? .now, in: store)?.version, policy)
        default:
            throw CLIError("give exactly one of --events FILE or --db FILE")
        }
    }
}

/// Where a command's KPI answers come from: an engine over events given in a file, or a ledger's persisted projection.
enum KPIAnswers {
    case engine(KPIEngine)
    case projection(ProjectedKPI)

    func result(_ query: KPIQuery, definition: KPIDefinitionVersion) async throws -> KPIResult {
        switch self {
        case .engine(let e): try e.result(query, definition: definition)
        case .projection(let p): try await p.result(query, definition: definition)
        }
    }
}

func parseTime(_ text: String, option: String) throws -> Timestamp {
    guard let t = Timestamp(rfc3339: text) else {
        throw CLIError("\(option) '\(text)' is not an RFC 3339 time with an offset (e.g. 2026-03-02T06:00:00Z)")
    }
    return t
}
