import Foundation
import SparCore

/// Why a Sparkplug B message was refused, in words.
public struct SparkplugRejection: Error, Hashable, Sendable, CustomStringConvertible {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}

/// The message types of the Sparkplug B topic namespace (`spBv1.0/<group_id>/<message_type>/…`).
public enum SparkplugMessageType: String, Hashable, Sendable, CaseIterable {
    case nbirth = "NBIRTH"
    case ndeath = "NDEATH"
    case dbirth = "DBIRTH"
    case ddeath = "DDEATH"
    case ndata = "NDATA"
    case ddata = "DDATA"
    case ncmd = "NCMD"
    case dcmd = "DCMD"

    /// True for the types whose topic names a device (`…/<edge_node_id>/<device_id>`).
    public var namesDevice: Bool {
        switch self {
        case .dbirth, .ddeath, .ddata, .dcmd: true
        case .nbirth, .ndeath, .ndata, .ncmd: false
        }
    }
}

/// An edge node, named by its group and edge node id (the specification's Edge Node Descriptor).
public struct SparkplugEdgeNode: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var group: String
    public var edgeNode: String

    public init(group: String, edgeNode: String) {
        self.group = group
        self.edgeNode = edgeNode
    }

    /// `group/edgeNode`.
    public var description: String { "\(group)/\(edgeNode)" }

    public static func < (a: SparkplugEdgeNode, b: SparkplugEdgeNode) -> Bool {
        (a.group, a.edgeNode) < (b.group, b.edgeNode)
    }

    /// The topic a host application sends commands to this node on: `spBv1.0/<group_id>/NCMD/<edge_node_id>`.
    public var commandTopic: String { "\(SparkplugTopic.namespace)/\(group)/NCMD/\(edgeNode)" }

    /// The NCMD that asks this node to publish its NBIRTH and DBIRTHs again: the metric `Node Control/Rebirth`
    /// (Boolean) set to true, stamped with `time`.
    public func rebirthRequest(at time: Timestamp) throws -> (topic: String, payload: [UInt8]) {
        var metric = Org_Eclipse_Tahu_Protobuf_Payload.Metric()
        metric.name = "Node Control/Rebirth"
        metric.timestamp = UInt64(max(0, time.milliseconds))
        metric.datatype = UInt32(Org_Eclipse_Tahu_Protobuf_DataType.boolean.rawValue)
        metric.booleanValue = true
        var payload = Org_Eclipse_Tahu_Protobuf_Payload()
        payload.timestamp = UInt64(max(0, time.milliseconds))
        payload.metrics = [metric]
        let bytes: [UInt8] = try payload.serializedBytes()
        return (commandTopic, bytes)
    }
}

/// A topic of the Sparkplug B namespace, parsed.
public enum SparkplugTopic: Hashable, Sendable {
    /// An edge node's or a device's message; `device` is set exactly for the D… types.
    case message(SparkplugMessageType, node: SparkplugEdgeNode, device: String?)
    /// A host application's STATE (`spBv1.0/STATE/<host_id>`, or `STATE/<host_id>` before Sparkplug 3.0).
    case state(hostID: String)

    /// The namespace element every Sparkplug B topic starts with.
    public static let namespace = "spBv1.0"

    /// Parses a topic, or says why it is not one of the Sparkplug B namespace.
    public init(parsing topic: String) throws(SparkplugRejection) {
        let levels = topic.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        if levels.count == 2, levels[0] == "STATE", !levels[1].isEmpty {
            self = .state(hostID: levels[1])
            return
        }
        guard levels.first == Self.namespace else {
            throw SparkplugRejection(
                "topic '\(topic)' is not in the Sparkplug B namespace (it must start with \(Self.namespace)/)")
        }
        if levels.count >= 2, levels[1] == "STATE" {
            guard levels.count == 3, !levels[2].isEmpty else {
                throw SparkplugRejection("topic '\(topic)': a STATE topic is \(Self.namespace)/STATE/<host_id>")
            }
            self = .state(hostID: levels[2])
            return
        }
        guard levels.count >= 4 else {
            throw SparkplugRejection(
                "topic '\(topic)' has \(levels.count) levels; Sparkplug B topics are \(Self.namespace)/<group_id>/<message_type>/<edge_node_id>[/<device_id>]"
            )
        }
        guard let type = SparkplugMessageType(rawValue: levels[2]) else {
            throw SparkplugRejection(
                "topic '\(topic)': '\(levels[2])' is not a Sparkplug B message type (NBIRTH, NDEATH, DBIRTH, DDEATH, NDATA, DDATA, NCMD, DCMD, STATE)"
            )
        }
        let expected = type.namesDevice ? 5 : 4
        guard levels.count == expected else {
            let shape = type.namesDevice ? "<edge_node_id>/<device_id>" : "<edge_node_id>"
            throw SparkplugRejection(
                "topic '\(topic)': a \(type.rawValue) topic is \(Self.namespace)/<group_id>/\(type.rawValue)/\(shape)")
        }
        if let empty = [1, 3, 4].first(where: { $0 < levels.count && levels[$0].isEmpty }) {
            let name = ["", "group_id", "", "edge_node_id", "device_id"][empty]
            throw SparkplugRejection("topic '\(topic)': the \(name) is empty")
        }
        self = .message(
            type, node: SparkplugEdgeNode(group: levels[1], edgeNode: levels[3]),
            device: type.namesDevice ? levels[4] : nil)
    }
}
