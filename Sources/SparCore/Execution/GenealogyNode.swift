/// A serial or a lot in the genealogy.
public enum GenealogyNode: Hashable, Sendable, Comparable, CustomStringConvertible {
    case serial(String)
    case lot(String)

    public var id: String {
        switch self {
        case .serial(let s): s
        case .lot(let l): l
        }
    }

    public var isSerial: Bool { if case .serial = self { true } else { false } }

    /// `serial SN-1` or `lot L-7`.
    public var description: String {
        switch self {
        case .serial(let s): "serial \(s)"
        case .lot(let l): "lot \(l)"
        }
    }

    public static func < (a: GenealogyNode, b: GenealogyNode) -> Bool { a.description < b.description }
}

/// How one genealogy node went into another.
public enum GenealogyLink: String, Hashable, Sendable, CaseIterable {
    /// A material lot consumed into a traveler's serial or lot.
    case consumed
    /// A lot split into a new lot.
    case split
    /// A lot merged into a new lot.
    case merged
    /// A serial assembled into a parent.
    case assembled
    /// An approved substitute component built into a parent.
    case substituted
}

/// One edge of the genealogy: `from` went into `into`.
public struct GenealogyEdge: Hashable, Sendable, CustomStringConvertible {
    public var from: GenealogyNode
    public var into: GenealogyNode
    public var link: GenealogyLink
    public var quantity: Double?
    /// The event that recorded it.
    public var event: EventID
    public var time: Timestamp

    public init(
        from: GenealogyNode, into: GenealogyNode, link: GenealogyLink, quantity: Double? = nil, event: EventID,
        time: Timestamp
    ) {
        self.from = from
        self.into = into
        self.link = link
        self.quantity = quantity
        self.event = event
        self.time = time
    }

    public var description: String { "\(from) \(link.rawValue) into \(into)" }
}
