import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import SparConnectors
import SparCore
import SparEngine
import SparInterchange
import SparSQLite

extension ConnectCommand {
    /// `spar connect mtconnect`: runs the MTConnect connectors of a connectors file into a ledger.
    struct MTConnect: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "mtconnect",
            abstract: "Run the MTConnect connectors of a connectors file into a ledger until Ctrl-C (or --duration).",
            discussion: """
                Each connector reads its agent's /probe, /current, then /sample from the next sequence, and appends \
                the machine states and part counts as its source system, on its site only. Its position is kept in \
                LEDGER.connectors/ID.json, so a restart resumes where it stopped. `spar serve --connectors FILE` runs \
                the same connectors inside the server.
                """)

        @Option(help: "The connectors file (connectors.yaml).")
        var config: String

        @Option(help: "The SQLite ledger to append to.")
        var db: String

        @Option(help: "Run only this connector (repeatable; default: every MTConnect connector of the file).")
        var connector: [String] = []

        @Option(help: "Stop after this many seconds.")
        var duration: Double?

        @OptionGroup var identity: IdentityOptions

        func run() async throws {
            do {
                try await start()
            } catch let e as ExitCodeError {
                throw ExitCode(e.code)
            } catch {
                throw ExitCode(Console.fail(error).code)
            }
        }

        func start() async throws {
            if let duration, !(duration > 0) { throw CLIError("--duration must be positive") }
            let ledger = try await GovernedLedger.open(db: db, identity: identity)
            guard let model = try await ledger.ingestModel() else {
                throw CLIError("the ledger \(db) holds no plant model; record one with spar ingest --plant plant.yaml first")
            }
            let data: Data
            do {
                data = try Data(contentsOf: URL(fileURLWithPath: config))
            } catch {
                throw CLIError("cannot read \(config) (\(error.localizedDescription))")
            }
            let file = try ConnectorsFile.decode(data, name: config, plant: model)
            let unknown = connector.filter { id in !file.connectors.contains { $0.id == id } }
            guard unknown.isEmpty else {
                throw CLIError("no connector \(unknown.joined(separator: ", ")) in \(config) (it has \(file.connectors.map(\.id).joined(separator: ", ")))")
            }
            let chosen = file.connectors.filter { $0.kind == "mtconnect" && (connector.isEmpty || connector.contains($0.id)) }
            guard !chosen.isEmpty else { throw CLIError("\(config) has no MTConnect connector to run") }
            for c in chosen { try ledger.authorize(.ingest, sites: [c.site]) }
            let board = ConnectorHealthBoard()
            let sink = LedgerSink(model: model, store: ledger.store, now: { .now })
            var logger = Logger(label: "spar.connect")
            logger.logLevel = ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0) } ?? .notice
            let directory = ConnectorStateFile.directory(forLedger: db)
            let services = try chosen.map { c in
                try MTConnectConnector(
                    connector: c, sink: sink, board: board, stateFile: ConnectorStateFile(directory: directory, connector: c.id),
                    station: "spar connect by \(ledger.principal.id) \(IdentityOptions.station)", logger: logger)
            }
            Console.out("Reading \(chosen.map { "\($0.id) (\($0.agent?.absoluteString ?? ""))" }.joined(separator: ", ")) into \(db); Ctrl-C stops.")
            let group = ServiceGroup(
                configuration: ServiceGroupConfiguration(
                    services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                if let duration {
                    tasks.addTask {
                        try await Task.sleep(for: .milliseconds(Int64(duration * 1000)))
                        await group.triggerGracefulShutdown()
                    }
                }
                try await tasks.next()
                tasks.cancelAll()
            }
            Console.out(Status.table(board.snapshot().map { ($0, Timestamp.now.milliseconds) }, now: .now))
        }
    }

    /// `spar connect status`: the health each connector of a ledger last saved.
    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show each connector's health: connected, last message, lag, counts, the last failure and notices.",
            discussion: """
                Reads what the connectors running on the ledger (spar connect or spar serve --connectors) last saved \
                beside it. A connector is stale when nothing has arrived for longer than its threshold by this \
                machine's clock. Exits 3 when a connector is stale, or not connected without having been stopped.
                """)

        @Option(help: "The SQLite ledger the connectors append to.")
        var db: String

        @Option(help: "table or json.")
        var format: String = "table"

        func run() async throws {
            guard ["table", "json"].contains(format) else { throw ExitCode(Console.fail(CLIError("--format is table or json")).code) }
            let list: [(health: ConnectorHealth, savedAt: Int64)]
            do {
                list = try ConnectorStateFile.healths(in: ConnectorStateFile.directory(forLedger: db))
            } catch {
                throw ExitCode(Console.fail(error).code)
            }
            let now = Timestamp.now
            if format == "json" {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
                struct Row: Encodable {
                    var health: ConnectorHealth
                    var stale: Bool
                    var silenceMilliseconds: Int64?
                }
                let rows = list.map { Row(health: $0.health, stale: $0.health.isStale(now: now), silenceMilliseconds: $0.health.silence(now: now)) }
                Console.out(String(decoding: try encoder.encode(["connectors": rows]), as: UTF8.self))
            } else if list.isEmpty {
                Console.out("No connector has run on \(db) (no \(ConnectorStateFile.directory(forLedger: db).path)).")
            } else {
                Console.out(Self.table(list, now: now))
            }
            if list.contains(where: { $0.health.isStale(now: now) || (!$0.health.connected && !$0.health.isStopped) }) {
                throw ExitCode(3)
            }
        }

        static func table(_ list: [(health: ConnectorHealth, savedAt: Int64)], now: Timestamp) -> String {
            func age(_ ms: Int64?) -> String {
                guard let ms else { return "never" }
                return ms < 1000 ? "\(ms) ms ago" : String(format: "%.1f s ago", Double(ms) / 1000)
            }
            var lines: [String] = []
            for (h, _) in list {
                let status = (h.connected ? "connected" : h.isStopped ? "stopped" : "NOT CONNECTED") + (h.isStale(now: now) ? ", STALE" : "")
                lines.append("\(h.id) (\(h.kind), site \(h.site), source \(h.source)) \(h.endpoint): \(status)")
                lines.append(
                    "  last message \(age(h.silence(now: now))); behind the source "
                        + (h.lagMilliseconds.map { "\($0) ms" } ?? "–") + (h.lagSequences.map { " / \($0) sequences" } ?? "")
                        + "; \(h.messages) documents, \(h.accepted) events accepted, \(h.duplicates) duplicates, \(h.rejected) rejected")
                if let e = h.lastError {
                    lines.append("  last failure (\(h.failures) in a row): \(e)" + (h.nextAttemptAt.map { "; next attempt \($0.rfc3339)" } ?? ""))
                }
                for n in h.notices.suffix(5) { lines.append("  \(n.at.rfc3339) \(n.text)") }
            }
            return lines.joined(separator: "\n")
        }
    }
}
