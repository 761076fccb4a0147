import Foundation
import SparCore

extension MTConnectTracker {
    /// True when a document's header shows what was not read is gone: a new agent instance, or a next sequence
    /// below the agent's buffer. The caller then reads `/current` instead, which ``read(_:)`` takes as the gap.
    public func detectsGap(_ header: MTConnectStreams.Header) -> Bool {
        if let previous = instanceId, previous != header.instanceId { return true }
        if let next = nextSequence, next < header.firstSequence { return true }
        return false
    }

    /// What a tracker knows, to resume where it stopped after a restart of Spar (JSON through `Codable`).
    public struct Snapshot: Sendable, Hashable, Codable {
        struct State: Sendable, Hashable, Codable {
            var category: String?
            var reason: String?
        }
        struct Device: Sendable, Hashable, Codable {
            var availability: String?
            var emergencyStop: String?
            var mode: String?
            var executions: [[String]]
            var faults: [String: [String]]
            var partCounts: [String: Double]
            var order: String?
            /// Absent: no state derived yet.
            var lastState: State?
            var lastTime: Int64?
            var stateSeen: Bool
        }
        var instanceId: String?
        var nextSequence: Int64?
        var devices: [String: Device]
    }

    public var snapshot: Snapshot {
        Snapshot(
            instanceId: instanceId, nextSequence: nextSequence,
            devices: state.mapValues { d in
                Snapshot.Device(
                    availability: d.availability, emergencyStop: d.emergencyStop, mode: d.mode,
                    executions: d.executions.map { [$0.item, $0.value] },
                    faults: d.faults.mapValues { $0.sorted() }, partCounts: d.partCounts, order: d.order,
                    lastState: d.lastState.map { s in Snapshot.State(category: s?.category?.rawValue, reason: s?.reason) },
                    lastTime: d.lastTime?.milliseconds, stateSeen: d.stateSeen)
            })
    }

    /// A tracker resuming from a snapshot; devices the snapshot holds but `devices` no longer maps are dropped.
    public init(devices: [MTConnectDeviceMap], resuming s: Snapshot) throws(SnapshotProblem) {
        self.init(devices: devices)
        instanceId = s.instanceId
        nextSequence = s.nextSequence
        let mapped = Set(devices.map(\.device))
        for (name, d) in s.devices where mapped.contains(name) {
            var device = Device()
            device.availability = d.availability
            device.emergencyStop = d.emergencyStop
            device.mode = d.mode
            for pair in d.executions {
                guard pair.count == 2 else { throw SnapshotProblem(reason: "device \(name): an execution entry is not [item, value]") }
                device.executions.append((pair[0], pair[1]))
            }
            device.faults = d.faults.mapValues(Set.init)
            device.partCounts = d.partCounts
            device.order = d.order
            if let l = d.lastState {
                var change = StateChange(reason: l.reason)
                if let c = l.category {
                    guard let category = TimeCategory(rawValue: c) else {
                        throw SnapshotProblem(reason: "device \(name): '\(c)' is not a state category")
                    }
                    change.category = category
                }
                device.lastState = .some(change)
            }
            device.lastTime = d.lastTime.map(Timestamp.init(milliseconds:))
            device.stateSeen = d.stateSeen
            state[name] = device
        }
    }

    /// A snapshot that cannot be resumed from.
    public struct SnapshotProblem: Error, Sendable, CustomStringConvertible {
        public var reason: String
        public var description: String { reason }
    }
}
