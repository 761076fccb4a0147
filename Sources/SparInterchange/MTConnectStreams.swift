import Foundation
import SparCore

/// An MTConnect `MTConnectStreams` document (the answer of an agent's `/current` and `/sample`), MTConnect 1.3
/// through 2.x: the header that places it in the agent's buffer, and every observation with its device,
/// component, data item, sequence, time stamp and value.
public struct MTConnectStreams: Sendable, Hashable {
    /// The buffer the document was cut from.
    public struct Header: Sendable, Hashable {
        /// The agent's instance: a new one after every agent restart (its sequences start again).
        public var instanceId: String
        /// The oldest sequence still in the agent's buffer.
        public var firstSequence: Int64
        /// The newest sequence in the buffer.
        public var lastSequence: Int64
        /// The sequence to ask for next (`/sample?from=`).
        public var nextSequence: Int64
        /// When the agent wrote the document.
        public var creationTime: Timestamp
        /// The standard's version, from the namespace (`1.3`, `1.4`, `2.0`, …).
        public var version: String
    }

    /// Samples, events and conditions.
    public enum Category: String, Sendable, Hashable { case sample, event, condition }

    /// One observation.
    public struct Observation: Sendable, Hashable {
        public var device: String
        public var deviceUUID: String?
        public var component: String
        public var componentId: String?
        public var dataItemId: String
        public var name: String?
        /// The element name: `Execution`, `PartCount`, `Availability`, … or, for a condition, its level
        /// (`Normal`, `Warning`, `Fault`, `Unavailable`).
        public var element: String
        public var category: Category
        /// For a condition: its `type` (`AMPERAGE`, `SYSTEM`, …).
        public var conditionType: String?
        public var nativeCode: String?
        /// `subType` (`ACTUAL`, `ALL`, `GOOD`, `BAD`, …).
        public var subType: String?
        public var sequence: Int64
        /// UTC; a time stamp without a zone designator is UTC, as the standard says.
        public var timestamp: Timestamp
        /// The text (`UNAVAILABLE` when the agent cannot tell); for a condition, its message.
        public var value: String
        /// Line in the document.
        public var line: Int

        /// True when the agent reports it cannot tell the value.
        public var isUnavailable: Bool {
            category == .condition ? element == "Unavailable" : value == "UNAVAILABLE"
        }
    }

    public var header: Header
    /// In sequence order.
    public var observations: [Observation]

    /// Reads a document; a problem names its line and element path.
    public static func parse(_ data: Data) throws(XMLTree.Problem) -> MTConnectStreams {
        let root = try XMLTree.parse(data)
        guard root.name == "MTConnectStreams" else {
            if root.name == "MTConnectError" {
                let errors = root.descendant("Errors")?.children.map { "\($0.attributes["errorCode"] ?? "error"): \($0.text)" }
                throw XMLTree.Problem(
                    line: root.line, path: root.path,
                    reason: "the agent answered MTConnectError (\((errors ?? [root.text]).joined(separator: "; ")))")
            }
            throw XMLTree.Problem(
                line: root.line, path: root.path, reason: "expected MTConnectStreams, found \(root.name)")
        }
        let version = root.namespace.flatMap { ns in
            ns.hasPrefix("urn:mtconnect.org:MTConnectStreams:") ? String(ns.dropFirst(35)) : nil
        }
        guard let version else {
            throw XMLTree.Problem(
                line: root.line, path: root.path,
                reason: "namespace '\(root.namespace ?? "none")' is not urn:mtconnect.org:MTConnectStreams:<version>")
        }
        guard let h = root.child("Header") else {
            throw XMLTree.Problem(line: root.line, path: root.path, reason: "no Header")
        }
        func number(_ e: XMLTree.Element, _ name: String) throws(XMLTree.Problem) -> Int64 {
            guard let text = e.attributes[name], let n = Int64(text), n >= 0 else {
                throw XMLTree.Problem(
                    line: e.line, path: e.path + "/@" + name,
                    reason: "'\(e.attributes[name] ?? "missing")' is not a non-negative whole number")
            }
            return n
        }
        func time(_ e: XMLTree.Element, _ name: String) throws(XMLTree.Problem) -> Timestamp {
            guard let text = e.attributes[name], let t = Self.timestamp(text) else {
                throw XMLTree.Problem(
                    line: e.line, path: e.path + "/@" + name,
                    reason: "'\(e.attributes[name] ?? "missing")' is not an ISO 8601 time")
            }
            return t
        }
        guard let instance = h.attributes["instanceId"], !instance.isEmpty else {
            throw XMLTree.Problem(line: h.line, path: h.path + "/@instanceId", reason: "missing")
        }
        let header = Header(
            instanceId: instance, firstSequence: try number(h, "firstSequence"),
            lastSequence: try number(h, "lastSequence"), nextSequence: try number(h, "nextSequence"),
            creationTime: try time(h, "creationTime"), version: version)
        var out: [Observation] = []
        for device in root.child("Streams")?.children("DeviceStream") ?? [] {
            let deviceName = device.attributes["name"] ?? device.attributes["uuid"] ?? ""
            for component in device.children("ComponentStream") {
                for group in component.children {
                    let category: Category
                    switch group.name {
                    case "Samples": category = .sample
                    case "Events": category = .event
                    case "Condition": category = .condition
                    default: continue
                    }
                    for o in group.children {
                        guard let item = o.attributes["dataItemId"], !item.isEmpty else {
                            throw XMLTree.Problem(line: o.line, path: o.path + "/@dataItemId", reason: "missing")
                        }
                        out.append(
                            Observation(
                                device: deviceName, deviceUUID: device.attributes["uuid"],
                                component: component.attributes["name"] ?? component.attributes["component"] ?? "",
                                componentId: component.attributes["componentId"], dataItemId: item,
                                name: o.attributes["name"], element: o.name, category: category,
                                conditionType: category == .condition ? o.attributes["type"] : nil,
                                nativeCode: o.attributes["nativeCode"], subType: o.attributes["subType"],
                                sequence: try number(o, "sequence"),
                                timestamp: try time(o, "timestamp"),
                                value: o.text.trimmingCharacters(in: .whitespacesAndNewlines), line: o.line))
                    }
                }
            }
        }
        out.sort { $0.sequence < $1.sequence }
        return MTConnectStreams(header: header, observations: out)
    }

    /// An MTConnect time stamp: ISO 8601 with up to microseconds (more digits are cut to milliseconds), `Z`, an
    /// offset, or no zone designator (then UTC).
    public static func timestamp(_ text: String) -> Timestamp? {
        var t = text.trimmingCharacters(in: .whitespaces)
        guard t.count >= 19 else { return nil }
        let hasZone = t.hasSuffix("Z") || t.dropFirst(19).contains("+") || t.dropFirst(19).contains("-")
        if !hasZone { t += "Z" }
        // Cut fractional seconds to milliseconds, which Timestamp keeps.
        if let dot = t.firstIndex(of: ".") {
            let digitsEnd = t[t.index(after: dot)...].firstIndex { !$0.isNumber } ?? t.endIndex
            let digits = t[t.index(after: dot)..<digitsEnd]
            let kept = String(digits.prefix(3)).padding(toLength: 3, withPad: "0", startingAt: 0)
            t = String(t[..<dot]) + "." + kept + String(t[digitsEnd...])
        }
        return Timestamp(rfc3339: t)
    }
}
