import Foundation
import SparCore
import Yams

/// A plant's machine connectors (`connectors.yaml`): per site, which MTConnect agent or MQTT broker feeds which
/// work units, as which source system, and how the machines' vocabulary maps onto Spar states (overrides of the
/// documented defaults of ``MTConnectDeviceMap`` and ``MQTTUMH/StateTable``).
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
///   - id: wichita-umh
///     kind: mqtt
///     site: wichita
///     source: umh-wichita
///     broker: { host: 10.20.0.7, port: 1883 }
///     clientId: spar-wichita-umh      # fixed: the broker keeps this client's session and QoS 1 messages
///     subscribe: [umh/v1/aerostar/wichita/#]   # optional; default: each topic below + /#
///     topics:
///       - topic: umh/v1/aerostar/wichita/machining/5axis-line/cnc-03
///         unit: aerostar/wichita/machining/5axis-line/cnc-03
///       - topic: ia/aerostar/wichita/lathe-01
///         unit: aerostar/wichita/machining/turning-cell/lathe-01
///     states: { "180000-189999": { reason: spindle-fail }, "40000-49999": { state: delay } }
/// ```
public struct ConnectorsFile: Sendable, Hashable {
    /// One agent or broker.
    public struct Connector: Sendable, Hashable {
        public var id: String
        /// `mtconnect` or `mqtt`.
        public var kind: String
        public var site: String
        public var source: String
        /// The MTConnect agent (kind `mtconnect`).
        public var agent: URL?
        public var pollSeconds: Double
        public var devices: [MTConnectDeviceMap]
        /// The broker, its topics and the state table (kind `mqtt`).
        public var mqtt: MQTTSettings?

        public init(
            id: String, kind: String, site: String, source: String, agent: URL?, pollSeconds: Double,
            devices: [MTConnectDeviceMap], mqtt: MQTTSettings? = nil
        ) {
            self.id = id
            self.kind = kind
            self.site = site
            self.source = source
            self.agent = agent
            self.pollSeconds = pollSeconds
            self.devices = devices
            self.mqtt = mqtt
        }
    }

    /// An MQTT connector's broker, client id, subscriptions, topic-to-unit mapping and UMH state table.
    public struct MQTTSettings: Sendable, Hashable {
        public var host: String
        public var port: Int
        public var clientID: String
        /// Topic filters subscribed at QoS 1.
        public var subscriptions: [String]
        public var assets: [MQTTUMH.Asset]
        public var states: MQTTUMH.StateTable
        /// Sparkplug B edge nodes and devices (`spBv1.0/…` topics) mapped to work units.
        public var sparkplug: [SparkplugDeviceMap]
        public init(
            host: String, port: Int, clientID: String, subscriptions: [String], assets: [MQTTUMH.Asset],
            states: MQTTUMH.StateTable = MQTTUMH.StateTable(), sparkplug: [SparkplugDeviceMap] = []
        ) {
            self.host = host
            self.port = port
            self.clientID = clientID
            self.subscriptions = subscriptions
            self.assets = assets
            self.states = states
            self.sparkplug = sparkplug
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
        var topicsSeen: [String: String] = [:]
        var clientIDs: [String: String] = [:]
        let units = Set(plant.resolvedWorkUnits.map(\.path.description))
        func unitProblem(_ unit: String, site: String?) -> String? {
            if !units.contains(unit) { return "unknown work unit '\(unit)' (not in the plant model)" }
            if let site, EquipmentPath(unit).components.count > 1, EquipmentPath(unit).components[1] != site {
                return "'\(unit)' is not at site \(site), which the connector's token is scoped to"
            }
            return nil
        }
        func mqtt(_ o: [String: Any], _ path: String, site: String?, connector: String) -> MQTTSettings? {
            var host: String?
            var port = 1883
            if let b = o["broker"] {
                if let bo = object(b, "\(path).broker", known: ["host", "port"]) {
                    host = string(bo, "host", "\(path).broker")
                    if let p = bo["port"] {
                        if let n = p as? Int, (1...65535).contains(n) { port = n } else { fail("\(path).broker.port", "expected a port from 1 to 65535") }
                    }
                }
            } else {
                fail("\(path).broker", "missing (host and port of the MQTT broker)")
            }
            let clientID = string(o, "clientId", path)
            if let clientID {
                if clientID.contains(where: { "+#/".contains($0) }) || clientID.utf8.count > 65535 {
                    fail("\(path).clientId", "'\(clientID)' may not contain +, # or /")
                } else if let other = clientIDs[clientID] {
                    fail("\(path).clientId", "client id '\(clientID)' is already used by connector \(other): the broker would disconnect one for the other")
                }
                clientIDs[clientID] = connector
            }
            var assets: [MQTTUMH.Asset] = []
            if let list = o["topics"] as? [Any], !list.isEmpty {
                for (j, t) in list.enumerated() {
                    var tpath = "\(path).topics[\(j)]"
                    guard let to = object(t, tpath, known: ["topic", "unit", "stateTag", "countTag", "scrapTag"]) else { continue }
                    let topic = string(to, "topic", tpath)
                    if let topic {
                        tpath = "\(path).topics[\(topic)]"
                        if let problem = Self.assetTopicProblem(topic) { fail("\(tpath).topic", problem) }
                        if let other = topicsSeen[topic] { fail("\(tpath).topic", "topic '\(topic)' is already mapped by connector \(other)") }
                        topicsSeen[topic] = connector
                    }
                    let unit = string(to, "unit", tpath)
                    if let unit, let problem = unitProblem(unit, site: site) { fail("\(tpath).unit", problem) }
                    var tags: [String: String] = [:]
                    for k in ["stateTag", "countTag", "scrapTag"] where to[k] != nil {
                        if let v = string(to, k, tpath) { tags[k] = v }
                    }
                    guard let topic, let unit else { continue }
                    assets.append(
                        MQTTUMH.Asset(
                            topic: topic, unit: EquipmentPath(unit), stateTag: tags["stateTag"] ?? "state",
                            countTag: tags["countTag"] ?? "count", scrapTag: tags["scrapTag"] ?? "scrap"))
                }
            } else if o["topics"] != nil || o["sparkplug"] == nil {
                fail("\(path).topics", "expected a non-empty list of topics (topic, unit)" + (o["sparkplug"] == nil ? ", or sparkplug devices" : ""))
            }
            var sparkplug: [SparkplugDeviceMap] = []
            if let sp = o["sparkplug"] {
                if let list = sp as? [Any], !list.isEmpty {
                    var seen = Set<SparkplugDeviceMap.Key>()
                    for (j, entry) in list.enumerated() {
                        var spath = "\(path).sparkplug[\(j)]"
                        guard
                            let so = object(
                                entry, spath,
                                known: ["group", "edgeNode", "device", "unit", "stateMetric", "stateValues", "partCountMetrics", "scrapCountMetrics"])
                        else { continue }
                        let group = string(so, "group", spath)
                        let edge = string(so, "edgeNode", spath)
                        let device = so["device"] == nil ? nil : string(so, "device", spath)
                        for (k, v) in [("group", group), ("edgeNode", edge), ("device", device)] {
                            if let v, v.contains(where: { "+#/".contains($0) }) { fail("\(spath).\(k)", "'\(v)' may not contain +, # or /") }
                        }
                        if let group, let edge {
                            spath = "\(path).sparkplug[\(group)/\(edge)\(device.map { "/" + $0 } ?? "")]"
                        }
                        let unit = string(so, "unit", spath)
                        if let unit, let problem = unitProblem(unit, site: site) { fail("\(spath).unit", problem) }
                        let stateMetric = so["stateMetric"] == nil ? nil : string(so, "stateMetric", spath)
                        var values = SparkplugDeviceMap.defaultStateValues
                        if let sv = so["stateValues"] {
                            if let m = sv as? [AnyHashable: Any] {
                                values = [:]
                                for (key, v) in m.sorted(by: { "\($0.key)" < "\($1.key)" }) {
                                    // A bare category name is short for { state: name }.
                                    let given: Any = (v as? String).map { ["state": $0] as [String: Any] } ?? v
                                    if let st = state(given, "\(spath).stateValues.\(key)") { values["\(key)"] = st }
                                }
                            } else {
                                fail("\(spath).stateValues", "expected a mapping of metric values to states")
                            }
                        }
                        func metrics(_ k: String) -> Set<String> {
                            guard let v = so[k] else { return [] }
                            guard let l = v as? [String], !l.isEmpty else {
                                fail("\(spath).\(k)", "expected a list of metric names")
                                return []
                            }
                            return Set(l)
                        }
                        let parts = metrics("partCountMetrics")
                        let scrap = metrics("scrapCountMetrics")
                        if stateMetric == nil, parts.isEmpty, scrap.isEmpty {
                            fail(spath, "maps nothing: give stateMetric, partCountMetrics or scrapCountMetrics")
                        }
                        guard let group, let edge, let unit else { continue }
                        let map = SparkplugDeviceMap(
                            group: group, edgeNode: edge, device: device, unit: EquipmentPath(unit), source: "",
                            stateMetric: stateMetric, stateValues: values, partCountMetrics: parts, scrapCountMetrics: scrap)
                        if !seen.insert(map.key).inserted { fail(spath, "\(map.key) is mapped twice") }
                        sparkplug.append(map)
                    }
                } else {
                    fail("\(path).sparkplug", "expected a non-empty list of Sparkplug edge nodes or devices (group, edgeNode, device, unit)")
                }
            }
            var subscriptions = assets.map { "\($0.topic)/#" }
            for group in Set(sparkplug.map(\.group)).sorted() { subscriptions.append("\(SparkplugTopic.namespace)/\(group)/#") }
            if let sub = o["subscribe"] {
                if let l = sub as? [String], !l.isEmpty {
                    subscriptions = l
                    for (j, f) in l.enumerated() {
                        if let problem = Self.filterProblem(f) { fail("\(path).subscribe[\(j)]", problem) }
                    }
                    for a in assets where !l.contains(where: { Self.filter($0, matches: a.topic + "/_historian") || Self.filter($0, matches: a.topic + "/state") }) {
                        fail("\(path).subscribe", "no filter receives the messages of topic '\(a.topic)'")
                    }
                    for m in sparkplug where !l.contains(where: { Self.filter($0, matches: "\(SparkplugTopic.namespace)/\(m.group)/NDATA/\(m.edgeNode)") }) {
                        fail("\(path).subscribe", "no filter receives the Sparkplug messages of \(m.group)/\(m.edgeNode)")
                    }
                } else {
                    fail("\(path).subscribe", "expected a non-empty list of topic filters")
                }
            }
            var table = MQTTUMH.StateTable()
            if let st = o["states"] {
                if let m = st as? [String: Any] {
                    for (key, v) in m.sorted(by: { $0.key < $1.key }) {
                        let spath = "\(path).states.\(key)"
                        let bounds = key.split(separator: "-", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
                        guard (1...2).contains(bounds.count), let lo = bounds.first ?? nil, let hi = bounds.last ?? nil, lo >= 0, lo <= hi else {
                            fail(spath, "expected a UMH state code (180000) or a range of codes (180000-189999)")
                            continue
                        }
                        if let s = state(v, spath) { table.override(lo...hi, with: s) }
                    }
                } else {
                    fail("\(path).states", "expected a mapping of UMH state codes or ranges to states")
                }
            }
            guard let host, let clientID else { return nil }
            return MQTTSettings(
                host: host, port: port, clientID: clientID, subscriptions: subscriptions, assets: assets, states: table,
                sparkplug: sparkplug)
        }
        for (i, item) in list.enumerated() {
            var path = "connectors[\(i)]"
            let isMQTT = (item as? [String: Any])?["kind"] as? String == "mqtt"
            let known =
                isMQTT
                ? ["id", "kind", "site", "source", "broker", "clientId", "subscribe", "topics", "states", "sparkplug"]
                : ["id", "kind", "site", "source", "agent", "pollSeconds", "devices"]
            guard let o = object(item, path, known: known) else { continue }
            let id = string(o, "id", path)
            if let id {
                path = "connectors[\(id)]"
                if !ids.insert(id).inserted { fail("\(path).id", "duplicate connector id") }
            }
            let kind = string(o, "kind", path)
            if let kind, kind != "mtconnect", kind != "mqtt" {
                fail("\(path).kind", "'\(kind)' is not a connector kind Spar has (mtconnect, mqtt)")
            }
            let site = string(o, "site", path)
            if let site, !plant.sites.contains(where: { $0.id == site }) {
                fail("\(path).site", "unknown site '\(site)' (not a site of the plant model)")
            }
            let source = string(o, "source", path)
            if let source, !plant.systems.contains(where: { $0.id == source }) {
                fail("\(path).source", "unknown system '\(source)' (not in the plant model's systems)")
            }
            if isMQTT {
                let settings = mqtt(o, path, site: site, connector: id ?? path)
                if let id, let kind, let site, let source, var settings {
                    settings.sparkplug = settings.sparkplug.map { m in
                        var m = m
                        m.source = source
                        return m
                    }
                    connectors.append(
                        Connector(
                            id: id, kind: kind, site: site, source: source, agent: nil, pollSeconds: 0, devices: [],
                            mqtt: settings))
                }
                continue
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
                if let unit, let problem = unitProblem(unit, site: site) { fail("\(dpath).unit", problem) }
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
                    Connector(
                        id: id, kind: kind, site: site, source: source, agent: agent, pollSeconds: poll, devices: devices,
                        mqtt: nil))
            }
        }
        return ConnectorsFile(connectors: connectors)
    }

    /// Why `topic` is not an asset topic: `umh/v1/<enterprise>[/…]` without the schema, or `ia/<customerID>/<location>/<AssetID>`.
    static func assetTopicProblem(_ topic: String) -> String? {
        let parts = topic.split(separator: "/", omittingEmptySubsequences: false)
        if parts.contains(where: { $0.isEmpty || $0.contains("+") || $0.contains("#") }) {
            return "'\(topic)' must be a topic without wildcards or empty levels"
        }
        if parts.count >= 3, parts[0] == "umh", parts[1] == "v1" {
            if parts.contains(where: { $0.hasPrefix("_") }) {
                return "'\(topic)' must end before the schema (_historian, _analytics): it names the asset"
            }
            return nil
        }
        if parts.first == "ia" {
            return parts.count == 4 ? nil : "'\(topic)' must be ia/<customerID>/<location>/<AssetID>"
        }
        return "'\(topic)' is not a UMH topic (umh/v1/<enterprise>/… or ia/<customerID>/<location>/<AssetID>)"
    }

    /// Why `filter` is not an MQTT topic filter (`#` only as the last level, `+` only as a whole level).
    static func filterProblem(_ filter: String) -> String? {
        let levels = filter.split(separator: "/", omittingEmptySubsequences: false)
        for (i, l) in levels.enumerated() {
            if l.contains("#"), l != "#" || i != levels.count - 1 { return "'\(filter)': # must be the whole last level" }
            if l.contains("+"), l != "+" { return "'\(filter)': + must be a whole level" }
        }
        return filter.isEmpty ? "an empty topic filter" : nil
    }

    /// Whether the MQTT filter matches the topic.
    static func filter(_ filter: String, matches topic: String) -> Bool {
        let f = filter.split(separator: "/", omittingEmptySubsequences: false)
        let t = topic.split(separator: "/", omittingEmptySubsequences: false)
        for (i, level) in f.enumerated() {
            if level == "#" { return true }
            guard i < t.count else { return false }
            if level != "+", level != t[i] { return false }
        }
        return f.count == t.count
    }

    /// The mapping each connector would apply, as text (`spar connect check`).
    public func describe() -> String {
        func s(_ x: StateChange) -> String {
            if x.isUnknown { return "unknown" }
            return [x.category?.rawValue, x.reason.map { "reason \($0)" }].compactMap { $0 }.joined(separator: ", ")
        }
        var lines: [String] = []
        for c in connectors {
            if let m = c.mqtt {
                lines.append("\(c.id): MQTT broker \(m.host):\(m.port), client id \(m.clientID) (persistent session, QoS 1), site \(c.site), source \(c.source)")
                lines.append("  subscribe \(m.subscriptions.joined(separator: ", "))")
                for a in m.assets {
                    lines.append("  topic \(a.topic)/… → \(a.unit)")
                    if a.topic.hasPrefix("umh/") {
                        lines.append("    _historian tags: state \(a.stateTag), count \(a.countTag), scrap \(a.scrapTag)")
                    }
                }
                for d in m.sparkplug {
                    lines.append("  Sparkplug B \(d.key) → \(d.unit)")
                    if let metric = d.stateMetric {
                        let values = d.stateValues.sorted { $0.key < $1.key }.map { "\($0.key) → \(s($0.value))" }
                        lines.append("    state metric \(metric): \(values.joined(separator: ", ")); any other value, null, offline → unknown")
                    }
                    if !d.partCountMetrics.isEmpty {
                        lines.append("    part counters \(d.partCountMetrics.sorted().joined(separator: ", ")) (the first value is a baseline)")
                    }
                    if !d.scrapCountMetrics.isEmpty {
                        lines.append("    scrap counters \(d.scrapCountMetrics.sorted().joined(separator: ", ")) (the first value is a baseline)")
                    }
                }
                if m.assets.isEmpty { continue }
                lines.append("  UMH states (the narrowest range holding a code decides):")
                for e in m.states.entries.sorted(by: { ($0.codes.lowerBound, -$0.codes.count) < ($1.codes.lowerBound, -$1.codes.count) }) {
                    let codes = e.codes.count == 1 ? "\(e.codes.lowerBound)" : "\(e.codes.lowerBound)-\(e.codes.upperBound)"
                    lines.append("    \(codes) \(e.name) → \(s(e.state))")
                }
                continue
            }
            lines.append("\(c.id): MTConnect agent \(c.agent?.absoluteString ?? ""), site \(c.site), source \(c.source), every \(JSONValue.format(c.pollSeconds)) s")
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
