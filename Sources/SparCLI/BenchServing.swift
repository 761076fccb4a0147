import Foundation
#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif
#if canImport(Glibc)
    import Glibc
#endif
import SparCore
import SparEngine
import SparSQLite

/// What a running server does with the persisted projection, measured beside the cold processes: warm KPI queries,
/// the latency from an acknowledged append to the KPI that shows it, and `spar serve` itself (start-up, `/api/kpi`
/// over loopback, peak memory).
struct BenchServing {
    let dbPath: String
    let dir: String
    let model: PlantModel
    let start: Timestamp
    let end: Timestamp
    let queries: Int
    let seed: UInt64

    /// Random scope × window (1 h – 30 d) × shift queries; one in four asks a shift of the scope's calendar.
    func queryList(_ count: Int) -> [KPIQuery] {
        var rng = BenchRandom(seed: seed &+ 7)
        let paths = model.allPaths
        let shifts = Array(Set(model.calendars.flatMap { $0.shifts.map(\.name) })).sorted()
        let span = end.milliseconds / 1000 - start.milliseconds / 1000
        return (0..<count).map { k in
            let path = paths[Int(rng.next() % UInt64(paths.count))]
            let length = Int64(3600 + rng.next() % UInt64(30 * 86_400))
            let offset = Int64(rng.next() % UInt64(max(1, span - length)))
            let from = start.adding(seconds: offset)
            let shift = k % 4 == 3 && !shifts.isEmpty ? shifts[Int(rng.next() % UInt64(shifts.count))] : nil
            return KPIQuery(scope: path, from: from, to: from.adding(seconds: length), shift: shift)
        }
    }

    static func percentiles(_ xs: [Double]) -> (p50: Double, p99: Double) {
        guard !xs.isEmpty else { return (0, 0) }
        let s = xs.sorted()
        return (s[s.count / 2], s[min(s.count - 1, s.count * 99 / 100)])
    }

    static func ms(_ seconds: Double) -> String { String(format: "%.2f", seconds * 1000) }

    func run() async throws {
        let store = try SQLiteLedgerStore(path: dbPath)
        guard let (plant, version) = try await LedgerPlantModel.latest(in: store) else { return }
        // As the server holds it: with its in-process cache of elements per unit and range.
        let reader = ProjectedKPI(store: store, model: plant, plantModelVersion: version, cache: ElementsCache())
        let list = queryList(min(queries, 2_000))
        for pass in ["first pass", "second pass"] {
            var latencies: [Double] = []
            for q in list {
                let t = Stopwatch()
                _ = try? await reader.result(q)
                latencies.append(t.elapsed)
            }
            let p = Self.percentiles(latencies)
            Console.out(
                "  warm queries    in-process projection (what /api/kpi runs), \(list.count) random scope × window × shift, \(pass): p50 \(Self.ms(p.p50)) ms, p99 \(Self.ms(p.p99)) ms")
        }

        // An acknowledged one-event append (a count near the end of the data, on a random unit) and the KPI query
        // over that unit's last day that shows it.
        let units = plant.resolvedWorkUnits.map(\.path)
        var rng = BenchRandom(seed: seed &+ 11)
        let ingest = IngestEvents(model: plant, store: store, recordedBy: "bench", now: { .now })
        let source = plant.systems.first?.id ?? "bench"
        var latencies: [Double] = []
        for k in 0..<100 {
            let unit = units[Int(rng.next() % UInt64(units.count))]
            let event = Event(
                id: EventID("bench-append-\(UUID().uuidString)"), ts: end.adding(seconds: -Int64(k) - 1), source: source,
                unit: unit, payload: .count(Count(good: 1, scrap: 0, rework: 0)))
            let t = Stopwatch()
            let report = try await ingest.ingest(events: [(line: nil, event: event)])
            guard report.accepted == 1 else { throw CLIError("the bench append was not accepted: \(report.rejections)") }
            let r = try await reader.result(KPIQuery(scope: unit, from: end.adding(seconds: -86_400), to: end))
            latencies.append(t.elapsed)
            if k == 0, r.elements.pq < 1 { throw CLIError("the appended count is not in the KPI answer") }
        }
        let p = Self.percentiles(latencies)
        Console.out(
            "  append → KPI    one-event append (one SQLite transaction, synchronous=FULL, checkpoint signed) and the unit's KPI over its last day: p50 \(Self.ms(p.p50)) ms, p99 \(Self.ms(p.p99)) ms")
        try await serve(list: Array(list.prefix(300)))
    }

    /// Starts `spar serve` on the bench ledger, times its start to a healthy answer, asks `/api/kpi` over loopback
    /// and reads its peak resident memory (VmHWM) before stopping it.
    func serve(list: [KPIQuery]) async throws {
        guard let spar = Bundle.main.executablePath else { return }
        let server = try BenchServer(spar: spar, db: dbPath, dir: dir)
        defer { server.stop() }
        guard try await server.waitHealthy() else {
            Console.err("  spar serve      did not answer /health within 120 s; see \(dir)/serve.stderr")
            return
        }
        let startup = server.started.elapsed
        let base = server.base
        let session = URLSession(configuration: .ephemeral)
        var latencies: [Double] = []
        var statuses: [Int: Int] = [:]
        for q in list {
            var url = base + "/api/kpi?scope=\(q.scope)&from=\(q.from.rfc3339)&to=\(q.to.rfc3339)"
            if let shift = q.shift { url += "&shift=\(shift)" }
            let t = Stopwatch()
            let answer = try? await session.data(from: URL(string: url)!)
            latencies.append(t.elapsed)
            statuses[(answer?.1 as? HTTPURLResponse)?.statusCode ?? 0, default: 0] += 1
        }
        let p = Self.percentiles(latencies)
        let hwm = server.peakRSS()
        Console.out(
            "  spar serve      healthy \(Self.ms(startup)) ms after start; GET /api/kpi over loopback, \(list.count) random queries: p50 \(Self.ms(p.p50)) ms, p99 \(Self.ms(p.p99)) ms, statuses \(statuses.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ")) (400: a shift the scope's calendars lack); peak RSS \(hwm)")
    }
}
