import ArgumentParser
import Foundation
import SparCore
import SparDemo
import SparEngine
import SparInterchange
import SparSQLite

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Build the demo aerospace enterprise into a ledger and print its KPI roll-up.",
        discussion: """
            Generates the plant model and several weeks of shop-floor events (deterministic for a seed),
            ingests them into an SQLite ledger and prints enterprise → site → area OEE, availability,
            effectiveness and quality. Running it again on the same file is idempotent.
            """
    )

    @Option(help: "SQLite ledger file.")
    var db: String = "spar-data/demo.sqlite"

    @Option(help: "Checkpoint signing key file (default: $SPAR_LEDGER_KEY, else <db>.key; created with mode 0600).")
    var key: String?

    @Option(help: "Seed of the event generator.")
    var seed: UInt64 = 42

    @Option(help: "Days of events.")
    var days = 28

    @Option(help: "First day (RFC 3339).")
    var start: String = DemoGenerator.defaultStart.rfc3339

    @Option(help: "Also write the plant model (plant.json) and events (events.jsonl) to this folder.")
    var export: String?

    @Flag(help: "Then serve the demo ledger over HTTP (as spar serve) until Ctrl-C or SIGTERM.")
    var serve = false

    @Option(help: "Port for --serve.")
    var port = 8080

    func run() async throws {
        do {
            try await demo()
        } catch {
            throw ExitCode(Console.fail(error).code)
        }
    }

    func demo() async throws {
        guard days > 0 else { throw CLIError("--days must be positive") }
        let from = try parseTime(start, option: "--start")
        let model = DemoEnterprise.plantModel()
        let started = Date()
        let events = DemoGenerator(model: model, seed: seed, start: from, days: days).events()
        Console.out("generated \(events.count) events for \(model.resolvedWorkUnits.count) work units over \(days) days (seed \(seed))")
        if let export { try DemoCommand.export(model: model, events: events, to: export) }

        let store = try LedgerKeyLocation(db: db, option: key).open()
        let local = Principal.local(IdentityOptions.localUser, station: IdentityOptions.station).recordedBy
        // A second run keeps what the first recorded: later versions come only through change requests.
        var version = PlantModelFile.fingerprint(model)
        if try await store.count(kind: .plantModel) == 0 {
            version = try await LedgerPlantModel.record(
                model, in: store, allowNewVersion: true, recordedAt: .now, recordedBy: local)
        }
        if try await store.count(kind: .kpiDefinition) == 0 {
            // The demo plant reported under spar-kpi-1 before; a change request moves it to spar-kpi-2.
            try await LedgerKPIDefinition.record(
                "spar-kpi-1", enterprise: model.enterprise, reason: "the definition the plant's reports were validated on",
                effectiveAt: from, in: store, recordedAt: .now, recordedBy: local)
        }
        if try await store.count(kind: .blueprint) == 0 {
            _ = try await LedgerBlueprint.record(
                DemoBlueprint.blueprint(), plant: model, reason: "demo blueprint", in: store, recordedAt: .now,
                recordedBy: local)
        }
        let systems = try await DemoGovernance.setUp(store: store, model: model, events: events, db: db)
        var report = IngestReport()
        // Each source system's events go in under its own token, so their source is proven.
        let bySource = Dictionary(grouping: events, by: \.source)
        for source in bySource.keys.sorted() {
            guard let principal = systems[source] else {
                throw CLIError("no token for demo source \(source) (the file \(db).demo-tokens is missing); start from a new --db")
            }
            let ingest = IngestEvents(
                model: model, store: store, recordedBy: principal.recordedBy, principal: principal, now: { .now })
            let group = bySource[source] ?? []
            var i = 0
            while i < group.count {
                let chunk = group[i..<min(i + 5000, group.count)].map { (line: Int?.none, event: $0) }
                report.add(try await ingest.ingest(events: chunk))
                i += 5000
            }
        }
        try await DemoGovernance.changeRequests(store: store, model: model)
        Console.out(
            "ledger \(db): \(report.accepted) accepted, \(report.duplicates) already there, \(report.rejections.count) rejected "
                + "(\(String(format: Date().timeIntervalSince(started), digits: 1)) s)")
        for r in report.rejections.prefix(10) { Console.err("rejected: \(r)") }

        let (inForce, inForceVersion) = try await LedgerPlantModel.latest(in: store) ?? (model, version)
        let engine = try await LedgerProjection.load(store: store, model: inForce, plantModelVersion: inForceVersion)
        let to = from.adding(seconds: Int64(days) * 86_400)
        Console.out("")
        Console.out(RollupTable.render(engine: engine, model: inForce, from: from, to: to, depth: 3))
        Console.out("")
        DemoGovernance.printLogins()
        Console.out("Source-system API tokens: \(db).demo-tokens (mode 0600)")
        Console.out("")
        Console.out("Try (commands act as a named user: SPAR_USER and SPAR_PASSWORD):")
        Console.out("  export SPAR_USER=auditor SPAR_PASSWORD=demo-auditor-pass")
        let unit = model.resolvedWorkUnits[0].path
        Console.out("  swift run spar kpi --db \(db) --scope \(unit) --from \(from.rfc3339) --to \(to.rfc3339)")
        Console.out("  swift run spar kpi --db \(db) --scope \(model.enterprise) --from \(from.rfc3339) --to \(to.rfc3339) --format json")
        Console.out("  swift run spar kpi --db \(db) --scope \(unit) --from \(from.rfc3339) --to \(to.rfc3339) --explain oee")
        Console.out("  swift run spar verify --db \(db)")
        Console.out("  swift run spar map analyze --db \(db)")
        Console.out("  swift run spar audit --db \(db) --limit 20")
        Console.out("  swift run spar change list --db \(db)")
        Console.out("  swift run spar serve --db \(db)          # the dashboards and the HTTP API (sign in as a user above)")
        if serve {
            Console.out("")
            try await ServeCommand.serve(db: db, key: key, plant: nil, host: "127.0.0.1", port: port, staleAfterHours: 4)
        }
    }

    static func export(model: PlantModel, events: [Event], to folder: String) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try PlantModelFile.canonicalJSON(model).write(toFile: folder + "/plant.json", atomically: true, encoding: .utf8)
        var text = ""
        for e in events.sorted(by: { ($0.ts, $0.id) < ($1.ts, $1.id) }) {
            text += EventCoding.canonical(e)
            text += "\n"
        }
        try text.write(toFile: folder + "/events.jsonl", atomically: true, encoding: .utf8)
        try BlueprintFile.canonicalJSON(DemoBlueprint.blueprint())
            .write(toFile: folder + "/blueprint.json", atomically: true, encoding: .utf8)
        Console.out("wrote \(folder)/plant.json, \(folder)/events.jsonl and \(folder)/blueprint.json")
    }
}

/// The enterprise → site → area table.
enum RollupTable {
    static func render(engine: KPIEngine, model: PlantModel, from: Timestamp, to: Timestamp, depth: Int) -> String {
        let all = engine.elementsForAllScopes(from: from, to: to)
        var lines = [
            "KPIs from \(from.rfc3339) to \(to.rfc3339) (ISO 22400-2; ratios; times in hours)",
            KPITable.pad("scope", 44) + ["OEE", "avail", "effect", "quality", "APT h", "PBT h", "PQ", "units"]
                .map { KPITable.pad($0, 9, right: true) }.joined(),
        ]
        for path in model.allPaths where path.depth <= depth {
            guard let el = all[path] else { continue }
            let r = engine.makeResult(
                query: KPIQuery(scope: path, from: from, to: to), elements: el, singleUnit: path.isWorkUnit)
            func k(_ id: String) -> String { r.kpi(id)?.number.map { KPITable.number($0, digits: 3) } ?? "–" }
            let label = String(repeating: "  ", count: path.depth - 1) + (path.components.last ?? "")
            lines.append(
                KPITable.pad(label, 44)
                    + [k("oee"), k("availability"), k("effectiveness"), k("qualityRatio"),
                       KPITable.number(Double(el.apt) / 3_600_000, digits: 1),
                       KPITable.number(Double(el.pbt) / 3_600_000, digits: 1), KPITable.number(el.pq, digits: 0),
                       String(el.units)]
                    .map { KPITable.pad($0, 9, right: true) }.joined())
        }
        return lines.joined(separator: "\n")
    }
}
