/// The largest magnitudes an event may carry. Values beyond them are refused at ingest, so that no sum or product the
/// KPI engine forms over a ledger can overflow a binary64 (a billion events at the bound sum to 1e21, and
/// PRU × PQ stays below 1e30).
public enum EventBounds {
    /// Quantities of a count, an order, or a material movement (units of the material).
    public static let quantity: Double = 1e12
    /// Energy of one reading, kWh.
    public static let energy: Double = 1e12
    /// Planned run time per unit and planned setup time, seconds (about 3 years).
    public static let duration: Double = 1e8
    /// Magnitude of a measured value and of its specification limits.
    public static let measurement: Double = 1e15

    /// A bound as `1e12`.
    static func text(_ bound: Double) -> String {
        var exponent = 0
        var v = bound
        while v >= 10 {
            v /= 10
            exponent += 1
        }
        return "1e\(exponent)"
    }
}

extension EventPayload {
    /// The numeric fields of the payload with the bound each must respect (a correction's are its replacement's).
    var boundedFields: [(field: String, value: Double, bound: Double)] {
        switch self {
        case .state, .labor, .maintenance, .inspection, .correction: []
        case .order(let o):
            [
                ("plannedRunTimePerUnit", o.plannedRunTimePerUnit, EventBounds.duration),
                ("plannedQuantity", o.plannedQuantity, EventBounds.quantity),
                ("plannedSetupTime", o.plannedSetupTime, EventBounds.duration),
                ("plannedScrapQuantity", o.plannedScrapQuantity, EventBounds.quantity),
            ].compactMap { f, v, b in v.map { (f, $0, b) } }
        case .count(let c):
            [
                ("good", c.good, EventBounds.quantity), ("scrap", c.scrap, EventBounds.quantity),
                ("rework", c.rework, EventBounds.quantity),
            ]
        case .measurement(let m):
            [
                ("value", m.value, EventBounds.measurement), ("lsl", m.lsl, EventBounds.measurement),
                ("usl", m.usl, EventBounds.measurement),
            ]
        case .material(let m): [("quantity", m.quantity, EventBounds.quantity)]
        case .energy(let kwh): [("kwh", kwh, EventBounds.energy)]
        }
    }

    /// The first numeric field that is not finite or lies beyond its bound, with why.
    public var boundsProblem: (field: String, reason: String)? {
        for (field, value, bound) in boundedFields {
            guard value.isFinite else { return (field, "must be a finite number") }
            guard abs(value) <= bound else {
                return (field, "\(value) is beyond the largest accepted magnitude for this field, \(EventBounds.text(bound))")
            }
        }
        return nil
    }
}
