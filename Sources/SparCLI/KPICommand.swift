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

    @Option(help: "Ledger: an SQLite file or a postgres:// address.")
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

    @Flag(
        help: "List the ledger events behind the value (with --db): the events of the scope's units in the window, and those begun before it that still count, with their corrections.")
    var lineageEvents = false

    @Option(name: .customLong("lineage-kpi"), help: "With --lineage-events: only the event types this KPI reads (e.g. oee).")
    var lineageKPI: String?

    @Option(help: "With --lineage-events: only these source systems (comma-separated).")
    var source: String?

    @Option(help: "With --lineage-events: only these event types (comma-separated: state, order, count, …).")
    var type: String?

    @Option(help: "With --lineage-events: events per page (1-10000; default 100; csv lists every event).")
    var limit: Int = 100

    @Option(help: "With --lineage-events: continue after this cursor (printed as 'more: --after …').")
    var after: String?

    @OptionGroup var identity: IdentityOptions

    enum OutputFormat: String, ExpressibleByArgument { case table, json, csv }

    func run() async throws {
        do {
            let query = KPIQuery(
                scope: EquipmentPath(scope), from: try parseTime(from, option: "--from"), to: try parseTime(to, option: "--to"),
                shift: shift)
            let (engine, blueprintVersion, policy) = try await loadEngine(scope: query.scope)
            if lineageEvents {
                try await listLineage(query, engine: engine, blueprintVersion: blueprintVersion, policy: policy)
                return
            }
            if format == .csv { throw CLIError("--format csv lists events: use it with --lineage-events") }
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

    /// `--lineage-events`: the value, then one page of the events behind it (every event as CSV).
    func listLineage(
        _ query: KPIQuery, engine: KPIAnswers, blueprintVersion: String?, policy: KPIDefinitionPolicy
    ) async throws {
        guard case .projection(let reader) = engine, let db else {
            throw CLIError("--lineage-events reads the events of a ledger: give --db FILE")
        }
        guard query.shift == nil else { throw CLIError("--lineage-events lists a whole window: leave out --shift") }
        guard (1...10_000).contains(limit) else { throw CLIError("--limit must be from 1 to 10000") }
        var result = try await engine.result(query, definition: try policy.definition(for: query.scope, requested: definition))
        result.lineage.blueprintVersion = blueprintVersion
        var kpi: KPIDefinition?
        if let id = lineageKPI {
            guard let d = result.definition.kpi(id) else {
                throw CLIError("unknown KPI '\(id)' in \(result.definition.id); known: \(result.definition.kpis.map(\.id).joined(separator: ", "))")
            }
            kpi = d
        }
        func list(_ text: String?) -> [String]? {
            let items = text?.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            return items?.isEmpty == false ? items : nil
        }
        var types = kpi.map { KPILineageEvents.Query.types(forElements: $0.elements) }
        if let asked = list(type) { types = types.map { $0.filter(asked.contains) } ?? asked }
        var position: LedgerEventPosition?
        if let after {
            guard let p = LedgerEventPosition(after) else {
                throw CLIError("--after '\(after)' is not a cursor (use the one printed after 'more:')")
            }
            position = p
        }
        let units = reader.engine.units(in: query.scope).map(\.path.description)
        guard !units.isEmpty else { throw CLIError("'\(query.scope)' holds no work unit of the plant model") }
        let q = KPILineageEvents.Query(
            units: units, window: Interval(query.from, query.to), types: types, sources: list(source), after: position,
            limit: limit)
        let store = try await GovernedLedger.open(db: db, identity: identity).store
        let use = KPILineageEvents(store: store)
        switch format {
        case .csv:
            FileHandle.standardOutput.write(Data(KPILineageReport.csv(try await use.all(q)).utf8))
        case .json:
            let page = try await use.page(q)
            Console.out(
                BlueprintReportJSON.text(
                    KPILineageReport.json(
                        scope: query.scope, window: q.window, result: result, kpi: kpi, query: q, page: page),
                    order: ["scope", "from", "to", "kpi", "elements", "events", "next"]))
        case .table:
            let page = try await use.page(q)
            Console.out(KPILineageReport.text(scope: query.scope, window: q.window, result: result, kpi: kpi, page: page))
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
