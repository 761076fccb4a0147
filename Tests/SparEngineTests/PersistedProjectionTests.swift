import Foundation
import SparCore
import SparDemo
import SparEngine
import SparPostgres
import SparSQLite
import SparStorage
import SparTestSupport
import Testing

/// The persisted projection, maintained in each append's transaction, answers every query exactly as an engine
/// built from all events does.
@Suite("Persisted KPI projection")
struct PersistedProjectionTests {
    static let model = DemoEnterprise.plantModel()
    static let start = DemoGenerator.defaultStart
    static let days = 5

    static func temporaryStore(_ backend: StoreBackend = .sqlite) async throws -> (any KPIProjectionStore, String) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("spar-proj-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        if backend == .postgres {
            return (try await StoreBackend.postgres(signingKeyPath: dir.appendingPathComponent("ledger.key").path), dir.path)
        }
        let path = dir.appendingPathComponent("ledger.sqlite").path
        return (try SQLiteLedgerStore(path: path), dir.path)
    }

    static func bucketCount(_ store: any KPIProjectionStore, longerThanDays days: Int = 0) async throws -> Int {
        if let sqlite = store as? SQLiteLedgerStore { return try sqlite.bucketCount(longerThanDays: days) }
        if let pg = store as? PostgresLedgerStore { return try await pg.bucketCount(longerThanDays: days) }
        throw StorageError("unknown backend")
    }

    /// Runs SQL statements against the store's database, one by one.
    static func execute(_ store: any KPIProjectionStore, _ statements: [String]) async throws {
        for sql in statements {
            if let sqlite = store as? SQLiteLedgerStore { try sqlite.executeForTesting(sql) }
            if let pg = store as? PostgresLedgerStore { try await pg.executeForTesting(sql) }
        }
    }

    static let databaseBackends: [StoreBackend] = [.sqlite, .postgres]

    /// Demo events with extra (repeated) failures, some followed 90 s later by an unknown state, corrections that move, change and void events (some corrected
    /// twice, the older correction arriving last), delivered in random batches in random order with duplicates.
    static func scenario(seed: UInt64) -> (batches: [[Event]], corrections: Int) {
        var rng = SeededRandom(seed: seed)
        var all = DemoGenerator(model: model, seed: seed &+ 7, start: start, days: days).events()
        let failure = model.reasons.first { $0.failure == true }!.code
        var stateInstants = Set(all.compactMap { e -> String? in if case .state = e.payload { "\(e.unit)|\(e.ts)" } else { nil } })
        for (i, unit) in model.resolvedWorkUnits.enumerated() {
            for k in 0..<(2 * days) {
                let t = start.adding(seconds: Int64(rng.next() % UInt64(days * 86_400)) + 1)
                for (n, dt) in (k % 4 == 0 ? [0, 90] : [0]).enumerated() as EnumeratedSequence<[Int]> {
                    let ts = t.adding(seconds: Int64(dt))
                    guard stateInstants.insert("\(unit.path)|\(ts)").inserted else { continue }
                    all.append(
                        Event(id: EventID("f-\(i)-\(k)-\(n)"), ts: ts, source: "mes-opcenter", unit: unit.path,
                              payload: .state(n == 1 ? StateChange() : StateChange(reason: failure))))
                }
            }
        }
        for i in all.indices.reversed() {
            let j = Int(rng.next() % UInt64(i + 1))
            all.swapAt(i, j)
        }
        var corrections: [Event] = []
        var candidates = all.filter { if case .state = $0.payload { false } else { true } }.prefix(400)
        candidates += all.filter { if case .state = $0.payload { true } else { false } }.prefix(60)
        for (k, e) in candidates.enumerated() {
            let id = EventID("corr-\(k)")
            let at = e.ts.adding(seconds: 3_600)
            switch k % 4 {
            case 0:
                corrections.append(Event(id: id, ts: at, source: e.source, unit: e.unit, payload: .correction(Correction(corrects: e.id, replacement: nil))))
            case 1:
                var moved = e
                moved.id = id
                moved.ts = e.ts.adding(seconds: Int64(rng.next() % 7_200) - 3_600)
                if case .state = e.payload, !stateInstants.insert("\(e.unit)|\(moved.ts)").inserted { continue }
                corrections.append(Event(id: id, ts: at, source: e.source, unit: e.unit, payload: .correction(Correction(corrects: e.id, replacement: moved))))
            case 2:
                var changed = e
                changed.id = id
                if case .count(var c) = e.payload {
                    c.good += 3
                    c.scrap += 1
                    changed.payload = .count(c)
                }
                corrections.append(Event(id: id, ts: at, source: e.source, unit: e.unit, payload: .correction(Correction(corrects: e.id, replacement: changed))))
                // An older correction of the same event, arriving later: the newer one stays in force.
                corrections.append(Event(id: EventID("corr-old-\(k)"), ts: e.ts.adding(seconds: 60), source: e.source, unit: e.unit, payload: .correction(Correction(corrects: e.id, replacement: nil))))
            default:
                break
            }
        }
        var batches: [[Event]] = []
        var rest = all[...]
        while !rest.isEmpty {
            let n = 1 + Int(rng.next() % 3_000)
            batches.append(Array(rest.prefix(n)))
            rest = rest.dropFirst(n)
        }
        var k = 0
        while k < corrections.count {
            let n = 1 + Int(rng.next() % 40)
            batches.append(Array(corrections[k..<min(k + n, corrections.count)]))
            k += n
        }
        for _ in 0..<3 { batches.append(batches[Int(rng.next() % UInt64(batches.count))]) }
        return (batches, corrections.count)
    }

    static func ingest(_ batches: [[Event]], into store: any LedgerStore) async throws -> Int {
        let ingest = IngestEvents(
            model: model, store: store, recordedBy: "test", maxFutureSkew: Int64.max / 4, now: { Timestamp(milliseconds: 0) })
        var accepted = 0
        for batch in batches {
            let report = try await ingest.ingest(events: batch.map { (nil, $0) })
            #expect(report.rejections.isEmpty, "\(report.rejections.prefix(3))")
            accepted += report.accepted
        }
        return accepted
    }

    /// Random scope × window × shift queries answered from the projection (day buckets and slices) and by an engine
    /// built from every stored event; returns how many were compared, with failures, labor and inspections.
    static func compare(
        _ fresh: ProjectedKPI, _ cached: ProjectedKPI, _ full: KPIEngine, rounds: Int, rng: inout SeededRandom,
        again earlier: [KPIQuery] = [], asked: inout [KPIQuery]
    ) async throws -> (compared: Int, failures: Int, labor: Int, inspections: Int, losses: Int, spans: Int) {
        // Queries of the previous phase asked again of the long-lived cached reader: what it kept must not outlive
        // the appends since.
        for query in earlier {
            guard let direct = try? full.result(query) else { continue }
            let diff = WindowJoinTests.differences(direct, try await cached.result(query))
            #expect(diff.isEmpty, "\(query) asked again after more batches: \(diff)")
        }
        let units = model.resolvedWorkUnits.map(\.path)
        let paths = model.allPaths
        let shifts: [String?] = [nil, nil, nil, "A", "B", "C"]
        var out = (compared: 0, failures: 0, labor: 0, inspections: 0, losses: 0, spans: 0)
        for round in 0..<rounds {
            let projected = round % 2 == 0 ? fresh : cached
            let scope = round % 4 == 3 ? paths[Int(rng.next() % UInt64(paths.count))] : units[Int(rng.next() % UInt64(units.count))]
            var from = start.adding(seconds: Int64(rng.next() % UInt64((days + 1) * 86_400)) - 43_200)
            if round % 5 == 0 { from = Timestamp(milliseconds: (from.milliseconds / 86_400_000) * 86_400_000) }
            var to = from.adding(seconds: 60 + Int64(rng.next() % UInt64(4 * 86_400)))
            if round % 7 == 6 {
                // Windows holding whole local months (cached as month buckets, then read back).
                from = start.adding(seconds: -Int64(20 + rng.next() % 5) * 86_400 - Int64(rng.next() % 86_400))
                to = start.adding(seconds: Int64(40 + rng.next() % 30) * 86_400)
            }
            let query = KPIQuery(scope: scope, from: from, to: to, shift: shifts[Int(rng.next() % UInt64(shifts.count))])
            asked.append(query)
            for definition in KPICatalogue.versions {
                guard let direct = try? full.result(query, definition: definition) else { continue }
                let answer = try await projected.result(query, definition: definition)
                let diff = WindowJoinTests.differences(direct, answer)
                #expect(diff.isEmpty, "\(query) under \(definition.id): \(diff)")
                #expect(direct.lineage == answer.lineage, "\(query)")
                out.compared += 1
                if direct.elements.fe > 0 { out.failures += 1 }
                if direct.elements.pwt != nil { out.labor += 1 }
                if !direct.elements.inspectedSerials.isEmpty { out.inspections += 1 }
            }
            if query.shift == nil, round % 3 == 0 {
                // A dashboard's windows of one scope at once: the query's, seven local days and two partial days.
                let day0 = Timestamp(milliseconds: (from.milliseconds / 86_400_000) * 86_400_000)
                var windows = [Interval(from, to)]
                for d in 0..<7 { windows.append(Interval(day0.adding(seconds: Int64(d) * 86_400), day0.adding(seconds: Int64(d + 1) * 86_400))) }
                windows.append(Interval(day0.adding(seconds: 3 * 86_400 + 3_600), day0.adding(seconds: 3 * 86_400 + 50_000)))
                windows.append(Interval(to, to))
                let definition = KPICatalogue.latest
                let many = try await projected.results(in: scope, windows: windows, definition: definition)
                for (w, answer) in zip(windows, many) {
                    guard w.start < w.end else {
                        #expect(answer == nil)
                        continue
                    }
                    let direct = try full.result(KPIQuery(scope: scope, from: w.start, to: w.end), definition: definition)
                    guard let answer else {
                        Issue.record("no result for \(w)")
                        continue
                    }
                    let diff = WindowJoinTests.differences(direct, answer)
                    #expect(diff.isEmpty, "\(scope) \(w) among many windows: \(diff)")
                    #expect(direct.elements.lossTime == answer.elements.lossTime, "\(scope) \(w)")
                }
                let losses = try await projected.losses(in: scope, range: Interval(from, to))
                #expect(losses == full.losses(in: scope, range: Interval(from, to)), "\(scope) losses")
                if !losses.isEmpty { out.losses += 1 }
                if scope.isWorkUnit {
                    let spans = try await projected.stateSpans(of: scope, in: Interval(from, to))
                    #expect(spans == full.stateSpans(of: scope, in: Interval(from, to)), "\(scope) state spans")
                    if !spans.isEmpty { out.spans += 1 }
                }
            }
        }
        return out
    }

    @Test("random scopes, windows and shifts equal the full engine under both definitions, between late, out-of-order and corrected batches",
        arguments: databaseBackends)
    func equalsFullEngine(backend: StoreBackend) async throws {
        let (store, dir) = try await Self.temporaryStore(backend)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (batches, corrections) = Self.scenario(seed: 31)
        #expect(corrections > 300)
        var rng = SeededRandom(seed: 43)
        var totals = (compared: 0, failures: 0, labor: 0, inspections: 0, losses: 0, spans: 0)
        var cachedAfterPhase: [Int] = []
        // One reader kept across all phases with its in-process cache, as the server keeps it.
        let cache = ElementsCache()
        let cached = ProjectedKPI(store: store, model: Self.model, plantModelVersion: "v", cache: cache)
        var previous: [KPIQuery] = []
        let phases = 4
        let per = (batches.count + phases - 1) / phases
        for phase in 0..<phases {
            // Each phase's batches hold events of every day: they land in the past of buckets cached before.
            _ = try await Self.ingest(Array(batches.dropFirst(phase * per).prefix(per)), into: store)
            #expect(try await store.projectionHead() == (try await store.ledgerSize()))
            let full = try await LedgerProjection.load(store: store, model: Self.model, plantModelVersion: "v")
            let projected = try await LedgerProjection.reader(store: store, model: Self.model, plantModelVersion: "v")
            var asked: [KPIQuery] = []
            let r = try await Self.compare(
                projected, cached, full, rounds: 60, rng: &rng, again: Array(previous.prefix(20)), asked: &asked)
            previous = asked
            totals = (
                totals.compared + r.compared, totals.failures + r.failures, totals.labor + r.labor,
                totals.inspections + r.inspections, totals.losses + r.losses, totals.spans + r.spans
            )
            cachedAfterPhase.append(try await Self.bucketCount(store))
        }
        #expect(totals.compared > 300)
        #expect(cache.count > 100, "the long-lived reader kept elements")
        #expect(totals.failures > 100 && totals.labor > 20 && totals.inspections > 10, "\(totals)")
        #expect(totals.losses > 25 && totals.spans > 20, "\(totals)")
        #expect(cachedAfterPhase.allSatisfy { $0 > 20 }, "day buckets cached after each phase: \(cachedAfterPhase)")
        #expect(try await Self.bucketCount(store, longerThanDays: 27) > 5, "month buckets were cached")
    }

    @Test("a projection rebuilt from the ledger equals the maintained one; a ledger without one is caught up",
        arguments: databaseBackends)
    func rebuildEqualsMaintained(backend: StoreBackend) async throws {
        let (store, dir) = try await Self.temporaryStore(backend)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (batches, _) = Self.scenario(seed: 5)
        _ = try await Self.ingest(Array(batches.prefix(12)), into: store)
        let maintained = try await store.allKPIRecords()
        #expect(maintained.count > 1_000)
        let report = try await LedgerProjection.rebuild(store: store)
        #expect(report.equal, "\(report.differing)")
        #expect(report.records == maintained.count)
        #expect(try await store.allKPIRecords() == maintained)

        // Tampering with the projection (not the ledger) is found by a rebuild and repaired.
        try await Self.execute(
            store, ["UPDATE kpi_record SET ts = ts + 1000 WHERE event_id IN (SELECT event_id FROM kpi_record ORDER BY event_id LIMIT 3)"])
        let repaired = try await LedgerProjection.rebuild(store: store)
        #expect(!repaired.equal && repaired.differing.count == 3)
        #expect(try await store.allKPIRecords() == maintained)

        // A projection emptied and behind the ledger (as a ledger written before it existed) is caught up in order.
        try await Self.execute(
            store, ["DELETE FROM kpi_record", "DELETE FROM kpi_correction", "UPDATE kpi_projection SET head = 0"])
        let applied = try await LedgerProjection.catchUp(store: store, pageSize: 777)
        #expect(applied == (try await store.ledgerSize()))
        #expect(try await store.allKPIRecords() == maintained)
    }
}
