/// The shop-floor events an execution fact implies: what the traveler record contributes to the ISO 22400 KPIs.
///
/// They are derived from the execution record before and after the fact, appended with the fact in the same ledger
/// transaction, and carry ids `<entry id>.<kind>` inside the reserved `execution:` space, so that a KPI's lineage leads
/// from a count or an inspection back to the step, hold point or NCR disposition that caused it:
///
/// - **Time model and labor.** A step's start and completion at a work unit bound its unit's state (`setup` for a setup
///   step, else `production`; `idle` once no step runs there), the work order's run at the unit (order start and
///   end, with the operation's position on the traveler, the part number, the quantity and the operation's standard
///   times; only for operations with a standard run time), and the operator's work time on the order (labor start
///   and stop).
/// - **Quantities.** Counts per traveler and work order, as the traveler's quantities change: scrap and
///   return-to-vendor pieces as scrap quantity (at their disposition), reworked and repaired pieces as rework quantity
///   (at their disposition), and on completion the good pieces not reworked or repaired as good quantity, so that
///   produced quantity equals the pieces inspected.
/// - **Inspections.** A signed hold point is a passed inspection of the traveler's serial (or lot); a value out of
///   limits, or an NCR opened against the traveler, a failed one (characteristic: the data item or NCR's).
/// - **Measurements.** A numeric value of an item with both limits is a measurement (subgroup: the traveler); its
///   correction corrects the measurement.
///
/// Only operations at work units (five-level paths) give events: the KPIs are per work unit. A piece's count already
/// recorded good is not taken back by an NCR found after its traveler completed; the NCR adds its scrap or rework.
public enum ExecutionShopFloor {
    /// The source system of derived events.
    public static let source = "spar-execution"

    /// The events `event` (accepted as ledger entry `entryID`, with `consequences`) implies, given the execution record
    /// before and after it.
    public static func events(
        for event: ExecutionEvent, entryID: String, before: ExecutionState, after: ExecutionState,
        consequences: [ExecutionConsequence]
    ) -> [Event] {
        var out: [Event] = []
        func add(_ kind: String, _ unit: EquipmentPath, _ payload: EventPayload) {
            out.append(Event(id: EventID("\(entryID).\(kind)"), ts: event.time, source: source, unit: unit, payload: payload))
        }
        switch event.fact {
        case .stepStarted(let f):
            guard let t = after.travelers[f.traveler], let unit = unit(t, f.step.operation) else { break }
            timeEvents(unit, t, f.step.operation, before: before, after: after, entryID: entryID, time: event.time, add)
            add("labor", unit, .labor(LaborAction(worker: event.actor, action: .start, order: t.workOrder)))
        case .stepCompleted(let f):
            guard let t = after.travelers[f.traveler], let unit = unit(t, f.step.operation) else { break }
            timeEvents(unit, t, f.step.operation, before: before, after: after, entryID: entryID, time: event.time, add)
            let worker = t.steps[f.step]?.startedBy ?? event.actor
            add("labor", unit, .labor(LaborAction(worker: worker, action: .stop, order: t.workOrder)))
            countEvent(t, before: before, unit: unit, add)
        case .dataRecorded(let f):
            guard let t = after.travelers[f.traveler], let unit = unit(t, f.step.operation) else { break }
            if let m = measurement(t, f.step, f.item, f.value) { add("measurement", unit, .measurement(m)) }
            for case .ncrOpened(let ncr, _) in consequences {
                let characteristic = after.ncrs[ncr]?.characteristic ?? f.item
                add("inspection", unit, .inspection(inspection(t, .fail, characteristic)))
            }
        case .holdPointSigned(let f):
            guard let t = after.travelers[f.traveler], let unit = unit(t, f.step.operation) else { break }
            add("inspection", unit, .inspection(inspection(t, .pass, nil)))
        case .ncrOpened(let f):
            guard let name = f.traveler, let t = after.travelers[name], let unit = currentUnit(t) else { break }
            add("inspection", unit, .inspection(inspection(t, .fail, f.characteristic)))
        case .ncrDispositioned(let f):
            guard let ncr = after.ncrs[f.ncr], let name = ncr.traveler, let t = after.travelers[name],
                let unit = ncr.step.flatMap({ unit(t, $0.operation) }) ?? currentUnit(t)
            else { break }
            countEvent(t, before: before, unit: unit, add)
        case .entryCorrected(let f):
            guard let (name, ref) = before.dataEvents[f.corrects], let t = after.travelers[name],
                let unit = unit(t, ref.operation), let original = t.steps[ref]?.data.first(where: { $0.event == f.corrects }),
                measurement(t, ref, original.item, original.value) != nil
            else { break }
            var root = original
            while let earlier = root.corrects, let e = t.steps[ref]?.data.first(where: { $0.event == earlier }) { root = e }
            let target = EventID("execution:\(root.event.rawValue).measurement")
            var replacement: Event?
            if case .value(let v) = f.replacement, let m = measurement(t, ref, original.item, v) {
                replacement = Event(
                    id: EventID("\(entryID).measurement"), ts: original.time, source: source, unit: unit,
                    payload: .measurement(m))
            }
            add("measurement", unit, .correction(Correction(corrects: target, replacement: replacement, reason: f.reason)))
        default:
            break
        }
        return out
    }

    /// The work unit of a traveler's operation, when it is one.
    static func unit(_ t: TravelerRecord, _ operation: Int) -> EquipmentPath? {
        guard let path = t.operation(operation)?.operation.workCenter, path.isWorkUnit else { return nil }
        return path
    }

    /// Where the traveler stands: the operation of its latest started step, else its first operation.
    static func currentUnit(_ t: TravelerRecord) -> EquipmentPath? {
        let latest = t.steps.max { ($0.value.startedAt, $0.key) < ($1.value.startedAt, $1.key) }?.key.operation
        return unit(t, latest ?? t.operations.first?.sequence ?? 0)
    }

    static func category(_ steps: Set<RunningStep>?) -> TimeCategory {
        guard let steps, !steps.isEmpty else { return .idle }
        return steps.contains { $0.setup } ? .setup : .production
    }

    /// The unit's state and the work order's run at the unit, where the step's start or completion changed them. A
    /// second state change at the same instant corrects the first (a unit has one state per instant).
    static func timeEvents(
        _ unit: EquipmentPath, _ t: TravelerRecord, _ operation: Int, before: ExecutionState, after: ExecutionState,
        entryID: String, time: Timestamp, _ add: (String, EquipmentPath, EventPayload) -> Void
    ) {
        let was = before.running[unit.description], now = after.running[unit.description]
        let ran = was?.contains { $0.workOrder == t.workOrder } ?? false
        let runs = now?.contains { $0.workOrder == t.workOrder } ?? false
        let op = t.operation(operation)?.operation
        if !ran && runs, let pru = op?.runTimePerUnit {
            let position = (t.operations.firstIndex { $0.sequence == operation } ?? 0) + 1
            add("order", unit, .order(OrderAction(
                order: t.workOrder, action: .start, material: t.partNumber, plannedRunTimePerUnit: pru,
                plannedQuantity: Double(t.item.quantity), plannedSetupTime: op?.setupTime, operation: position)))
        }
        if category(was) != category(now) {
            let state = StateChange(category: category(now))
            if let prev = before.unitStates[unit.description], prev.time == time {
                let replacement = Event(
                    id: EventID("\(entryID).state"), ts: time, source: source, unit: unit, payload: .state(state))
                add("state", unit, .correction(Correction(
                    corrects: EventID("execution:\(prev.root.rawValue).state"), replacement: replacement,
                    reason: "the unit's state changed again at the same instant")))
            } else {
                add("state", unit, .state(state))
            }
        }
        if ran && !runs, op?.runTimePerUnit != nil {
            add("order", unit, .order(OrderAction(order: t.workOrder, action: .end)))
        }
    }

    /// KPI quantities of a traveler: good (not reworked), scrap (scrap and returned) and rework.
    static func counted(_ q: TravelerQuantities) -> (good: Int, scrap: Int, rework: Int) {
        (max(0, q.good - q.rework), q.scrap + q.returnedToVendor, q.rework)
    }

    static func countEvent(
        _ t: TravelerRecord, before: ExecutionState, unit: EquipmentPath, _ add: (String, EquipmentPath, EventPayload) -> Void
    ) {
        let a = counted(t.quantities)
        let b = before.travelers[t.id].map { counted($0.quantities) } ?? (good: 0, scrap: 0, rework: 0)
        let good = max(0, a.good - b.good), scrap = max(0, a.scrap - b.scrap), rework = max(0, a.rework - b.rework)
        guard good + scrap + rework > 0 else { return }
        add("count", unit, .count(Count(
            good: Double(good), scrap: Double(scrap), rework: Double(rework), order: t.workOrder)))
    }

    static func inspection(_ t: TravelerRecord, _ result: Inspection.Result, _ characteristic: String?) -> Inspection {
        Inspection(serial: t.item.description, result: result, order: t.workOrder, characteristic: characteristic)
    }

    static func measurement(_ t: TravelerRecord, _ ref: StepRef, _ item: String, _ value: DataValue) -> Measurement? {
        guard case .number(let v) = value, let d = t.step(ref)?.dataItems.first(where: { $0.id == item }),
            let lsl = d.lowerLimit, let usl = d.upperLimit
        else { return nil }
        return Measurement(characteristic: d.name, value: v, lsl: lsl, usl: usl, subgroup: t.id)
    }
}
