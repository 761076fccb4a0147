import SparCore

/// The state reasons the generator uses, resolved against the plant model.
///
/// Each state is written with its category and, when the model has a fitting code, its reason (preferring the
/// demo's codes). A model without a fitting code still gets valid events: category only.
struct ReasonPlan: Sendable {
    var running: StateChange
    var changeover: StateChange
    var firstArticle: StateChange
    var offShift: StateChange
    var noDemand: StateChange
    var preventive: StateChange
    var calibration: StateChange
    var pause: StateChange
    /// Minor delays with their relative weights.
    var delays: [(state: StateChange, weight: Double)]
    /// Failure codes (`failure: true`) in the model.
    var failureCodes: Set<String>
    var anyFailure: StateChange
    /// A down reason that is not a failure (utility outage), when the model has one.
    var outage: StateChange?

    init(model: PlantModel) {
        func state(_ category: TimeCategory, preferring codes: [String], excluding: Set<String> = []) -> StateChange {
            for code in codes {
                if let r = model.reason(code: code), r.category == category {
                    return StateChange(category: category, reason: code)
                }
            }
            if let r = model.reasons.first(where: { $0.category == category && !excluding.contains($0.code) }) {
                return StateChange(category: category, reason: r.code)
            }
            return StateChange(category: category)
        }
        running = state(.production, preferring: ["running"])
        changeover = state(.setup, preferring: ["changeover"])
        firstArticle = state(.setup, preferring: ["first-article"])
        offShift = state(.idle, preferring: ["off-shift"])
        noDemand = state(.idle, preferring: ["no-demand"])
        preventive = state(.plannedDown, preferring: ["pm"], excluding: ["break"])
        calibration = state(.plannedDown, preferring: ["calibration", "pm"], excluding: ["break"])
        pause = state(.plannedDown, preferring: ["break"])
        let weights: [String: Double] = [
            "no-material": 0.35, "waiting-inspection": 0.3, "no-operator": 0.15, "minor-stop": 0.2,
        ]
        let delayReasons = model.reasons.filter { $0.category == .delay }
        delays =
            delayReasons.isEmpty
            ? [(StateChange(category: .delay), 1)]
            : delayReasons.map { (StateChange(category: .delay, reason: $0.code), weights[$0.code] ?? 0.1) }
        let failures = model.reasons.filter { $0.category == .down && $0.failure == true }
        failureCodes = Set(failures.map(\.code))
        anyFailure =
            failures.first.map { StateChange(category: .down, reason: $0.code) } ?? StateChange(category: .down)
        outage = model.reasons.first { $0.category == .down && $0.failure != true }
            .map { StateChange(category: .down, reason: $0.code) }
    }

    /// The failure states a unit of this profile can enter (the profile's codes present in the model).
    func failures(for profile: ProcessProfile) -> [StateChange] {
        let own = profile.failureReasons.filter { failureCodes.contains($0) }
        if !own.isEmpty { return own.map { StateChange(category: .down, reason: $0) } }
        return [anyFailure]
    }
}
