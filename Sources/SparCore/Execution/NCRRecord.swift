/// A nonconformance report and what the MRB decided.
public struct NCRRecord: Hashable, Sendable {
    public enum Status: String, Hashable, Sendable { case open, dispositioned, closed }

    public var id: String
    public var traveler: String?
    /// The step whose value opened it.
    public var step: StepRef?
    public var item: GenealogyNode
    public var partNumber: String
    public var quantity: Int
    public var characteristic: String
    public var foundValue: String
    public var requirement: String
    public var cause: String
    public var openedAt: Timestamp
    public var openedBy: String
    public var openedByEvent: EventID
    public var disposition: Disposition?
    public var dispositionedAt: Timestamp?
    public var dispositionSignatures: [ExecutionSignature]
    /// Sequence numbers of the operations the disposition added to the traveler.
    public var addedOperations: [Int]
    public var closedAt: Timestamp?
    public var closure: ExecutionSignature?

    init(opened: NCROpened, step: StepRef?, event: ExecutionEvent) {
        id = opened.ncr
        traveler = opened.traveler
        self.step = step
        item = opened.item
        partNumber = opened.partNumber
        quantity = opened.quantity
        characteristic = opened.characteristic
        foundValue = opened.foundValue
        requirement = opened.requirement
        cause = opened.cause
        openedAt = event.time
        openedBy = event.actor
        openedByEvent = event.id
        dispositionSignatures = []
        addedOperations = []
    }

    public var status: Status {
        if closedAt != nil { return .closed }
        return disposition == nil ? .open : .dispositioned
    }

    /// Milliseconds from opening to closure, or to `time` while not closed.
    public func age(at time: Timestamp) -> Int64 {
        max(0, (closedAt ?? time).milliseconds - openedAt.milliseconds)
    }
}

/// NCR aging for one cause, at a given time.
public struct NCRAging: Hashable, Sendable {
    public var cause: String
    public var open: Int
    public var closed: Int
    /// Age of the oldest NCR not yet closed (ms); nil when none is open.
    public var oldestOpenAge: Int64?
    /// Sum of the ages of NCRs not yet closed (ms).
    public var totalOpenAge: Int64
    /// Sum of opening-to-closure times of closed NCRs (ms).
    public var totalTimeToClose: Int64

    public init(
        cause: String, open: Int = 0, closed: Int = 0, oldestOpenAge: Int64? = nil, totalOpenAge: Int64 = 0,
        totalTimeToClose: Int64 = 0
    ) {
        self.cause = cause
        self.open = open
        self.closed = closed
        self.oldestOpenAge = oldestOpenAge
        self.totalOpenAge = totalOpenAge
        self.totalTimeToClose = totalTimeToClose
    }

    /// Mean age of the open NCRs (ms, whole); nil when none is open.
    public var meanOpenAge: Int64? { open > 0 ? totalOpenAge / Int64(open) : nil }
    /// Mean opening-to-closure time (ms, whole); nil when none is closed.
    public var meanTimeToClose: Int64? { closed > 0 ? totalTimeToClose / Int64(closed) : nil }

    /// Aging of `ncrs` by cause at `time`, causes in alphabetical order.
    public static func byCause(_ ncrs: some Sequence<NCRRecord>, at time: Timestamp) -> [NCRAging] {
        var rows: [String: NCRAging] = [:]
        for n in ncrs {
            var row = rows[n.cause] ?? NCRAging(cause: n.cause)
            let age = n.age(at: time)
            if n.closedAt != nil {
                row.closed += 1
                row.totalTimeToClose += age
            } else {
                row.open += 1
                row.totalOpenAge += age
                row.oldestOpenAge = max(row.oldestOpenAge ?? 0, age)
            }
            rows[n.cause] = row
        }
        return rows.keys.sorted().compactMap { rows[$0] }
    }
}
