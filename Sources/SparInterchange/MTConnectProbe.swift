import Foundation
import SparCore

/// An agent's `/probe` answer (`MTConnectDevices`), as far as a connector needs it: the devices and their data items.
public struct MTConnectProbe: Sendable, Hashable {
    public struct DataItem: Sendable, Hashable {
        public var id: String
        public var type: String
        public var category: String
    }
    public struct Device: Sendable, Hashable {
        public var name: String
        public var uuid: String?
        public var dataItems: [DataItem]
    }
    public var instanceId: String
    public var version: String
    public var devices: [Device]

    /// Reads a `/probe` document; a problem names its line and element path.
    public static func parse(_ data: Data) throws(XMLTree.Problem) -> MTConnectProbe {
        let root = try XMLTree.parse(data)
        if root.name == "MTConnectError" { throw MTConnectStreams.agentError(root) }
        guard root.name == "MTConnectDevices" else {
            throw XMLTree.Problem(line: root.line, path: root.path, reason: "expected MTConnectDevices, found \(root.name)")
        }
        let prefix = "urn:mtconnect.org:MTConnectDevices:"
        guard let ns = root.namespace, ns.hasPrefix(prefix) else {
            throw XMLTree.Problem(
                line: root.line, path: root.path,
                reason: "namespace '\(root.namespace ?? "none")' is not \(prefix)<version>")
        }
        guard let header = root.child("Header"), let instance = header.attributes["instanceId"], !instance.isEmpty else {
            throw XMLTree.Problem(line: root.line, path: root.path + "/Header/@instanceId", reason: "missing")
        }
        var devices: [Device] = []
        for d in root.child("Devices")?.children ?? [] where d.name == "Device" || d.name == "Agent" {
            var items: [DataItem] = []
            func walk(_ e: XMLTree.Element) {
                for c in e.children {
                    if c.name == "DataItem", let id = c.attributes["id"] {
                        items.append(DataItem(id: id, type: c.attributes["type"] ?? "", category: c.attributes["category"] ?? ""))
                    } else {
                        walk(c)
                    }
                }
            }
            walk(d)
            guard let name = d.attributes["name"] ?? d.attributes["uuid"] else {
                throw XMLTree.Problem(line: d.line, path: d.path + "/@name", reason: "a Device has neither name nor uuid")
            }
            if d.name == "Agent" { continue }
            devices.append(Device(name: name, uuid: d.attributes["uuid"], dataItems: items))
        }
        return MTConnectProbe(instanceId: instance, version: String(ns.dropFirst(prefix.count)), devices: devices)
    }

    /// The mapped devices this agent does not have, each in words.
    public func missing(_ maps: [MTConnectDeviceMap]) -> [String] {
        maps.compactMap { m in
            devices.contains { $0.name == m.device || $0.uuid == m.device }
                ? nil
                : "device '\(m.device)' (\(m.unit)) is not among the agent's devices (\(devices.map(\.name).joined(separator: ", ")))"
        }
    }
}

extension MTConnectStreams {
    /// The error codes of an `MTConnectError` answer (`OUT_OF_RANGE`, `INVALID_REQUEST`, …); nil for any other document.
    public static func agentErrorCodes(_ data: Data) -> [String]? {
        guard let root = try? XMLTree.parse(data), root.name == "MTConnectError" else { return nil }
        return (root.descendant("Errors")?.children ?? []).map { $0.attributes["errorCode"] ?? "" }
    }

    static func agentError(_ root: XMLTree.Element) -> XMLTree.Problem {
        let errors = root.descendant("Errors")?.children.map { "\($0.attributes["errorCode"] ?? "error"): \($0.text)" }
        return XMLTree.Problem(
            line: root.line, path: root.path,
            reason: "the agent answered MTConnectError (\((errors ?? [root.text]).joined(separator: "; ")))")
    }
}
