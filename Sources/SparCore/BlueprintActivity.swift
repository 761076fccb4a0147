/// The four operations categories of the ISA-95 / IEC 62264-3 activity model.
public enum OperationsCategory: String, Hashable, Sendable, Codable, CaseIterable, Comparable {
    case production, quality, maintenance, inventory

    /// Declaration order: production, quality, maintenance, inventory.
    public static func < (a: OperationsCategory, b: OperationsCategory) -> Bool {
        (allCases.firstIndex(of: a) ?? 0) < (allCases.firstIndex(of: b) ?? 0)
    }
}

/// The eight generic activities every operations category has (IEC 62264-3).
public enum MOMActivity: String, Hashable, Sendable, Codable, CaseIterable, Comparable {
    case definitionManagement, resourceManagement, detailedScheduling, dispatching, executionManagement,
        dataCollection, tracking, performanceAnalysis

    /// Plain words, e.g. "data collection".
    public var label: String {
        switch self {
        case .definitionManagement: "definition management"
        case .resourceManagement: "resource management"
        case .detailedScheduling: "detailed scheduling"
        case .dispatching: "dispatching"
        case .executionManagement: "execution management"
        case .dataCollection: "data collection"
        case .tracking: "tracking"
        case .performanceAnalysis: "performance analysis"
        }
    }

    /// The order of IEC 62264-3, definition management first.
    public static func < (a: MOMActivity, b: MOMActivity) -> Bool {
        (allCases.firstIndex(of: a) ?? 0) < (allCases.firstIndex(of: b) ?? 0)
    }
}

/// One cell of the MOM activity grid: an activity of an operations category, e.g. `quality/dataCollection`.
///
/// Cells order by the grid (category first, then activity), which is the order reports use.
public struct BlueprintActivity: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The operations category (row of the grid).
    public var category: OperationsCategory
    /// The generic activity (column of the grid).
    public var activity: MOMActivity

    /// The cell of `activity` in `category`.
    public init(_ category: OperationsCategory, _ activity: MOMActivity) {
        self.category = category
        self.activity = activity
    }

    /// Parses `category/activity` (`quality/dataCollection`); nil when either part is unknown.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let c = OperationsCategory(rawValue: String(parts[0])),
            let a = MOMActivity(rawValue: String(parts[1]))
        else { return nil }
        self.init(c, a)
    }

    /// The id as written in `blueprint.yaml`: `quality/dataCollection`.
    public var description: String { "\(category.rawValue)/\(activity.rawValue)" }

    /// Plain words: `quality/data collection`.
    public var label: String { "\(category.rawValue)/\(activity.label)" }

    /// All 32 cells in grid order.
    public static let all: [BlueprintActivity] = OperationsCategory.allCases.flatMap { c in
        MOMActivity.allCases.map { BlueprintActivity(c, $0) }
    }

    /// Grid order: category first, then activity.
    public static func < (a: BlueprintActivity, b: BlueprintActivity) -> Bool {
        (a.category, a.activity) < (b.category, b.activity)
    }
}
