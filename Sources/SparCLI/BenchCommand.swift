import ArgumentParser
import Foundation
#if canImport(Glibc)
    import Glibc
#endif
import SparCore
import SparDemo
import SparEngine
import SparInterchange
import SparSQLite

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure ledger ingest and KPI query speed; compare with DuckDB on the same events.",
        discussion: """
            Run it on a release build: swift run -c release spar bench. It generates synthetic events for a
            synthetic enterprise, ingests them into a fresh SQLite ledger, rebuilds the KPI projection, computes
            every KPI for every scope over the whole period and over each month, runs random scope × window
            queries, writes the events as CSV and runs bench/duckdb_baseline.py on them (DuckDB from pip). Cold
            spar kpi --db processes are timed beside cold DuckDB processes, then what a server does: warm queries,
            an append and the KPI that shows it, and spar serve itself (start-up, /api/kpi, peak memory).
            """
    )

    @Option(help: "Approximate number of events to generate.")
    var events = 10_000_000

    @Option(help: "Work units in the synthetic enterprise.")
    var units = 2000

    @Option(help: "Most sites the units are spread over (5 areas × 8 work centers each).")
    var sites = 10

    @Option(help: "Days of events.")
    var days = 365

    @Option(help: "Random scope × window queries.")
    var queries = 10_000

    @Option(help: "Working folder (ledger and CSV).")
    var dir = "bench/out"

    @Option(help: "Python interpreter for the DuckDB baseline ('' to skip).")
    var python = "python3"

    @Option(help: "Seed.")
    var seed: UInt64 = 1

    @Flag(inversion: .prefixedNo, help: "Also load every event into an in-memory engine (direct and pre-aggregated) and time it.")
    var inMemory = true

    @Flag(help: "Measure only the serving figures, on the ledger a previous run left in --dir.")
    var servingOnly = false

    @Flag(inversion: .prefixedNo, help: "Also time a cold spar ingest process of the events as JSON Lines and POST /api/events to spar serve, each into a fresh ledger.")
    var ingestProcesses = true

    @Flag(help: "Stop after the ingest figures.")
    var ingestOnly = false

    @Flag(help: "Measure only the execution record: a backward trace and step completions through the HTTP API.")
    var executionOnly = false

    @Option(help: "Serials behind the traced serial (--execution-only).")
    var ancestors = 1000

    @Option(help: "Steps completed through the HTTP API (--execution-only).")
    var completions = 200

    func run() async throws {
        do {
            try await bench()
        } catch {
            throw ExitCode(Console.fail(error).code)
        }
    }

    func bench() async throws {
        #if DEBUG
            Console.err("note: this is a debug build; measure with swift run -c release spar bench")
        #endif
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let dbPath = dir + "/bench.sqlite"
        if executionOnly {
            try await BenchExecution(dir: dir, ancestors: ancestors, completions: completions).run()
            return
        }
        if servingOnly {
            let model = DemoGenerator.benchmarkModel(units: units, sites: sites)
            let start = Timestamp(seconds: CivilDate.days(2025, 1, 6) * 86_400)
            try await BenchServing(
                dbPath: dbPath, dir: dir, model: model, start: start, end: start.adding(seconds: Int64(days) * 86_400),
                queries: queries, seed: seed
            ).run()
            return
        }
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: dbPath + suffix) }
        let model = DemoGenerator.benchmarkModel(units: units, sites: sites)
        // A fixed past year, so that no event is refused as being in the future.
        let start = Timestamp(seconds: CivilDate.days(2025, 1, 6) * 86_400)
        let end = start.adding(seconds: Int64(days) * 86_400)
        let rate = DemoGenerator.eventsPerUnitDay
        let intensity = Double(events) / (Double(units) * Double(days) * rate)
        let generator = DemoGenerator(model: model, seed: seed, start: start, days: days, intensity: intensity)
        Console.out("spar bench: \(units) units over \(model.sites.count) sites, \(days) days, target \(events) events (intensity \(String(format: intensity, digits: 3)))")

        var clock = Stopwatch()
        var all: [Event] = []
        all.reserveCapacity(events + events / 10)
        generator.forEachEvent { all.append($0) }
        let generated = clock.lap()
        Console.out("  generate        \(all.count) events in \(ms(generated)) ms")

        let store = try SQLiteLedgerStore(path: dbPath)
        _ = try await LedgerPlantModel.record(model, in: store, allowNewVersion: true, recordedAt: .now, recordedBy: "bench")
        let ingest = IngestEvents(model: model, store: store, recordedBy: "bench", now: { .now })
        clock = Stopwatch()
        var accepted = 0
        var i = 0
        while i < all.count {
            let batch = all[i..<min(i + 10_000, all.count)].map { (line: Int?.none, event: $0) }
            let report = try await ingest.ingest(events: batch)
            accepted += report.accepted
            if !report.rejections.isEmpty { throw CLIError("bench events were rejected: \(report.rejections[0])") }
            i += 10_000
        }
        let ingestTime = clock.lap()
        Console.out("  ingest          \(accepted) events in \(ms(ingestTime)) ms = \(perSecond(accepted, ingestTime)) events/s (validated, canonical JSON, SQLite WAL, synchronous=FULL, 10k per transaction)")

        if ingestProcesses { try await BenchIngest(dir: dir, model: model, events: all).run() }
        let projectionBytes = try store.projectionBytes()
        Console.out(
            "  projection      \(try await store.recordCounts().values.reduce(0, +)) KPI records at the ledger's head; "
                + (projectionBytes.map { "\($0 / max(1, accepted)) bytes per event on disk (records and indexes)" } ?? "size not measured (no dbstat)"))
        if ingestOnly { return }
        let csv = dir + "/events.csv"
        try BenchCSV.write(all, model: model, to: csv)
        try coldQueries(dbPath: dbPath, csv: csv, model: model, start: start, end: end)
        try await BenchServing(dbPath: dbPath, dir: dir, model: model, start: start, end: end, queries: queries, seed: seed).run()
        guard inMemory else { return }

        clock = Stopwatch()
        let engine = try await LedgerProjection.load(store: store, model: model, plantModelVersion: nil)
        let rebuild = clock.lap()
        Console.out("  rebuild         projection from the ledger in \(ms(rebuild)) ms = \(perSecond(accepted, rebuild)) events/s")

        clock = Stopwatch()
        let indexed = engine.indexed(over: Interval(start, end))
        let indexTime = clock.lap()
        Console.out("  index           pre-aggregated time/quantity totals for \(units) units in \(ms(indexTime)) ms")

        var yearTimes: [Double] = []
        for (label, e) in [("direct", engine), ("indexed", indexed)] {
            clock = Stopwatch()
            let scopes = allScopes(e, from: start, to: end)
            let year = clock.lap()
            yearTimes.append(year)
            clock = Stopwatch()
            var monthStart = start
            var months = 0
            while monthStart < end {
                let monthEnd = min(end, monthStart.adding(seconds: 30 * 86_400))
                _ = allScopes(e, from: monthStart, to: monthEnd)
                monthStart = monthEnd
                months += 1
            }
            let monthly = clock.lap()
            Console.out("  all scopes      \(label): \(scopes) scopes × \(KPICatalogue.all.count) KPIs over the whole period in \(ms(year)) ms; over each of \(months) months in \(ms(monthly)) ms")
        }

        var rng = BenchRandom(seed: seed)
        let unitPaths = model.resolvedWorkUnits.map(\.path)
        if !unitPaths.isEmpty, !all.isEmpty {
            // A one-event batch (a count at the end of the data) on a random unit: the projection update of that
            // unit and the KPI query that shows it, against rebuilding the projection from every event.
            var byUnit: [EquipmentPath: [Event]] = [:]
            for e in all { byUnit[e.unit, default: []].append(e) }
            var updates: [Double] = []
            var current = indexed
            for k in 0..<50 {
                let unit = unitPaths[Int(rng.next() % UInt64(unitPaths.count))]
                let event = Event(
                    id: EventID("bench-live-\(k)"), ts: end.adding(seconds: -Int64(k) - 1), source: "bench", unit: unit,
                    payload: .count(Count(good: 1, scrap: 0, rework: 0)))
                byUnit[unit, default: []].append(event)
                let t0 = Stopwatch()
                current = current.updating(units: [unit], events: byUnit[unit] ?? [])
                _ = try current.result(KPIQuery(scope: unit, from: end.adding(seconds: -86_400), to: end))
                updates.append(t0.elapsed)
            }
            updates.sort()
            clock = Stopwatch()
            _ = KPIEngine(model: model, events: all).indexed(over: Interval(start, end))
            let whole = clock.lap()
            Console.out(
                "  live update     one-event batch on one unit, update + KPI query: p50 \(String(format: updates[updates.count / 2] * 1000, digits: 3)) ms, "
                    + "p99 \(String(format: updates[updates.count * 99 / 100] * 1000, digits: 3)) ms; rebuilding the whole projection: \(ms(whole)) ms")
        }
        let paths = model.allPaths
        var queryList: [KPIQuery] = []
        for _ in 0..<queries {
            let path = paths[Int(rng.next() % UInt64(paths.count))]
            let length = Int64(3600 + rng.next() % UInt64(30 * 86_400))
            let offset = Int64(rng.next() % UInt64(max(1, Int64(days) * 86_400 - length)))
            let from = start.adding(seconds: offset)
            queryList.append(KPIQuery(scope: path, from: from, to: from.adding(seconds: length)))
        }
        var p50s: [Double] = []
        for (label, e) in [("direct", engine), ("indexed", indexed)] {
            var latencies: [Double] = []
            latencies.reserveCapacity(queries)
            for q in queryList {
                let t0 = Stopwatch()
                _ = try e.result(q)
                latencies.append(t0.elapsed)
            }
            latencies.sort()
            let p50 = latencies.isEmpty ? 0 : latencies[latencies.count / 2]
            let p99 = latencies.isEmpty ? 0 : latencies[min(latencies.count - 1, latencies.count * 99 / 100)]
            p50s.append(p50)
            Console.out("  random queries  \(label): \(queries) scope × window (1 h – 30 d): p50 \(String(format: p50 * 1000, digits: 3)) ms, p99 \(String(format: p99 * 1000, digits: 3)) ms")
        }
        if yearTimes.count == 2, p50s.count == 2, yearTimes[1] > 0, p50s[1] > 0 {
            Console.out("  speed-up        indexed vs direct: whole period ×\(String(format: yearTimes[0] / yearTimes[1], digits: 1)), random query p50 ×\(String(format: p50s[0] / p50s[1], digits: 1))")
        }
        let year = yearTimes.last ?? 0

        Console.out("  csv             \(csv)")
        if !python.isEmpty {
            let script = "bench/duckdb_baseline.py"
            let result = try runBaseline(python: python, script: script, csv: csv, from: start, to: end)
            if let duck = result {
                Console.out("  duckdb          same time-model aggregation per unit over the whole period: \(ms(duck)) ms")
                Console.out("  ratio           spar (indexed) all scopes over the period / duckdb = \(String(format: year / duck, digits: 2)) (below 1: Spar is faster)")
            }
        }
    }

    /// Cold `spar kpi --db` processes for the enterprise, a site and a unit over a month and over the whole period,
    /// each beside a cold DuckDB process opening its own database file of the same events and aggregating the
    /// same scope and window.
    func coldQueries(dbPath: String, csv: String, model: PlantModel, start: Timestamp, end: Timestamp) throws {
        guard let spar = Bundle.main.executablePath else { return }
        let duckFile = dir + "/bench.duckdb"
        var duck = false
        if !python.isEmpty, FileManager.default.fileExists(atPath: "bench/duckdb_cold.py") {
            try? FileManager.default.removeItem(atPath: duckFile)
            let load = try MeasuredProcess.run(["/usr/bin/env", python, "bench/duckdb_cold.py", "load", csv, duckFile], dir: dir)
            duck = load.status == 0
            if !duck { Console.err("  duckdb          skipped: the cold baseline could not load the events (pip install duckdb?)") }
        }
        let units = model.resolvedWorkUnits.map(\.path)
        guard let unit = units.first, let site = units.first.map({ EquipmentPath($0.components.prefix(2).joined(separator: "/")) }),
            let enterprise = units.first.map({ EquipmentPath($0.components.prefix(1).joined(separator: "/")) })
        else { return }
        let monthFrom = start.adding(seconds: Int64(max(0, days / 2 - 15)) * 86_400)
        let month = (monthFrom, min(end, monthFrom.adding(seconds: 30 * 86_400)))
        for (label, scope) in [("enterprise", enterprise), ("site", site), ("unit", unit)] {
            for (window, (from, to)) in [("month", month), ("period", (start, end))] {
                let arguments = [
                    spar, "kpi", "--db", dbPath, "--scope", scope.description, "--from", from.rfc3339, "--to", to.rfc3339,
                    "--format", "json",
                ]
                let first = try MeasuredProcess.run(arguments, dir: dir)
                guard first.status == 0 else { throw CLIError("spar kpi failed on the bench ledger:\n\(first.stderr)") }
                let r = try MeasuredProcess.run(arguments, dir: dir)
                var line = "  cold kpi        \(label) over the \(window): spar \(ms(first.seconds)) ms first (\(first.maxRSSKB / 1024) MB), "
                    + "\(ms(r.seconds)) ms with its day buckets cached (\(r.maxRSSKB / 1024) MB)"
                if duck {
                    let d = try MeasuredProcess.run(
                        ["/usr/bin/env", python, "bench/duckdb_cold.py", "query", duckFile, scope.description,
                         String(from.milliseconds), String(to.milliseconds)], dir: dir)
                    if d.status == 0, let s = d.stdout.split(separator: "\n").last(where: { $0.hasPrefix("seconds ") }),
                        let inner = Double(s.dropFirst("seconds ".count))
                    {
                        line += "; duckdb open + aggregate \(ms(inner)) ms (process \(ms(d.seconds)) ms, \(d.maxRSSKB / 1024) MB)"
                        line += "; ratio ×\(String(format: r.seconds / max(inner, 1e-9), digits: 2)) (process ×\(String(format: r.seconds / max(d.seconds, 1e-9), digits: 2)))"
                    }
                }
                Console.out(line)
            }
        }
    }

    /// Elements and all KPIs for every scope of the hierarchy; returns the number of scopes.
    func allScopes(_ engine: KPIEngine, from: Timestamp, to: Timestamp) -> Int {
        let all = engine.elementsForAllScopes(from: from, to: to)
        var kpis = 0
        for (path, el) in all {
            kpis += engine.makeResult(query: KPIQuery(scope: path, from: from, to: to), elements: el, singleUnit: path.isWorkUnit).kpis.count
        }
        return kpis / max(1, KPICatalogue.all.count)
    }

    func runBaseline(python: String, script: String, csv: String, from: Timestamp, to: Timestamp) throws -> Double? {
        guard FileManager.default.fileExists(atPath: script) else {
            Console.err("  duckdb          skipped: \(script) not found (run from the package folder)")
            return nil
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = [python, script, csv, String(from.milliseconds), String(to.milliseconds)]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard p.terminationStatus == 0, let line = text.split(separator: "\n").last(where: { $0.hasPrefix("seconds ") }),
            let seconds = Double(line.dropFirst("seconds ".count))
        else {
            Console.err("  duckdb          skipped: the baseline failed (pip install duckdb?)\n\(text)")
            return nil
        }
        return seconds
    }

    func ms(_ seconds: Double) -> String { String(format: seconds * 1000, digits: 1) }
    func perSecond(_ n: Int, _ seconds: Double) -> String { String(Int((Double(n) / max(seconds, 1e-9)).rounded())) }
}

/// A child process run to its end, with its wall time and peak resident memory (`wait4`'s rusage).
struct MeasuredProcess {
    var status: Int32
    var seconds: Double
    var maxRSSKB: Int
    var stdout: String
    var stderr: String

    /// Runs `arguments` under GNU time when it is installed (`/usr/bin/time`), whose own child starts with a fresh
    /// memory high-water mark: a process spawned straight from this one would inherit this one's in `ru_maxrss`.
    static func run(_ arguments: [String], dir: String) throws -> MeasuredProcess {
        let time = "/usr/bin/time"
        guard FileManager.default.isExecutableFile(atPath: time) else { return try spawn(arguments, dir: dir) }
        var r = try spawn([time, "-f", "spar-bench-maxrss-kb %M"] + arguments, dir: dir)
        var lines = r.stderr.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if let i = lines.lastIndex(where: { $0.hasPrefix("spar-bench-maxrss-kb ") }) {
            r.maxRSSKB = Int(lines[i].dropFirst("spar-bench-maxrss-kb ".count)) ?? 0
            lines.remove(at: i)
            r.stderr = lines.joined(separator: "\n")
        }
        return r
    }

    static func spawn(_ arguments: [String], dir: String) throws -> MeasuredProcess {
        let out = dir + "/child.stdout"
        let err = dir + "/child.stderr"
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, err, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) }
        argv.append(nil)
        defer { for p in argv { free(p) } }
        var pid: pid_t = 0
        let started = DispatchTime.now().uptimeNanoseconds
        let rc = posix_spawn(&pid, arguments[0], &actions, nil, argv, environ)
        guard rc == 0 else { throw CLIError("cannot start \(arguments[0]): error \(rc)") }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0, errno == EINTR {}
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        let exit = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return MeasuredProcess(
            status: exit, seconds: seconds, maxRSSKB: usage.ru_maxrss,
            stdout: (try? String(contentsOfFile: out, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOfFile: err, encoding: .utf8)) ?? "")
    }
}

struct Stopwatch {
    let started = DispatchTime.now().uptimeNanoseconds
    var lapStart = DispatchTime.now().uptimeNanoseconds

    var elapsed: Double { Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9 }

    mutating func lap() -> Double {
        let now = DispatchTime.now().uptimeNanoseconds
        defer { lapStart = now }
        return Double(now - lapStart) / 1e9
    }
}

struct BenchRandom {
    var state: UInt64
    init(seed: UInt64) { state = seed ^ 0x5DEE_CE66_D1CE_5EED }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// The events as CSV for the DuckDB baseline: one row per state or count event.
enum BenchCSV {
    static func write(_ events: [Event], model: PlantModel, to path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil) else { throw CLIError("cannot write \(path)") }
        guard let h = FileHandle(forWritingAtPath: path) else { throw CLIError("cannot write \(path)") }
        defer { try? h.close() }
        let index = PlantModel.Index(model)
        var buffer = "unit,ts,type,category,good,scrap,rework\n"
        for e in events {
            switch e.payload {
            case .state(let s):
                let c = s.category ?? s.reason.flatMap { index.reasons[$0]?.category }
                buffer += "\(e.unit),\(e.ts.milliseconds),state,\(c?.rawValue ?? ""),0,0,0\n"
            case .count(let c):
                buffer += "\(e.unit),\(e.ts.milliseconds),count,,\(c.good),\(c.scrap),\(c.rework)\n"
            default:
                continue
            }
            if buffer.utf8.count > 1 << 20 {
                h.write(Data(buffer.utf8))
                buffer = ""
            }
        }
        h.write(Data(buffer.utf8))
    }
}
