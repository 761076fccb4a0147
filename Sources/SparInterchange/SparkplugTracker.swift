import Foundation
import SparCore

/// Follows the Sparkplug B messages of edge nodes and their devices, message by message, and turns the metrics
/// that ``SparkplugDeviceMap``s name into events: a `state` whenever a unit's state changes, a `count` per increase
/// of a part or scrap counter.
///
/// - NBIRTH starts a session: its seq must be 0, its `bdSeq` metric names the session, and every metric's
///   name, alias and DataType is kept so that later messages may give metrics by alias only. DBIRTH does the same
///   for a device.
/// - DBIRTH, DDEATH, NDATA and DDATA carry the edge node's seq, one more than its previous message (255 wraps to 0).
///   A missing, out-of-range, skipped or out-of-order seq makes the node stale: its mapped units' states become
///   unknown from just after its last message in sequence, its messages are refused until its next NBIRTH, and
///   ``Output/rebirth`` says to request a rebirth. Nothing is carried over the gap; counters are cumulative, so the
///   next birth's value counts what was made meanwhile.
/// - NDEATH ends the session whose `bdSeq` it carries (another `bdSeq` is the will of an earlier session and is
///   ignored): the node's and its devices' states become unknown from when Spar received it (a will's timestamp
///   is from the node's connect, not its death). DDEATH makes one device's state unknown from its timestamp. An NBIRTH
///   of another `bdSeq` while a session had no NDEATH ends that session unseen: unknown from just after its last
///   message.
/// - Times are milliseconds since the epoch; a payload or metric time that is plausibly seconds is refused
///   (``SparkplugPayload/time(_:_:)``).
/// - A historical value (`is_historical`, store and forward) of the state metric is a state at its own time that
///   leaves the current state as it is; a counter's historical values are not counted (its next current value
///   counts what they add).
/// - A counter's first value is its baseline; an increase counts the difference; a lower value is a reset and counts
///   the new value. Baselines are kept across births.
/// - Event ids are `sparkplug:<group>/<edge node>[/<device>]:b<bdSeq>:s<seq>:<metric timestamp>:<metric>`, so the
///   same message read again, by this tracker or another, gives the same ids (the unknowns a death or gap causes:
///   `…:b<bdSeq>:ndeath:<received>`, `…:s<seq>:<time>:ddeath`, `…:s<seq>:<time>:gap`, `…:b<bdSeq>:<time>:ended`).
///   A message delivered twice in a row gives its events again (same ids; the ledger keeps one).
/// - Two states of one unit at one instant: the later follows the earlier by a millisecond.
/// - STATE, NCMD and DCMD are host traffic, ignored with a notice; other topics and undecodable payloads are refused
///   with the reason.
public struct SparkplugTracker: Sendable {
    /// What became of one message.
    public enum Disposition: Hashable, Sendable {
        /// Read; its events (if any) are in the output.
        case read
        /// The same topic and bytes as the edge node's previous message: its events again, with the same ids.
        case redelivered
        /// Recognised and not machine data (STATE, NCMD, DCMD, a will of an earlier session), with why.
        case ignored(String)
        /// Refused, with why; nothing of it was read except what the output's events say (a stale node's unknowns).
        case rejected(String)
    }

    /// What one message gave.
    public struct Output: Hashable, Sendable {
        public var events: [Event]
        /// Metrics that could not be read, sessions ended without a death, ignored messages, each in words.
        public var notices: [String]
        public var disposition: Disposition
        /// An edge node that should be asked to publish its births again (``SparkplugEdgeNode/rebirthRequest(at:)``):
        /// it is stale, or sent what its births do not explain. Set on every such message, however often.
        public var rebirth: SparkplugEdgeNode?
    }

    struct Scope: Sendable {
        var aliases: [UInt64: String] = [:]
        var types: [String: UInt32] = [:]
    }

    struct Delivery: Sendable {
        var topic: String
        var payload: [UInt8]
        var events: [Event]
    }

    struct Node: Sendable {
        var bdSeq: UInt64
        var alive = true
        var stale = false
        var seq: UInt64 = 0
        /// The latest payload time of a message in sequence.
        var lastTime: Timestamp
        var metrics = Scope()
        /// Born devices.
        var devices: [String: Scope] = [:]
        var last: Delivery?
    }

    struct Unit: Sendable {
        var state: StateChange?
        var stateTime: Timestamp?
        var counters: [String: Double] = [:]
    }

    /// The maps, in the order given (the first map of a key wins).
    public let devices: [SparkplugDeviceMap]
    let maps: [SparkplugDeviceMap.Key: SparkplugDeviceMap]
    var nodes: [SparkplugEdgeNode: Node] = [:]
    var units: [SparkplugDeviceMap.Key: Unit] = [:]

    public init(devices: [SparkplugDeviceMap]) {
        self.devices = devices
        var maps: [SparkplugDeviceMap.Key: SparkplugDeviceMap] = [:]
        for m in devices where maps[m.key] == nil { maps[m.key] = m }
        self.maps = maps
    }

    /// Edge nodes whose stream has a gap and that have not been born again since.
    public var staleNodes: [SparkplugEdgeNode] { nodes.filter { $0.value.alive && $0.value.stale }.map(\.key).sorted() }

    /// Edge nodes born and not dead (stale or not).
    public var onlineNodes: [SparkplugEdgeNode] { nodes.filter { $0.value.alive }.map(\.key).sorted() }

    /// Reads one MQTT message: its topic, its payload bytes, and when Spar received it (used only for an NDEATH,
    /// and for a DDEATH without a timestamp).
    public mutating func read(topic: String, payload bytes: [UInt8], receivedAt: Timestamp) -> Output {
        let parsed: SparkplugTopic
        do {
            parsed = try SparkplugTopic(parsing: topic)
        } catch {
            return Output(events: [], notices: [], disposition: .rejected(error.reason), rebirth: nil)
        }
        switch parsed {
        case .state(let host):
            let why = "STATE of host application '\(host)': a host's online state, not machine data; ignored"
            return Output(events: [], notices: [why], disposition: .ignored(why), rebirth: nil)
        case .message(let type, let node, let device):
            let key = SparkplugDeviceMap.Key(node: node, device: device)
            let label = "\(type.rawValue) \(key)"
            if type == .ncmd || type == .dcmd {
                let why = "\(label): a command to the edge node, not machine data; ignored"
                return Output(events: [], notices: [why], disposition: .ignored(why), rebirth: nil)
            }
            let payload: SparkplugPayload
            do {
                payload = try SparkplugPayload(decoding: bytes)
            } catch {
                return Output(
                    events: [], notices: [], disposition: .rejected("\(label): \(error.reason)"), rebirth: nil)
            }
            switch type {
            case .nbirth:
                return nodeBirth(node, payload, label: label, topic: topic, bytes: bytes, receivedAt: receivedAt)
            case .ndeath:
                return nodeDeath(node, payload, label: label, receivedAt: receivedAt)
            default:
                return sequenced(type, key, payload, label: label, topic: topic, bytes: bytes, receivedAt: receivedAt)
            }
        }
    }

    static func bdSeq(_ p: SparkplugPayload) -> UInt64? {
        guard let m = p.metrics.first(where: { $0.name == "bdSeq" }) else { return nil }
        switch m.value {
        case .long(let v)?: return v
        case .int(let v)?: return UInt64(v)
        default: return nil
        }
    }

    static func rejected(_ why: String, rebirth: SparkplugEdgeNode? = nil, events: [Event] = [], notices: [String] = [])
        -> Output
    {
        Output(events: events, notices: notices, disposition: .rejected(why), rebirth: rebirth)
    }

    mutating func nodeBirth(
        _ node: SparkplugEdgeNode, _ payload: SparkplugPayload, label: String, topic: String, bytes: [UInt8],
        receivedAt: Timestamp
    ) -> Output {
        guard payload.seq == 0 else {
            nodes[node]?.stale = true
            let seq = payload.seq.map { "seq \($0)" } ?? "no seq"
            return Self.rejected("\(label): \(seq); an NBIRTH's seq must be 0", rebirth: node)
        }
        guard let bdSeq = Self.bdSeq(payload) else {
            nodes[node]?.stale = true
            return Self.rejected(
                "\(label): no bdSeq metric (an integer); an NBIRTH must name its session", rebirth: node)
        }
        var payloadTime: Timestamp?
        if let raw = payload.timestamp {
            switch SparkplugPayload.time(raw, "payload timestamp") {
            case .success(let t): payloadTime = t
            case .failure(let r): return Self.rejected("\(label): \(r.reason)")
            }
        }
        var notices: [String] = []
        var events: [Event] = []
        if let previous = nodes[node], previous.alive, previous.bdSeq != bdSeq {
            notices.append(
                "\(label): bdSeq \(bdSeq) begins a session while session bdSeq \(previous.bdSeq) had no NDEATH; its units are unknown from just after its last message"
            )
            unknown(node, from: previous.lastTime.adding(milliseconds: 1), &events) {
                "sparkplug:\($0):b\(previous.bdSeq):\($1.milliseconds):ended"
            }
        }
        var n = Node(bdSeq: bdSeq, lastTime: payloadTime ?? receivedAt)
        var rebirth = false
        readMetrics(
            payload, scope: &n.metrics, key: SparkplugDeviceMap.Key(node: node, device: nil), birth: true, bdSeq: bdSeq,
            label: label, events: &events, notices: &notices, rebirth: &rebirth)
        n.last = Delivery(topic: topic, payload: bytes, events: events)
        nodes[node] = n
        return Output(events: events, notices: notices, disposition: .read, rebirth: rebirth ? node : nil)
    }

    mutating func nodeDeath(
        _ node: SparkplugEdgeNode, _ payload: SparkplugPayload, label: String, receivedAt: Timestamp
    ) -> Output {
        guard let bdSeq = Self.bdSeq(payload) else {
            return Self.rejected(
                "\(label): no bdSeq metric (an integer); an NDEATH cannot be matched to a birth without it")
        }
        func ignored(_ why: String) -> Output {
            Output(events: [], notices: ["\(label): \(why)"], disposition: .ignored("\(label): \(why)"), rebirth: nil)
        }
        guard var n = nodes[node] else {
            return ignored("bdSeq \(bdSeq), but no NBIRTH of the edge node was read; ignored")
        }
        guard n.bdSeq == bdSeq else {
            return ignored(
                "bdSeq \(bdSeq) is not the session's (bdSeq \(n.bdSeq)): the will of an earlier session; ignored")
        }
        guard n.alive else { return ignored("bdSeq \(bdSeq) has already ended; ignored") }
        n.alive = false
        n.devices = [:]
        n.last = nil
        nodes[node] = n
        var events: [Event] = []
        unknown(node, from: receivedAt, &events) { "sparkplug:\($0):b\(bdSeq):ndeath:\($1.milliseconds)" }
        return Output(events: events, notices: [], disposition: .read, rebirth: nil)
    }

    mutating func sequenced(
        _ type: SparkplugMessageType, _ key: SparkplugDeviceMap.Key, _ payload: SparkplugPayload, label: String,
        topic: String, bytes: [UInt8], receivedAt: Timestamp
    ) -> Output {
        let node = key.node
        guard var n = nodes[node], n.alive else {
            return Self.rejected(
                "\(label): no NBIRTH of the edge node has been read since it started or died; its metrics cannot be followed until it is born again",
                rebirth: node)
        }
        if n.stale {
            return Self.rejected(
                "\(label): the edge node is stale since a sequence gap; its messages are refused until it is born again",
                rebirth: node)
        }
        if let last = n.last, last.topic == topic, last.payload == bytes {
            let seq = payload.seq.map(String.init) ?? "none"
            return Output(
                events: last.events, notices: ["\(label) seq \(seq): delivered again; the same events (same ids)"],
                disposition: .redelivered, rebirth: nil)
        }
        let expected = (n.seq + 1) % 256
        guard let seq = payload.seq, seq == expected else {
            let got = payload.seq.map { "seq \($0)" } ?? "no seq"
            let why =
                "\(label): \(got) where \(expected) was expected: messages are missing or out of order; the edge node is stale until it is born again"
            n.stale = true
            n.last = nil
            nodes[node] = n
            var events: [Event] = []
            unknown(node, from: n.lastTime.adding(milliseconds: 1), &events) {
                "sparkplug:\($0):b\(n.bdSeq):s\(payload.seq.map(String.init) ?? "-"):\($1.milliseconds):gap"
            }
            return Self.rejected(why, rebirth: node, events: events)
        }
        n.seq = seq
        var payloadTime: Timestamp?
        if let raw = payload.timestamp {
            switch SparkplugPayload.time(raw, "payload timestamp") {
            case .success(let t): payloadTime = t
            case .failure(let r):
                n.last = Delivery(topic: topic, payload: bytes, events: [])
                nodes[node] = n
                return Self.rejected("\(label): \(r.reason)")
            }
        }
        if let t = payloadTime, t > n.lastTime { n.lastTime = t }
        var events: [Event] = []
        var notices: [String] = []
        var rebirth = false
        var outcome = Disposition.read
        switch type {
        case .dbirth:
            var scope = Scope()
            readMetrics(
                payload, scope: &scope, key: key, birth: true, bdSeq: n.bdSeq, label: label, events: &events,
                notices: &notices, rebirth: &rebirth)
            n.devices[key.device ?? ""] = scope
        case .ddeath:
            if n.devices.removeValue(forKey: key.device ?? "") == nil {
                notices.append("\(label): the device was not born; nothing to end")
            }
            if let m = maps[key], m.stateMetric != nil, let s = units[key]?.state, !s.isUnknown {
                let at = payloadTime ?? receivedAt
                emitState(
                    m, StateChange(), at: at, id: "sparkplug:\(key):b\(n.bdSeq):s\(seq):\(at.milliseconds):ddeath",
                    &events)
            }
        case .ndata:
            readMetrics(
                payload, scope: &n.metrics, key: key, birth: false, bdSeq: n.bdSeq, seq: seq, label: label,
                events: &events, notices: &notices, rebirth: &rebirth)
        case .ddata:
            if var scope = n.devices[key.device ?? ""] {
                readMetrics(
                    payload, scope: &scope, key: key, birth: false, bdSeq: n.bdSeq, seq: seq, label: label,
                    events: &events, notices: &notices, rebirth: &rebirth)
                n.devices[key.device ?? ""] = scope
            } else {
                outcome = .rejected(
                    "\(label): the device has no DBIRTH in this session (or died since); its metrics cannot be followed until it is born again"
                )
                rebirth = true
            }
        default:
            break
        }
        n.last = Delivery(topic: topic, payload: bytes, events: events)
        nodes[node] = n
        return Output(events: events, notices: notices, disposition: outcome, rebirth: rebirth ? node : nil)
    }

    /// Reads a birth's or a data message's metrics: a birth binds names to aliases and DataTypes; every message's
    /// mapped metrics give states and counts.
    mutating func readMetrics(
        _ payload: SparkplugPayload, scope: inout Scope, key: SparkplugDeviceMap.Key, birth: Bool, bdSeq: UInt64,
        seq: UInt64? = nil, label: String, events: inout [Event], notices: inout [String], rebirth: inout Bool
    ) {
        let map = maps[key]
        let seqText = String(seq ?? payload.seq ?? 0)
        for metric in payload.metrics {
            var name = metric.name
            if birth {
                guard let n = name else {
                    notices.append("\(label): a metric without a name; a birth must name every metric; skipped")
                    continue
                }
                if let a = metric.alias {
                    if let other = scope.aliases[a], other != n {
                        notices.append(
                            "\(label): alias \(a) is given to both '\(other)' and '\(n)'; it now means '\(n)'")
                    }
                    scope.aliases[a] = n
                }
                if let t = metric.dataType { scope.types[n] = t }
            } else if name == nil {
                guard let a = metric.alias, let n = scope.aliases[a] else {
                    let what =
                        metric.alias.map { "alias \($0) is not in the birth" } ?? "a metric has neither name nor alias"
                    notices.append("\(label): \(what); skipped (a rebirth would say what it is)")
                    rebirth = true
                    continue
                }
                name = n
            }
            guard let name, let map, map.reads(name) else { continue }
            // A counter's past values: its next current value counts what they add.
            if metric.isHistorical && name != map.stateMetric { continue }
            guard let raw = metric.timestamp ?? payload.timestamp else {
                notices.append("\(label): '\(name)' has no timestamp (nor has the payload); skipped")
                continue
            }
            let ts: Timestamp
            switch SparkplugPayload.time(raw, "'\(name)' timestamp") {
            case .success(let t): ts = t
            case .failure(let r):
                notices.append("\(label): \(r.reason); skipped")
                continue
            }
            let dataType = metric.dataType ?? scope.types[name]
            let id = EventID("sparkplug:\(key):b\(bdSeq):s\(seqText):\(raw):\(name)")
            if name == map.stateMetric {
                var state = StateChange()
                if !metric.isNull, let value = metric.value {
                    if let text = value.text(as: dataType) {
                        if let s = map.state(forValue: text) {
                            state = s
                        } else {
                            notices.append(
                                "\(label): '\(name)' is '\(text)', which the map gives no state: unknown state")
                        }
                    } else {
                        notices.append("\(label): '\(name)' is not a number, Boolean or string: unknown state")
                    }
                }
                if metric.isHistorical {
                    events.append(Event(id: id, ts: ts, source: map.source, unit: map.unit, payload: .state(state)))
                } else {
                    emitState(map, state, at: ts, id: id, &events)
                }
            } else if !metric.isNull, let value = metric.value {
                guard let v = value.number(as: dataType), v.isFinite, v >= 0 else {
                    notices.append("\(label): '\(name)' is not a count (a non-negative number); skipped")
                    continue
                }
                var u = units[key, default: Unit()]
                if let previous = u.counters[name] {
                    let delta = v >= previous ? v - previous : v
                    if delta > 0 {
                        let scrap = map.scrapCountMetrics.contains(name)
                        events.append(
                            Event(
                                id: id, ts: ts, source: map.source, unit: map.unit,
                                payload: .count(Count(good: scrap ? 0 : delta, scrap: scrap ? delta : 0, rework: 0))))
                    }
                }
                u.counters[name] = v
                units[key] = u
            }
        }
    }

    /// Makes every mapped unit of the node whose state is known unknown from `time` (or just after its last state);
    /// `id` gives the event id from the map's key and `time`.
    mutating func unknown(
        _ node: SparkplugEdgeNode, from time: Timestamp, _ events: inout [Event],
        id: (SparkplugDeviceMap.Key, Timestamp) -> String
    ) {
        for m in devices where m.key.node == node && m.stateMetric != nil && maps[m.key] == m {
            guard let s = units[m.key]?.state, !s.isUnknown else { continue }
            emitState(m, StateChange(), at: time, id: id(m.key, time), &events)
        }
    }

    mutating func emitState(
        _ map: SparkplugDeviceMap, _ state: StateChange, at ts: Timestamp, id: String, _ events: inout [Event]
    ) {
        emitState(map, state, at: ts, id: EventID(id), &events)
    }

    mutating func emitState(
        _ map: SparkplugDeviceMap, _ state: StateChange, at ts: Timestamp, id: EventID, _ events: inout [Event]
    ) {
        var u = units[map.key, default: Unit()]
        guard u.state != state else { return }
        var at = ts
        if let last = u.stateTime, at <= last { at = last.adding(milliseconds: 1) }
        events.append(Event(id: id, ts: at, source: map.source, unit: map.unit, payload: .state(state)))
        u.state = state
        u.stateTime = at
        units[map.key] = u
    }
}
