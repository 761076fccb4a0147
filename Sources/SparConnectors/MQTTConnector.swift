import Foundation
import Logging
import ServiceLifecycle
import SparCore
import SparInterchange

/// One MQTT connector as a service: subscribes through ``MosquittoClient`` (persistent session, QoS 1), reads
/// each message with ``MQTTUMH``, and delivers the events in small batches to its ``ConnectorSink`` as the
/// connector's source system, scoped to its site. Its ``ConnectorHealthBoard`` entry shows whether the broker is
/// reached, when the last message arrived (wall clock), the lag of the newest payload time behind its arrival,
/// what was accepted, duplicated or rejected, and why.
///
/// A batch is delivered when it holds ``batchSize`` events or when no further message is waiting; a failed
/// delivery is retried with ``connectorBackoff(failures:cap:)`` while messages keep arriving into the client's
/// buffer, so neither the network thread nor the caller ever waits on the ledger.
public struct MQTTConnector: Service {
    public let id: String
    public let site: String
    public let source: String
    public let settings: ConnectorsFile.MQTTSettings
    public let sink: any ConnectorSink
    public let board: ConnectorHealthBoard
    public let clock: @Sendable () -> Timestamp
    public let batchSize: Int
    /// Where the connector's health is saved after each delivery, for `spar connect status` (the broker keeps the
    /// position: the persistent session).
    public let stateFile: ConnectorStateFile?
    /// Shortest time between two rebirth requests to one Sparkplug edge node, milliseconds.
    public let rebirthInterval: Int64
    let logger: Logger

    /// A connector of kind `mqtt` from a connectors file.
    public init(
        connector: ConnectorsFile.Connector, sink: any ConnectorSink, board: ConnectorHealthBoard,
        clock: @escaping @Sendable () -> Timestamp, batchSize: Int = 200, stateFile: ConnectorStateFile? = nil,
        rebirthInterval: Int64 = 10_000, logger: Logger = Logger(label: "spar.connector.mqtt")
    ) throws {
        guard let settings = connector.mqtt else {
            throw NotMQTT(description: "connector \(connector.id) is of kind \(connector.kind), not mqtt")
        }
        id = connector.id
        site = connector.site
        source = connector.source
        self.settings = settings
        self.sink = sink
        self.board = board
        self.clock = clock
        self.batchSize = max(1, batchSize)
        self.stateFile = stateFile
        self.rebirthInterval = rebirthInterval
        self.logger = logger
    }

    /// A connector of another kind was given.
    public struct NotMQTT: Error, CustomStringConvertible {
        public var description: String
    }

    public var principal: Principal { .connector(source: source, site: site, connector: id) }

    public var endpoint: String { "mqtt://\(settings.host):\(settings.port)" }

    public func run() async throws {
        if board.health(id) == nil {
            board.register(ConnectorHealth(id: id, kind: "mqtt", site: site, source: source, endpoint: endpoint))
        }
        let (board, id, clock, logger) = (self.board, self.id, self.clock, self.logger)
        let client = try MosquittoClient(
            options: MosquittoClient.Options(
                host: settings.host, port: settings.port, clientID: settings.clientID, cleanSession: false,
                subscriptions: settings.subscriptions, qos: 1),
            changes: { change in
                let now = clock()
                board.update(id) { h in
                    h.connected = change.connected
                    if change.connected {
                        h.lastError = nil
                        h.failures = 0
                        h.nextAttemptAt = nil
                        h.notice("connected", at: now)
                    } else if let reason = change.reason {
                        h.lastError = reason
                        h.failures += 1
                        h.nextAttemptAt = now.adding(milliseconds: Int64(connectorBackoff(failures: h.failures, cap: 30) * 1000))
                        h.notice("disconnected: \(reason)", at: now)
                    }
                }
                logger.info(
                    change.connected ? "mqtt connected" : "mqtt disconnected",
                    metadata: ["spar.connector": "\(id)", "spar.reason": "\(change.reason ?? "")"])
            })
        defer { client.stop() }
        do {
            try await cancelWhenGracefulShutdown { try await client.start() }
        } catch is CancellationError where !Task.isCancelled {
            return  // shut down before the broker ever answered
        }
        var readers = Readers(
            umh: MQTTUMH(source: source, assets: settings.assets, states: settings.states),
            sparkplug: SparkplugTracker(devices: settings.sparkplug))
        var batch: [Event] = []
        // On graceful shutdown the client disconnects and finishes its stream: what libmosquitto already
        // acknowledged and buffered is still read and delivered before the service returns.
        try await withGracefulShutdownHandler {
            try await consume(client, &readers, &batch)
        } onGracefulShutdown: {
            client.stop()
        }
        if !batch.isEmpty { try await deliver(&batch) }
        let now = clock()
        board.update(id) { h in
            h.connected = false
            h.notice(ConnectorHealth.stoppedNotice, at: now)
        }
        save()
    }

    /// What reads the messages: UMH and `ia/` topics, and Sparkplug B (`spBv1.0/…`) with the last rebirth request
    /// sent to each edge node.
    struct Readers {
        var umh: MQTTUMH
        var sparkplug: SparkplugTracker
        var rebirths: [SparkplugEdgeNode: Timestamp] = [:]
    }

    func consume(_ client: MosquittoClient, _ readers: inout Readers, _ batch: inout [Event]) async throws {
        for await message in client.messages {
            client.taken()
            let now = clock()
            if message.topic.hasPrefix(SparkplugTopic.namespace + "/") {
                readSparkplug(message, &readers, &batch, client: client, now: now)
            } else {
                readUMH(message, &readers.umh, &batch, now: now)
            }
            if batch.count >= batchSize || (client.pending == 0 && !batch.isEmpty) {
                try await deliver(&batch)
            }
        }
    }

    func readSparkplug(_ message: MQTTMessage, _ readers: inout Readers, _ batch: inout [Event], client: MosquittoClient, now: Timestamp) {
        let out = readers.sparkplug.read(topic: message.topic, payload: message.payload, receivedAt: now)
        let newest = out.events.map(\.ts).max()
        board.update(id) { h in
            h.messages += 1
            h.lastMessageAt = now
            if let newest {
                h.lastObservationAt = max(h.lastObservationAt ?? newest, newest)
                h.lagMilliseconds = now.milliseconds - newest.milliseconds
            }
            switch out.disposition {
            case .read, .redelivered: break
            case .ignored(let why): h.notice("ignored \(message.topic): \(why)", at: now)
            case .rejected(let why):
                h.rejected += 1
                h.notice("rejected \(message.topic): \(why)", at: now)
            }
            for n in out.notices { h.notice(n, at: now) }
        }
        batch.append(contentsOf: out.events)
        guard let node = out.rebirth else { return }
        if let last = readers.rebirths[node], now.milliseconds - last.milliseconds < rebirthInterval { return }
        readers.rebirths[node] = now
        do {
            let request = try node.rebirthRequest(at: now)
            _ = try client.publish(topic: request.topic, payload: request.payload, qos: 0)
            board.update(id) { $0.notice("asked \(node) to rebirth (\(request.topic))", at: now) }
        } catch {
            board.update(id) { $0.notice("could not ask \(node) to rebirth: \(error)", at: now) }
        }
    }

    func readUMH(_ message: MQTTMessage, _ reader: inout MQTTUMH, _ batch: inout [Event], now: Timestamp) {
        switch reader.read(topic: message.topic, payload: message.payload, receivedAt: now) {
        case .success(let events):
            let newest = events.map(\.ts).max()
            board.update(id) { h in
                h.messages += 1
                h.lastMessageAt = now
                if let newest {
                    h.lastObservationAt = max(h.lastObservationAt ?? newest, newest)
                    h.lagMilliseconds = now.milliseconds - newest.milliseconds
                }
            }
            batch.append(contentsOf: events)
        case .failure(let rejection):
            board.update(id) { h in
                h.messages += 1
                h.lastMessageAt = now
                h.rejected += 1
                h.notice("rejected: \(rejection)", at: now)
            }
            logger.notice("mqtt message rejected", metadata: ["spar.connector": "\(id)", "spar.reason": "\(rejection)"])
        }
    }

    func save() {
        guard let stateFile, let health = board.health(id) else { return }
        let contents = ConnectorStateFile.Contents<String>(health: health, cursor: nil, savedAt: clock().milliseconds)
        do {
            try stateFile.save(contents)
        } catch {
            logger.error("spar.connector.state", metadata: ["spar.connector": "\(id)", "spar.error": "\(error)"])
        }
    }

    /// Delivers `batch` until the sink takes it, retrying with backoff; empties it.
    func deliver(_ batch: inout [Event]) async throws {
        var failures = 0
        while true {
            do {
                let d = try await sink.deliver(batch, as: principal)
                let now = clock()
                board.update(id) { h in
                    h.accepted += d.accepted
                    h.duplicates += d.duplicates
                    h.rejected += d.rejections.count
                    for r in d.rejections { h.notice("refused by the ledger: \(r)", at: now) }
                    if failures > 0 { h.lastError = nil }
                }
                batch.removeAll(keepingCapacity: true)
                save()
                return
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                failures += 1
                let delay = connectorBackoff(failures: failures, cap: 30)
                let now = clock()
                board.update(id) { h in
                    h.lastError = "ledger: \(error)"
                    h.notice("delivery failed, retrying in \(JSONValue.format(delay)) s: \(error)", at: now)
                }
                logger.warning("mqtt delivery failed", metadata: ["spar.connector": "\(id)", "spar.error": "\(error)"])
                try await Task.sleep(for: .seconds(delay))
            }
        }
    }
}
