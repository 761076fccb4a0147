import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import SparConnectors
import SparCore
import SparInterchange
import SparSQLite
import SparStorage
import Synchronization

/// `spar connect`: machine connectors.
struct ConnectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "connect",
        abstract: "Machine connectors (MTConnect, MQTT): check a connectors file, run its connectors, show their health.",
        subcommands: [Check.self, MTConnect.self, MQTT.self, Status.self])

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate a connectors file against the plant model and print the mapping, without connecting.")

        @Argument(help: "The connectors file (connectors.yaml).")
        var file: String

        @Option(help: "Plant model (plant.yaml or plant.json). Optional with --db: the ledger's model is used.")
        var plant: String?

        @Option(help: "SQLite ledger whose plant model the file is checked against.")
        var db: String?

        @OptionGroup var identity: IdentityOptions

        func run() async throws {
            do {
                var store: (any KPIProjectionStore & CredentialStore)?
                if let db { store = try await openAuthorizedLedger(db, identity: identity, .read) }
                let model = try await MapCommand.plantModel(path: plant, store: store)
                let data: Data
                do {
                    data = try Data(contentsOf: URL(fileURLWithPath: file))
                } catch {
                    throw CLIError("cannot read \(file) (\(error.localizedDescription))")
                }
                let connectors = try ConnectorsFile.decode(data, name: file, plant: model)
                Console.out(connectors.describe())
            } catch let e as ExitCodeError {
                throw ExitCode(e.code)
            } catch {
                throw ExitCode(Console.fail(error).code)
            }
        }
    }

    struct MQTT: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "mqtt",
            abstract: "Run the connectors file's MQTT connectors into the ledger until Ctrl-C (or --duration).",
            discussion: """
                Each connector subscribes at QoS 1 with its fixed client id and a persistent session, reads UMH \
                messages (umh/v1/…, ia/…) into events and appends them as its source system, scoped to its site. \
                At the end it prints, per connector, the messages read, the events accepted, duplicated and \
                rejected, and the latest notices.
                """)

        @Option(help: "The connectors file (connectors.yaml).")
        var config: String

        @Option(help: "Run only this connector (default: every connector of kind mqtt).")
        var connector: String?

        @Option(help: "Stop after this many seconds (default: run until SIGINT or SIGTERM).")
        var duration: Double?

        @OptionGroup var options: IngestOptions

        func run() async throws {
            do {
                try await connect()
            } catch let e as ExitCodeError {
                throw ExitCode(e.code)
            } catch {
                throw ExitCode(Console.fail(error).code)
            }
        }

        func connect() async throws {
            if let duration, !(duration > 0) { throw CLIError("--duration must be a positive number of seconds") }
            let (ingest, ledger) = try await options.openIngestLedger()
            let data: Data
            do {
                data = try Data(contentsOf: URL(fileURLWithPath: config))
            } catch {
                throw CLIError("cannot read \(config) (\(error.localizedDescription))")
            }
            let file = try ConnectorsFile.decode(data, name: config, plant: ingest.model)
            let chosen = file.connectors.filter { $0.kind == "mqtt" && (connector == nil || $0.id == connector) }
            guard !chosen.isEmpty else {
                throw CLIError(
                    connector.map { "\(config) has no MQTT connector '\($0)'" } ?? "\(config) has no connector of kind mqtt")
            }
            try ledger.authorize(.ingest, sites: chosen.map(\.site))
            var logger = Logger(label: "spar.connect")
            logger.logLevel = ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0) } ?? .notice
            let board = ConnectorHealthBoard()
            let now: @Sendable () -> Timestamp = { .now }
            let sink = LedgerSink(model: ingest.model, store: ledger.store, now: now)
            let services = try chosen.map { c in
                try MQTTConnector(
                    connector: c, sink: sink, board: board, clock: now, batchSize: options.batchSize,
                    stateFile: ConnectorStateFile(directory: ConnectorStateFile.directory(forLedger: options.db), connector: c.id),
                    logger: logger)
            }
            for s in services {
                Console.out("\(s.id): subscribing to \(s.settings.subscriptions.joined(separator: ", ")) on \(s.endpoint) as \(s.settings.clientID)")
            }
            var lifecycle = ServiceGroupConfiguration(
                services: services.map { .init(service: $0, successTerminationBehavior: .gracefullyShutdownGroup) },
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
            // A ledger that does not take the last batch does not hold the shutdown for ever.
            lifecycle.maximumGracefulShutdownDuration = .seconds(30)
            let group = ServiceGroup(configuration: lifecycle)
            let started = Date()
            let activity = Activity()
            try await withThrowingTaskGroup(of: Bool.self) { tasks in
                tasks.addTask {
                    try await group.run()
                    return true
                }
                tasks.addTask {
                    while !Task.isCancelled {
                        activity.sample(board.snapshot().reduce(0) { $0 + $1.accepted })
                        try? await Task.sleep(for: .milliseconds(50))
                    }
                    return false
                }
                if let duration {
                    tasks.addTask {
                        try await Task.sleep(for: .seconds(duration))
                        await group.triggerGracefulShutdown()
                        return false
                    }
                }
                // The group ends on a signal or after the timer's graceful shutdown; the timer never outlives it.
                while let groupEnded = try await tasks.next() {
                    if groupEnded { tasks.cancelAll() }
                }
            }
            let elapsed = Date().timeIntervalSince(started)
            for h in board.snapshot() {
                Console.out(
                    "\(h.id): \(h.messages) messages, \(h.accepted) events accepted, \(h.duplicates) duplicates, \(h.rejected) rejected in \(String(format: "%.1f", elapsed)) s")
                for n in h.notices.suffix(5) { Console.out("  \(n.at.rfc3339) \(n.text)") }
            }
            if let (events, seconds) = activity.busy, seconds > 0 {
                Console.out(
                    "ingest: \(events) events in \(String(format: "%.2f", seconds)) s from the first to the last accepted (\(String(format: "%.0f", Double(events) / seconds)) events/s, sampled every 50 ms)")
            }
        }
    }

    /// When the accepted count first and last changed, sampled.
    final class Activity: Sendable {
        private let state = Mutex<(first: Date?, last: Date?, start: Int?, count: Int)>((nil, nil, nil, 0))

        func sample(_ accepted: Int) {
            let now = Date()
            state.withLock { s in
                if accepted != s.count {
                    if s.first == nil {
                        s.first = now
                        s.start = accepted
                    }
                    s.last = now
                    s.count = accepted
                }
            }
        }

        /// Events accepted after the first change seen, and the seconds from it to the last change.
        var busy: (Int, Double)? {
            state.withLock { s in
                guard let first = s.first, let last = s.last, let start = s.start else { return nil }
                return (s.count - start, last.timeIntervalSince(first))
            }
        }
    }
}
