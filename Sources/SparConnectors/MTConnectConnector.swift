import Foundation
import Logging
import ServiceLifecycle
import SparCore
import SparEngine
import SparInterchange

/// One MTConnect agent feeding the ledger: `/probe` (the mapped devices must be there), `/current` (the state now),
/// then `/sample?from=` the next sequence, at the connector's interval and at once while the agent holds more.
///
/// A new agent instance or a buffer that overran what was not yet read (`OUT_OF_RANGE`, or a first sequence above
/// ours) is read again from `/current`: the tracker reports the gap and makes it unknown state. Each document's
/// events are delivered before the position moves on and the position is saved after each delivery, so neither
/// a restart of the agent nor of Spar duplicates or loses an event. A failure to reach or read the agent is
/// retried with a doubling delay and never stops the connector.
public actor MTConnectConnector {
    nonisolated public let connector: ConnectorsFile.Connector
    let agent: MTConnectAgent
    let sink: any ConnectorSink
    let board: ConnectorHealthBoard
    let principal: Principal
    let stateFile: ConnectorStateFile?
    let now: @Sendable () -> Timestamp
    let logger: Logger
    /// The unit of the retry delay (one second in service; shorter in tests).
    let retryUnit: Duration
    /// Observations asked for per `/sample`.
    let sampleCount: Int
    private(set) var tracker: MTConnectTracker

    public init(
        connector: ConnectorsFile.Connector, sink: any ConnectorSink, board: ConnectorHealthBoard,
        stateFile: ConnectorStateFile?, station: String? = nil, now: @escaping @Sendable () -> Timestamp = { .now },
        logger: Logger = Logger(label: "spar.connector"), retryUnit: Duration = .seconds(1), sampleCount: Int = 1000,
        requestTimeout: Double = 10
    ) throws {
        guard connector.kind == "mtconnect", let base = connector.agent else {
            throw NotMTConnect(description: "connector \(connector.id) is of kind \(connector.kind), not an MTConnect agent")
        }
        self.connector = connector
        agent = MTConnectAgent(base: base, timeout: requestTimeout)
        self.sink = sink
        self.board = board
        principal = .connector(source: connector.source, site: connector.site, connector: connector.id, station: station)
        self.stateFile = stateFile
        self.now = now
        self.logger = logger
        self.retryUnit = retryUnit
        self.sampleCount = sampleCount
        var health = ConnectorHealth(
            id: connector.id, kind: "mtconnect", site: connector.site, source: connector.source,
            endpoint: base.absoluteString)
        tracker = MTConnectTracker(devices: connector.devices)
        let staleAfter = Self.staleAfter(pollSeconds: connector.pollSeconds)
        if let saved = try stateFile?.load(MTConnectTracker.Snapshot.self) {
            health = saved.health
            health.connected = false
            if let cursor = saved.cursor {
                do {
                    tracker = try MTConnectTracker(devices: connector.devices, resuming: cursor)
                } catch {
                    throw ConnectorStateFile.Unreadable(path: stateFile?.url.path ?? "", reason: "\(error)")
                }
            }
        }
        health.staleAfter = staleAfter
        board.register(health)
    }

    /// A connector given to ``MTConnectConnector`` that has no agent.
    public struct NotMTConnect: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// A connector is stale after five polling intervals without a document, and never sooner than 10 s.
    public static func staleAfter(pollSeconds: Double) -> Int64 { max(10_000, Int64(pollSeconds * 5_000)) }

    /// Polls until the task is cancelled, then records that the connector stopped.
    public func pollUntilCancelled() async {
        let interval = Duration.milliseconds(Int64(max(0.05, connector.pollSeconds) * 1000))
        loop: while !Task.isCancelled {
            do {
                let more = try await poll()
                if !more { try await Task.sleep(for: interval) }
            } catch {
                if Task.isCancelled || error is CancellationError { break loop }
                let failures = board.update(connector.id) { h -> Int in
                    h.failures += 1
                    h.connected = false
                    h.lastError = "\(error)"
                    let delay = connectorBackoff(failures: h.failures)
                    h.nextAttemptAt = Timestamp(milliseconds: now().milliseconds + Int64(delay * 1000))
                    return h.failures
                } ?? 1
                logger.warning("spar.connector.failed", metadata: ["connector": "\(connector.id)", "error": "\(error)"])
                save()
                do {
                    try await Task.sleep(for: retryUnit * connectorBackoff(failures: failures))
                } catch {
                    break loop
                }
            }
        }
        let at = now()
        board.update(connector.id) { h in
            h.connected = false
            h.nextAttemptAt = nil
            h.notice(ConnectorHealth.stoppedNotice, at: at)
        }
        save()
    }

    /// Reads once: the probe and the current state when the connector starts afresh, otherwise the next samples.
    /// True when the agent holds more to read right away.
    @discardableResult
    public func poll() async throws -> Bool {
        guard tracker.instanceId != nil else {
            let probe: MTConnectProbe
            do {
                probe = try MTConnectProbe.parse(try await agent.probe())
            }
            for missing in probe.missing(connector.devices) { note(missing) }
            try await resync()
            return true
        }
        let next = tracker.nextSequence ?? 0
        let data = try await agent.sample(from: next, count: sampleCount)
        if let codes = MTConnectStreams.agentErrorCodes(data), codes.contains("OUT_OF_RANGE") {
            note("the agent does not hold sequence \(next) (OUT_OF_RANGE); reading its current state")
            try await resync()
            return true
        }
        let doc = try MTConnectStreams.parse(data)
        if tracker.detectsGap(doc.header) {
            try await resync()
            return true
        }
        try await deliver(doc)
        return doc.header.nextSequence <= doc.header.lastSequence
    }

    /// Reads `/current` and takes it as the state now (after a gap, the tracker makes the gap unknown first).
    func resync() async throws {
        try await deliver(try MTConnectStreams.parse(try await agent.current()))
    }

    func deliver(_ doc: MTConnectStreams) async throws {
        let receivedAt = now()
        var next = tracker
        let out = next.read(doc)
        let delivery = try await sink.deliver(out.events, as: principal)
        tracker = next
        let newest = doc.observations.map(\.timestamp).max()
        board.update(connector.id) { h in
            h.connected = true
            h.failures = 0
            h.lastError = nil
            h.nextAttemptAt = nil
            h.lastMessageAt = receivedAt
            h.messages += 1
            h.accepted += delivery.accepted
            h.duplicates += delivery.duplicates
            h.rejected += delivery.rejections.count
            h.lagSequences = max(0, doc.header.lastSequence + 1 - doc.header.nextSequence)
            if let newest {
                h.lastObservationAt = max(newest, h.lastObservationAt ?? newest)
                h.lagMilliseconds = receivedAt.milliseconds - newest.milliseconds
            } else if h.lagSequences == 0 {
                h.lagMilliseconds = 0
            }
            for n in out.notices { h.notice(n, at: receivedAt) }
            for r in delivery.rejections { h.notice("refused by the ledger: \(r)", at: receivedAt) }
        }
        for n in out.notices {
            logger.notice("spar.connector.notice", metadata: ["connector": "\(connector.id)", "notice": "\(n)"])
        }
        save()
    }

    func note(_ text: String) {
        let at = now()
        board.update(connector.id) { $0.notice(text, at: at) }
        logger.notice("spar.connector.notice", metadata: ["connector": "\(connector.id)", "notice": "\(text)"])
    }

    func save() {
        guard let stateFile, let health = board.health(connector.id) else { return }
        do {
            try stateFile.save(
                ConnectorStateFile.Contents(health: health, cursor: tracker.snapshot, savedAt: now().milliseconds))
        } catch {
            logger.error("spar.connector.state", metadata: ["connector": "\(connector.id)", "error": "\(error)"])
        }
    }
}

extension MTConnectConnector: Service {
    /// Runs until the task is cancelled or the service group shuts down.
    nonisolated public func run() async throws {
        await cancelWhenGracefulShutdown { await self.pollUntilCancelled() }
    }
}
