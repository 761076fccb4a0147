import Foundation
import SparCore

/// How one MTConnect device's observations become Spar events: its work unit and source system, and how the
/// machine's vocabulary maps to Spar states (defaults an engineer can override per value).
public struct MTConnectDeviceMap: Sendable, Hashable {
    /// The `DeviceStream` name or uuid.
    public var device: String
    public var unit: EquipmentPath
    /// The source system the events carry (a system of the plant model).
    public var source: String
    /// `Execution` value → state. Defaults: ACTIVE production; READY, STOPPED, PROGRAM_COMPLETED idle; INTERRUPTED,
    /// FEED_HOLD, OPTIONAL_STOP, PROGRAM_STOPPED, PROGRAM_OPTIONAL_STOP, WAIT delay.
    public var execution: [String: StateChange]
    /// `ControllerMode` value → state while the program is not ACTIVE. Defaults: MANUAL, MANUAL_DATA_INPUT, EDIT setup.
    public var controllerMode: [String: StateChange]
    /// The state while `EmergencyStop` is TRIGGERED (default: down).
    public var emergencyStop: StateChange
    /// The state while a `Fault` condition is active (default: down); ``faultReasons`` can give its reason code.
    public var fault: StateChange
    /// A fault's `nativeCode` → a reason code of the plant model (e.g. one with `failure: true`).
    public var faultReasons: [String: String]
    /// `PartCount` data items to count (nil: every one; `subType` BAD or REJECT counts as scrap, others as good).
    public var partCountItems: Set<String>?
    /// Where the order context of the counts comes from: an event element (`PartId`, `Program`,
    /// `ProgramHeader`, `PartNumber`…) or a data item id. Its current value becomes each count's `order`;
    /// UNAVAILABLE or empty leaves the order out. Nil: counts carry no order.
    public var orderFrom: String?

    public static let defaultExecution: [String: StateChange] = [
        "ACTIVE": StateChange(category: .production), "READY": StateChange(category: .idle),
        "STOPPED": StateChange(category: .idle), "PROGRAM_COMPLETED": StateChange(category: .idle),
        "INTERRUPTED": StateChange(category: .delay), "FEED_HOLD": StateChange(category: .delay),
        "OPTIONAL_STOP": StateChange(category: .delay), "PROGRAM_STOPPED": StateChange(category: .delay),
        "PROGRAM_OPTIONAL_STOP": StateChange(category: .delay), "WAIT": StateChange(category: .delay),
    ]

    public static let defaultControllerMode: [String: StateChange] = [
        "MANUAL": StateChange(category: .setup), "MANUAL_DATA_INPUT": StateChange(category: .setup),
        "EDIT": StateChange(category: .setup),
    ]

    /// A device with the documented defaults.
    public init(
        device: String, unit: EquipmentPath, source: String,
        execution: [String: StateChange] = MTConnectDeviceMap.defaultExecution,
        controllerMode: [String: StateChange] = MTConnectDeviceMap.defaultControllerMode,
        emergencyStop: StateChange = StateChange(category: .down), fault: StateChange = StateChange(category: .down),
        faultReasons: [String: String] = [:], partCountItems: Set<String>? = nil, orderFrom: String? = nil
    ) {
        self.orderFrom = orderFrom
        self.device = device
        self.unit = unit
        self.source = source
        self.execution = execution
        self.controllerMode = controllerMode
        self.emergencyStop = emergencyStop
        self.fault = fault
        self.faultReasons = faultReasons
        self.partCountItems = partCountItems
    }
}

/// Follows one MTConnect agent document after document (`/current`, then `/sample` from the next sequence) and
/// turns what changed into events: a `state` whenever the derived state changes, a `count` per part-count
/// increase.
///
/// - Event ids are `mtconnect:<instanceId>:<sequence>` of the observation that caused them (`…:<sequence>:gap` for
///   an unknown state after a gap), so reading a document again, or a restart of Spar, never duplicates.
/// - The state: unknown while `Availability` is UNAVAILABLE or no `Execution` is available (UNAVAILABLE is never
///   read as the last known state); else the emergency stop, then an active fault, then ACTIVE execution, then the
///   controller mode, then the execution value (``MTConnectDeviceMap``). With several paths, ACTIVE on any path is
///   production; otherwise the first available path counts.
/// - Several active conditions on one data item are each kept (by `nativeCode`); a `Normal` without a code
///   clears the item.
/// - The first `PartCount` value of an item is its baseline; an increase counts the difference; a lower value is
///   a reset and counts the new value.
/// - A new `instanceId` (agent restart) or a next sequence below the buffer's `firstSequence` (the agent's
///   buffer overran what was not yet read) is reported, and each device's state becomes unknown from just after
///   its last observation until the agent reports it again: never production carried over a gap.
public struct MTConnectTracker: Sendable {
    struct Device: Sendable {
        var availability: String?
        var emergencyStop: String?
        var mode: String?
        /// By data item, in first-seen order.
        var executions: [(item: String, value: String)] = []
        /// Active fault codes by data item.
        var faults: [String: Set<String>] = [:]
        var partCounts: [String: Double] = [:]
        /// The current value of ``MTConnectDeviceMap/orderFrom``.
        var order: String?
        var lastState: StateChange??
        var lastTime: Timestamp?
        var stateSeen = false
    }

    /// What one document gave.
    public struct Output: Sendable {
        public var events: [Event]
        /// Restarts, overruns and observations that could not be read, each in words.
        public var notices: [String]
        /// The sequence to ask for next.
        public var nextSequence: Int64
    }

    public let devices: [MTConnectDeviceMap]
    public internal(set) var instanceId: String?
    public internal(set) var nextSequence: Int64?
    var state: [String: Device] = [:]

    public init(devices: [MTConnectDeviceMap]) { self.devices = devices }

    func map(of o: MTConnectStreams.Observation) -> MTConnectDeviceMap? {
        devices.first { $0.device == o.device || $0.device == o.deviceUUID }
    }

    /// Reads one document: the events it gives, what it noticed, and where to continue.
    public mutating func read(_ doc: MTConnectStreams) -> Output {
        var events: [Event] = []
        var notices: [String] = []
        let h = doc.header
        var gap = false
        if let previous = instanceId, previous != h.instanceId {
            notices.append("agent restarted: instanceId \(previous) → \(h.instanceId); sequences start again")
            gap = true
            for key in state.keys { state[key]?.partCounts = [:] }
        } else if let next = nextSequence, next < h.firstSequence {
            notices.append(
                "buffer overrun: sequences \(next) to \(h.firstSequence - 1) were dropped by the agent before they were read")
            gap = true
        }
        if gap {
            for m in devices {
                guard var d = state[m.device], let last = d.lastTime, d.lastState != .some(.some(StateChange())) else { continue }
                let at = Timestamp(milliseconds: last.milliseconds + 1)
                events.append(
                    Event(
                        id: EventID("mtconnect:\(instanceId ?? h.instanceId):\(nextSequence ?? 0):gap:\(m.device)"), ts: at,
                        source: m.source, unit: m.unit, payload: .state(StateChange())))
                d.lastState = .some(StateChange())
                d.lastTime = at
                // What was known before the gap no longer holds.
                d = Device(partCounts: d.partCounts, order: nil, lastState: d.lastState, lastTime: d.lastTime, stateSeen: true)
                state[m.device] = d
            }
        }
        instanceId = h.instanceId
        for o in doc.observations {
            if let next = nextSequence, !gap, o.sequence < next { continue }  // already read
            guard let m = map(of: o) else { continue }
            var d = state[m.device] ?? Device()
            let id = "mtconnect:\(h.instanceId):\(o.sequence)"
            var stateRelevant = false
            if let from = m.orderFrom, o.category == .event, o.element == from || o.dataItemId == from {
                let v = o.value.trimmingCharacters(in: .whitespaces)
                d.order = o.isUnavailable || v.isEmpty ? nil : v
            }
            switch (o.category, o.element) {
            case (.event, "Availability"):
                d.availability = o.value
                stateRelevant = true
            case (.event, "EmergencyStop"):
                d.emergencyStop = o.value
                stateRelevant = true
            case (.event, "ControllerMode"):
                d.mode = o.value
                stateRelevant = true
            case (.event, "Execution"):
                if let i = d.executions.firstIndex(where: { $0.item == o.dataItemId }) {
                    d.executions[i].value = o.value
                } else {
                    d.executions.append((o.dataItemId, o.value))
                }
                stateRelevant = true
            case (.condition, "Fault"):
                d.faults[o.dataItemId, default: []].insert(o.nativeCode ?? "")
                stateRelevant = true
            case (.condition, "Normal"), (.condition, "Warning"):
                if let code = o.nativeCode, !code.isEmpty, o.element == "Normal" {
                    d.faults[o.dataItemId]?.remove(code)
                } else if o.element == "Normal" || o.nativeCode == nil {
                    d.faults[o.dataItemId] = nil
                } else {
                    d.faults[o.dataItemId]?.remove(o.nativeCode ?? "")
                }
                if d.faults[o.dataItemId]?.isEmpty == true { d.faults[o.dataItemId] = nil }
                stateRelevant = true
            case (.event, "PartCount"):
                if m.partCountItems.map({ $0.contains(o.dataItemId) }) ?? true, !o.isUnavailable {
                    guard let value = Double(o.value), value.isFinite, value >= 0 else {
                        notices.append("line \(o.line), PartCount \(o.dataItemId): '\(o.value)' is not a count; skipped")
                        break
                    }
                    if let previous = d.partCounts[o.dataItemId] {
                        let delta = value >= previous ? value - previous : value
                        if delta > 0 {
                            let scrap = ["BAD", "REJECT"].contains(o.subType?.uppercased() ?? "")
                            events.append(
                                Event(
                                    id: EventID(id), ts: o.timestamp, source: m.source, unit: m.unit,
                                    payload: .count(
                                        Count(good: scrap ? 0 : delta, scrap: scrap ? delta : 0, rework: 0, order: d.order))))
                        }
                    }
                    d.partCounts[o.dataItemId] = value
                }
            default:
                break
            }
            if stateRelevant {
                d.stateSeen = true
                let derived = Self.state(d, m)
                if d.lastState != .some(derived) {
                    var ts = o.timestamp
                    // One state per unit and instant: a second change at the same instant replaces the first
                    // (within this document) or follows it by a millisecond.
                    if let last = d.lastTime, ts <= last {
                        if let i = events.lastIndex(where: { $0.unit == m.unit && $0.type == "state" }), events[i].ts == last {
                            events.remove(at: i)
                            ts = last
                        } else {
                            ts = Timestamp(milliseconds: last.milliseconds + 1)
                        }
                    }
                    events.append(Event(id: EventID(id), ts: ts, source: m.source, unit: m.unit, payload: .state(derived)))
                    d.lastState = .some(derived)
                    d.lastTime = ts
                }
            }
            state[m.device] = d
        }
        nextSequence = h.nextSequence
        return Output(events: events, notices: notices, nextSequence: h.nextSequence)
    }

    /// The state a device is in, by the precedence of ``MTConnectTracker``.
    static func state(_ d: Device, _ m: MTConnectDeviceMap) -> StateChange {
        let unknown = StateChange()
        if d.availability == "UNAVAILABLE" { return unknown }
        if d.emergencyStop == "TRIGGERED" { return m.emergencyStop }
        if let codes = d.faults.values.first(where: { !$0.isEmpty }) {
            if let reason = codes.sorted().compactMap({ m.faultReasons[$0] }).first { return StateChange(reason: reason) }
            return m.fault
        }
        let available = d.executions.filter { $0.value != "UNAVAILABLE" }
        guard let first = available.first else { return unknown }
        if available.contains(where: { $0.value == "ACTIVE" }) { return m.execution["ACTIVE"] ?? StateChange(category: .production) }
        if let mode = d.mode, let s = m.controllerMode[mode] { return s }
        return m.execution[first.value] ?? unknown
    }
}
