import CMosquitto
import Foundation
import Synchronization

/// One MQTT message as it arrived.
public struct MQTTMessage: Sendable, Hashable {
    public var topic: String
    public var payload: [UInt8]
    public var qos: Int
    public var retained: Bool
    public init(topic: String, payload: [UInt8], qos: Int = 1, retained: Bool = false) {
        self.topic = topic
        self.payload = payload
        self.qos = qos
        self.retained = retained
    }
}

/// A failure of libmosquitto, with its code and what it says.
public struct MosquittoError: Error, Sendable, CustomStringConvertible {
    public var operation: String
    public var code: Int32
    public var description: String { "\(operation): \(String(cString: mosquitto_strerror(code))) (libmosquitto \(code))" }
}

/// A small client over libmosquitto: a fixed client id with a persistent session (the broker keeps the
/// subscriptions and the QoS 1 messages of a client that is away), subscriptions at QoS 1, libmosquitto's own
/// network thread (`mosquitto_loop_start`) that reconnects with exponential backoff, and the received messages as
/// an `AsyncStream`.
///
/// libmosquitto acknowledges a QoS 1 message (PUBACK) when it receives it, before it hands it over: the broker
/// redelivers what this client never received, not what this process received and lost.
public final class MosquittoClient: Sendable {
    /// Where and how to connect.
    public struct Options: Sendable, Hashable {
        public var host: String
        public var port: Int
        public var clientID: String
        /// False keeps the session on the broker across disconnects.
        public var cleanSession: Bool
        public var keepAliveSeconds: Int
        public var subscriptions: [String]
        public var qos: Int
        /// First and longest delay between reconnect attempts, seconds (doubling in between).
        public var reconnectDelay: Int
        public var reconnectDelayMax: Int

        public init(
            host: String, port: Int, clientID: String, cleanSession: Bool = false, keepAliveSeconds: Int = 30,
            subscriptions: [String] = [], qos: Int = 1, reconnectDelay: Int = 1, reconnectDelayMax: Int = 30
        ) {
            self.host = host
            self.port = port
            self.clientID = clientID
            self.cleanSession = cleanSession
            self.keepAliveSeconds = keepAliveSeconds
            self.subscriptions = subscriptions
            self.qos = qos
            self.reconnectDelay = reconnectDelay
            self.reconnectDelayMax = reconnectDelayMax
        }
    }

    /// A connection change: connected or not, and why it ended when it did not end on request.
    public struct ConnectionChange: Sendable, Hashable {
        public var connected: Bool
        public var reason: String?
    }

    /// What the C callbacks reach through their `obj` pointer.
    final class Context: Sendable {
        let options: Options
        let messages: AsyncStream<MQTTMessage>.Continuation
        let changes: @Sendable (ConnectionChange) -> Void
        let state = Mutex(State())

        struct State {
            var connected = false
            var pending = 0
            var acknowledged = Set<Int32>()
            var connects = 0
        }

        init(options: Options, messages: AsyncStream<MQTTMessage>.Continuation, changes: @escaping @Sendable (ConnectionChange) -> Void) {
            self.options = options
            self.messages = messages
            self.changes = changes
        }
    }

    struct Handle: @unchecked Sendable {
        let raw: OpaquePointer
    }

    private static let library: Int32 = mosquitto_lib_init()

    public let options: Options
    /// Every message received, in arrival order. Finishes when the client stops.
    public let messages: AsyncStream<MQTTMessage>
    private let context: Context
    private let handle: Handle
    private let stopped = Mutex(false)

    /// Creates the client (no connection yet); `changes` is called on libmosquitto's thread.
    public init(options: Options, changes: @escaping @Sendable (ConnectionChange) -> Void = { _ in }) throws {
        _ = Self.library
        self.options = options
        let (stream, continuation) = AsyncStream.makeStream(of: MQTTMessage.self, bufferingPolicy: .unbounded)
        messages = stream
        let context = Context(options: options, messages: continuation, changes: changes)
        self.context = context
        let obj = Unmanaged.passUnretained(context).toOpaque()
        guard let raw = mosquitto_new(options.clientID, options.cleanSession, obj) else {
            throw MosquittoError(operation: "mosquitto_new", code: Int32(MOSQ_ERR_NOMEM.rawValue))
        }
        handle = Handle(raw: raw)
        mosquitto_connect_callback_set(raw) { mosq, obj, rc in
            guard let mosq, let obj else { return }
            let c = Unmanaged<Context>.fromOpaque(obj).takeUnretainedValue()
            guard rc == 0 else {
                c.changes(ConnectionChange(connected: false, reason: String(cString: mosquitto_connack_string(rc))))
                return
            }
            for topic in c.options.subscriptions {
                _ = mosquitto_subscribe(mosq, nil, topic, Int32(c.options.qos))
            }
            c.state.withLock {
                $0.connected = true
                $0.connects += 1
            }
            c.changes(ConnectionChange(connected: true, reason: nil))
        }
        mosquitto_disconnect_callback_set(raw) { _, obj, rc in
            guard let obj else { return }
            let c = Unmanaged<Context>.fromOpaque(obj).takeUnretainedValue()
            c.state.withLock { $0.connected = false }
            c.changes(ConnectionChange(connected: false, reason: rc == 0 ? nil : String(cString: mosquitto_strerror(rc))))
        }
        mosquitto_message_callback_set(raw) { _, obj, message in
            guard let obj, let m = message?.pointee, let topic = m.topic else { return }
            let c = Unmanaged<Context>.fromOpaque(obj).takeUnretainedValue()
            let payload: [UInt8] =
                m.payloadlen > 0 && m.payload != nil
                ? Array(UnsafeRawBufferPointer(start: m.payload, count: Int(m.payloadlen))) : []
            c.state.withLock { $0.pending += 1 }
            c.messages.yield(MQTTMessage(topic: String(cString: topic), payload: payload, qos: Int(m.qos), retained: m.retain))
        }
        mosquitto_publish_callback_set(raw) { _, obj, mid in
            guard let obj else { return }
            let c = Unmanaged<Context>.fromOpaque(obj).takeUnretainedValue()
            c.state.withLock { _ = $0.acknowledged.insert(mid) }
        }
        _ = mosquitto_reconnect_delay_set(
            raw, UInt32(max(1, options.reconnectDelay)), UInt32(max(options.reconnectDelay, options.reconnectDelayMax)), true)
    }

    deinit {
        stop()
        mosquitto_destroy(handle.raw)
    }

    /// Connects and starts the network thread, which reconnects by itself from then on. A broker that refuses
    /// the first connection is tried again after the reconnect delay, doubling to its maximum, until it answers
    /// or the task is cancelled.
    public func start() async throws {
        var failures = 0
        while true {
            let rc = mosquitto_connect_async(handle.raw, options.host, Int32(options.port), Int32(options.keepAliveSeconds))
            if rc == 0 { break }
            failures += 1
            context.changes(ConnectionChange(connected: false, reason: String(cString: mosquitto_strerror(rc))))
            let delay = min(
                Double(max(options.reconnectDelayMax, options.reconnectDelay)),
                Double(max(1, options.reconnectDelay)) * pow(2, Double(min(failures - 1, 16))))
            try await Task.sleep(for: .seconds(delay))
        }
        let loop = mosquitto_loop_start(handle.raw)
        guard loop == 0 else { throw MosquittoError(operation: "mosquitto_loop_start", code: loop) }
    }

    /// Disconnects, stops the network thread and finishes ``messages``. Idempotent.
    public func stop() {
        let first = stopped.withLock { s -> Bool in
            defer { s = true }
            return !s
        }
        guard first else { return }
        _ = mosquitto_disconnect(handle.raw)
        _ = mosquitto_loop_stop(handle.raw, false)
        context.messages.finish()
    }

    public var isConnected: Bool { context.state.withLock { $0.connected } }

    /// Successful connections so far (reconnects included).
    public var connections: Int { context.state.withLock { $0.connects } }

    /// Messages yielded to ``messages`` and not yet marked taken with ``taken(_:)``.
    public var pending: Int { context.state.withLock { $0.pending } }

    /// Marks `count` messages as taken from ``messages`` (so ``pending`` tells whether more are waiting).
    public func taken(_ count: Int = 1) { context.state.withLock { $0.pending = max(0, $0.pending - count) } }

    /// Publishes one message; returns its message id (see ``isAcknowledged(_:)`` for QoS 1).
    @discardableResult
    public func publish(topic: String, payload: [UInt8], qos: Int = 1, retain: Bool = false) throws -> Int32 {
        var mid: Int32 = 0
        let rc = payload.withUnsafeBytes { bytes in
            mosquitto_publish(handle.raw, &mid, topic, Int32(bytes.count), bytes.baseAddress, Int32(qos), retain)
        }
        guard rc == 0 else { throw MosquittoError(operation: "mosquitto_publish", code: rc) }
        return mid
    }

    /// Whether the broker acknowledged the message `mid` (PUBACK for QoS 1).
    public func isAcknowledged(_ mid: Int32) -> Bool { context.state.withLock { $0.acknowledged.contains(mid) } }

    /// Forgets the acknowledgement of `mid` (message ids are reused after 65535).
    public func forgetAcknowledgement(_ mid: Int32) { context.state.withLock { _ = $0.acknowledged.remove(mid) } }
}
