import Foundation
import SparCore
import Yams

/// A plant's machine connectors (`connectors.yaml`): per site, which MTConnect agent feeds which work units, as
/// which source system, and how the machines' vocabulary maps onto Spar states (overrides of the documented
/// defaults of ``MTConnectDeviceMap``).
///
/// ```yaml
/// connectors:
///   - id: wichita-cells
///     kind: mtconnect
///     site: wichita
///     source: mtc-wichita            # a system of the plant model: the connector's own token and site scope
///     agent: http://10.20.0.5:5000
///     devices:
///       - device: VMC-1              # the DeviceStream name or uuid
///         unit: aerostar/wichita/machining/5axis-line/cnc-01
///         execution: { FEED_HOLD: { state: delay, reason: no-material } }
///         controllerMode: { MANUAL: { state: setup } }
///         faultReasons: { MOT-OVR: spindle-fail }
///         partCountItems: [pc]
///         orderFrom: PartId          # the counts carry the current PartId as their order
/// ```
public struct ConnectorsFile: Sendable, Hashable {
    /// One agent.
    public struct Connector: Sendable, Hashable {
        public var id: String
        public var kind: String
        public var site: String
        public var source: String
        public var agent: URL
        public var pollSeconds: Double
        public var devices: [MTConnectDeviceMap]

        public init(
            id: String, kind: String, site: String, source: String, agent: URL, pollSeconds: Double,
            devices: [MTConnectDeviceMap]
        ) {
            self.id = id
            self.kind = kind
            self.site = site
            self.source = source
            self.agent = agent
            self.pollSeconds = pollSeconds
            self.devices = devices
        }
    }

    public var connectors: [Connector]

    /// A problem with its place in the file.
    public struct Problem: Error, Sendable, Hashable, CustomStringConvertible {
        public var path: String
        public var reason: String
        public var description: String { "\(path): \(reason)" }
    }

    /// Every problem of a file, listed together.
    public struct Invalid: Error, Sendable, CustomStringConvertible {
        public var file: String
        public var problems: [Problem]
        public var description: String {
            "invalid connectors file \(file) (\(problems.count) problem\(problems.count == 1 ? "" : "s")):\n"
                + problems.map { "  - \($0)" }.joined(separator: "\n")
        }
    }

    /// Reads and checks a connectors file against the plant model: sites, units under their connector's site,
    /// source systems, reason codes, states, agent URLs, duplicate ids and devices, unknown fields.
    public static func decode(_ data: Data, name: String, plant: PlantModel) throws -> ConnectorsFile {
        guard let text = String(data: data, encoding: .utf8) else {
            throw Invalid(file: name, problems: [Problem(path: "(file)", reason: "not UTF-8 text")])
        }
        if let p = YAMLExpansion.problem(text) { throw Invalid(file: name, problems: [Problem(path: "(file)", reason: p)]) }
        let root: Any?
        do {
            root = try Yams.load(yaml: text)
        } catch {
            throw Invalid(file: name, problems: [Problem(path: "(file)", reason: "not YAML: \(error)")])
        }
        var problems: [Problem] = []
        let file = Self.read(root, plant: plant, problems: &problems)
        guard problems.isEmpty else { throw Invalid(file: name, problems: problems) }
        return file
    }

    static func read(_ root: Any?, plant: PlantModel, problems: inout [Problem]) -> ConnectorsFile {
        func fail(_ path: String, _ reason: String) { problems.append(Problem(path: path, reason: reason)) }
        func object(_ v: Any?, _ path: String, known: [String]) -> [String: Any]? {
            guard let o = v as? [String: Any] else {
                fail(path, "expected a mapping")
                return nil
            }
            for k in o.keys.sorted() where !known.contains(k) {
                fail("\(path).\(k)", "unknown field (known: \(known.joined(separator: ", ")))")
            }
            return o
        }
        func string(_ o: [String: Any], _ k: String, _ path: String) -> String? {
            guard let v = o[k] else {
                fail("\(path).\(k)", "missing")
                return nil
            }
            guard let s = v as? String, !s.isEmpty else {
                fail("\(path).\(k)", "expected a non-empty string")
                return nil
            }
            return s
        }
        func state(_ v: Any?, _ path: String) -> StateChange? {
            guard let o = object(v, path, known: ["state", "reason"]) else { return nil }
            let reason = o["reason"] as? String
            if let reason, !plant.reasons.contains(where: { $0.code == reason }) {
                fail("\(path).reason", "unknown reason code '\(reason)' (not in the plant model's reasons)")
            }
            switch o["state"] as? String {
            case StateChange.unknownName?:
                if reason != nil { fail("\(path).reason", "an unknown state takes no reason") }
                return StateChange()
            case let text?:
                guard let c = TimeCategory(rawValue: text) else {
                    fail("\(path).state", "'\(text)' is not one of \((TimeCategory.allCases.map(\.rawValue) + [StateChange.unknownName]).joined(separator: ", "))")
                    return nil
                }
                return StateChange(category: c, reason: reason)
            case nil:
                guard let reason else {
                    fail(path, "give state, reason or both")
                    return nil
                }
                return StateChange(reason: reason)
            }
        }
        func vocabulary(_ v: Any?, _ path: String, defaults: [String: StateChange]) -> [String: StateChange] {
            var out = defaults
            guard let v else { return out }
            guard let o = v as? [String: Any] else {
                fail(path, "expected a mapping of MTConnect values to states")
                return out
            }
            for (value, s) in o.sorted(by: { $0.key < $1.key }) {
                if let s = state(s, "\(path).\(value)") { out[value] = s }
            }
            return out
        }
        guard let top = object(root, "(file)", known: ["connectors"]) else { return ConnectorsFile(connectors: []) }
        guard let list = top["connectors"] as? [Any] else {
            fail("connectors", "expected a list of connectors")
            return ConnectorsFile(connectors: [])
        }
        var connectors: [Connector] = []
        var ids = Set<String>()
        var devicesSeen: [String: String] = [:]
        let units = Set(plant.resolvedWorkUnits.map(\.path.description))
        for (i, item) in list.enumerated() {
            var path = "connectors[\(i)]"
            guard let o = object(item, path, known: ["id", "kind", "site", "source", "agent", "pollSeconds", "devices"]) else { continue }
            let id = string(o, "id", path)
            if let id {
                path = "connectors[\(id)]"
                if !ids.insert(id).inserted { fail("\(path).id", "duplicate connector id") }
            }
            let kind = string(o, "kind", path)
            if let kind, kind != "mtconnect" {
                fail("\(path).kind", "'\(kind)' is not a connector kind Spar has (mtconnect; MQTT is not built yet)")
            }
            let site = string(o, "site", path)
            if let site, !plant.sites.contains(where: { $0.id == site }) {
                fail("\(path).site", "unknown site '\(site)' (not a site of the plant model)")
            }
            let source = string(o, "source", path)
            if let source, !plant.systems.contains(where: { $0.id == source }) {
                fail("\(path).source", "unknown system '\(source)' (not in the plant model's systems)")
            }
            var agent: URL?
            if let text = string(o, "agent", path) {
                if let url = URL(string: text), ["http", "https"].contains(url.scheme ?? ""), url.host != nil {
                    agent = url
                } else {
                    fail("\(path).agent", "'\(text)' is not an http or https URL of an MTConnect agent")
                }
            }
            var poll = 1.0
            if let p = o["pollSeconds"] {
                if let n = (p as? Double) ?? (p as? Int).map(Double.init), n >= 0.1, n <= 3600 {
                    poll = n
                } else {
                    fail("\(path).pollSeconds", "expected a number of seconds from 0.1 to 3600")
                }
            }
            var devices: [MTConnectDeviceMap] = []
            guard let list = o["devices"] as? [Any], !list.isEmpty else {
                fail("\(path).devices", "expected a non-empty list of devices")
                continue
            }
            for (j, d) in list.enumerated() {
                var dpath = "\(path).devices[\(j)]"
                guard
                    let dv = object(
                        d, dpath, known: ["device", "unit", "execution", "controllerMode", "emergencyStop", "fault", "faultReasons", "partCountItems", "orderFrom"])
                else { continue }
                let device = string(dv, "device", dpath)
                if let device {
                    dpath = "\(path).devices[\(device)]"
                    if let other = devicesSeen[device] {
                        fail("\(dpath).device", "device '\(device)' is already mapped by connector \(other)")
                    }
                    devicesSeen[device] = id ?? path
                }
                let unit = string(dv, "unit", dpath)
                if let unit {
                    if !units.contains(unit) {
                        fail("\(dpath).unit", "unknown work unit '\(unit)' (not in the plant model)")
                    } else if let site, EquipmentPath(unit).components.count > 1, EquipmentPath(unit).components[1] != site {
                        fail("\(dpath).unit", "'\(unit)' is not at site \(site), which the connector's token is scoped to")
                    }
                }
                var faultReasons: [String: String] = [:]
                if let fr = dv["faultReasons"] {
                    if let m = fr as? [String: Any] {
                        for (code, r) in m.sorted(by: { $0.key < $1.key }) {
                            guard let r = r as? String, plant.reasons.contains(where: { $0.code == r }) else {
                                fail("\(dpath).faultReasons.\(code)", "'\(r)' is not a reason code of the plant model")
                                continue
                            }
                            faultReasons[code] = r
                        }
                    } else {
                        fail("\(dpath).faultReasons", "expected a mapping of nativeCode to reason code")
                    }
                }
                var items: Set<String>?
                if let pc = dv["partCountItems"] {
                    if let l = pc as? [String] { items = Set(l) } else { fail("\(dpath).partCountItems", "expected a list of data item ids") }
                }
                var orderFrom: String?
                if let of = dv["orderFrom"] {
                    if let t = of as? String, !t.trimmingCharacters(in: .whitespaces).isEmpty {
                        orderFrom = t
                    } else {
                        fail("\(dpath).orderFrom", "expected an event element (PartId, Program, …) or a data item id")
                    }
                }
                let estop = dv["emergencyStop"].flatMap { state($0, "\(dpath).emergencyStop") } ?? StateChange(category: .down)
                let fault = dv["fault"].flatMap { state($0, "\(dpath).fault") } ?? StateChange(category: .down)
                guard let device, let unit, let source else { continue }
                devices.append(
                    MTConnectDeviceMap(
                        device: device, unit: EquipmentPath(unit), source: source,
                        execution: vocabulary(dv["execution"], "\(dpath).execution", defaults: MTConnectDeviceMap.defaultExecution),
                        controllerMode: vocabulary(
                            dv["controllerMode"], "\(dpath).controllerMode", defaults: MTConnectDeviceMap.defaultControllerMode),
                        emergencyStop: estop, fault: fault, faultReasons: faultReasons, partCountItems: items,
                        orderFrom: orderFrom))
            }
            if let id, let kind, let site, let source, let agent {
                connectors.append(
                    Connector(id: id, kind: kind, site: site, source: source, agent: agent, pollSeconds: poll, devices: devices))
            }
        }
        return ConnectorsFile(connectors: connectors)
    }

    /// The mapping each connector would apply, as text (`spar connect check`).
    public func describe() -> String {
        func s(_ x: StateChange) -> String {
            if x.isUnknown { return "unknown" }
            return [x.category?.rawValue, x.reason.map { "reason \($0)" }].compactMap { $0 }.joined(separator: ", ")
        }
        var lines: [String] = []
        for c in connectors {
            lines.append("\(c.id): MTConnect agent \(c.agent.absoluteString), site \(c.site), source \(c.source), every \(JSONValue.format(c.pollSeconds)) s")
            for d in c.devices {
                lines.append("  device \(d.device) → \(d.unit)")
                lines.append("    Availability UNAVAILABLE, or no Execution available → unknown")
                lines.append("    EmergencyStop TRIGGERED → \(s(d.emergencyStop))")
                let reasons = d.faultReasons.sorted { $0.key < $1.key }.map { "\($0.key) → reason \($0.value)" }
                lines.append("    Fault condition → \(s(d.fault))" + (reasons.isEmpty ? "" : " (\(reasons.joined(separator: ", ")))"))
                for (value, state) in d.execution.sorted(by: { $0.key < $1.key }) {
                    lines.append("    Execution \(value) → \(s(state))")
                }
                for (value, state) in d.controllerMode.sorted(by: { $0.key < $1.key }) {
                    lines.append("    ControllerMode \(value) (when not ACTIVE) → \(s(state))")
                }
                lines.append(
                    "    PartCount: " + (d.partCountItems.map { "items \($0.sorted().joined(separator: ", "))" } ?? "every item")
                        + " (the first value is a baseline; BAD or REJECT subType counts as scrap)"
                        + (d.orderFrom.map { "; counts carry the order in \($0)" } ?? ""))
            }
        }
        return lines.joined(separator: "\n")
    }
}
