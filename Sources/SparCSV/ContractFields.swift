/// The contract's fields of each event type (events.md §2) that a CSV map can fill.
enum ContractFields {
    enum Kind: Sendable { case text, number }

    /// Every event type and its fields with their kinds.
    static let byType: [String: [String: Kind]] = [
        "state": ["state": .text, "reason": .text],
        "order": [
            "order": .text, "action": .text, "material": .text, "plannedRunTimePerUnit": .number,
            "plannedQuantity": .number, "plannedSetupTime": .number, "plannedScrapQuantity": .number,
            "operation": .number,
        ],
        "count": ["good": .number, "scrap": .number, "rework": .number, "order": .text],
        "labor": ["worker": .text, "action": .text, "order": .text],
        "maintenance": ["kind": .text, "action": .text],
        "measurement": [
            "characteristic": .text, "value": .number, "lsl": .number, "usl": .number, "subgroup": .text,
        ],
        "material": ["flow": .text, "material": .text, "quantity": .number, "grade": .text],
        "energy": ["kwh": .number],
        "inspection": ["serial": .text, "result": .text, "order": .text, "characteristic": .text],
        "correction": ["corrects": .text, "reason": .text],
    ]

    /// The contract's event types, in the order events.md lists them.
    static let types = [
        "state", "order", "count", "labor", "maintenance", "measurement", "material", "energy", "inspection",
        "correction",
    ]

    /// Fields a map must fill for a type; each entry lists alternatives of which at least one is needed. Order
    /// start fields are left to the rows: an order end needs none of them.
    static let required: [String: [[String]]] = [
        "state": [["state", "reason"]],
        "order": [["order"], ["action"]],
        "count": [["good"], ["scrap"], ["rework"]],
        "labor": [["worker"], ["action"]],
        "maintenance": [["kind"], ["action"]],
        "measurement": [["characteristic"], ["value"], ["lsl"], ["usl"]],
        "material": [["flow"], ["material"], ["quantity"]],
        "energy": [["kwh"]],
        "inspection": [["serial"], ["result"]],
        "correction": [["corrects"]],
    ]
}
