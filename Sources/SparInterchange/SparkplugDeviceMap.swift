import Foundation
import SparCore

/// How one Sparkplug B edge node's or device's metrics become Spar events: its work unit and source system, the
/// metric that gives the machine state (and how its values map to Spar states), and the metrics that count parts.
public struct SparkplugDeviceMap: Sendable, Hashable {
    /// The group, edge node and device a map is for; `device` nil is the edge node's own metrics (NBIRTH/NDATA).
    public struct Key: Hashable, Sendable, CustomStringConvertible {
        public var node: SparkplugEdgeNode
        public var device: String?
        public init(node: SparkplugEdgeNode, device: String?) {
            self.node = node
            self.device = device
        }
        /// `group/edgeNode` or `group/edgeNode/device`.
        public var description: String { device.map { "\(node)/\($0)" } ?? node.description }
    }

    public var group: String
    public var edgeNode: String
    /// The `device_id` of DBIRTH/DDATA/DDEATH topics; nil for the edge node's own metrics.
    public var device: String?
    public var unit: EquipmentPath
    /// The source system the events carry (a system of the plant model).
    public var source: String
    /// The metric (by name; data messages may give it by alias) whose value is the machine state; nil: no state.
    public var stateMetric: String?
    /// State metric value → state. The value's text is looked up as sent, then lowercased: `true`/`false` for
    /// Boolean metrics, decimal integers, strings as sent. A value with no entry, a null value and a device that is
    /// offline are the unknown state. Defaults: ``defaultStateValues``.
    public var stateValues: [String: StateChange]
    /// Metrics that are cumulative good-part counters: each increase is a count of good parts, a lower value is a
    /// counter reset (the new value is counted).
    public var partCountMetrics: Set<String>
    /// Metrics that are cumulative scrap counters, read like ``partCountMetrics``.
    public var scrapCountMetrics: Set<String>

    /// `true` production, `false` idle (a Boolean "running" signal), and Spar's category names
    /// (`production`, `setup`, `delay`, `down`, `plannedDown`, `idle`, matched case-insensitively).
    public static let defaultStateValues: [String: StateChange] = {
        var values: [String: StateChange] = [
            "true": StateChange(category: .production), "false": StateChange(category: .idle),
        ]
        for category in TimeCategory.allCases {
            values[category.rawValue.lowercased()] = StateChange(category: category)
        }
        return values
    }()

    /// A map with the documented defaults.
    public init(
        group: String, edgeNode: String, device: String? = nil, unit: EquipmentPath, source: String,
        stateMetric: String? = nil, stateValues: [String: StateChange] = SparkplugDeviceMap.defaultStateValues,
        partCountMetrics: Set<String> = [], scrapCountMetrics: Set<String> = []
    ) {
        self.group = group
        self.edgeNode = edgeNode
        self.device = device
        self.unit = unit
        self.source = source
        self.stateMetric = stateMetric
        self.stateValues = stateValues
        self.partCountMetrics = partCountMetrics
        self.scrapCountMetrics = scrapCountMetrics
    }

    public var key: Key { Key(node: SparkplugEdgeNode(group: group, edgeNode: edgeNode), device: device) }

    /// The state a metric value text maps to; nil when the map has no entry for it.
    public func state(forValue text: String) -> StateChange? { stateValues[text] ?? stateValues[text.lowercased()] }

    /// True when the metric is one this map reads.
    func reads(_ metric: String) -> Bool {
        metric == stateMetric || partCountMetrics.contains(metric) || scrapCountMetrics.contains(metric)
    }
}
