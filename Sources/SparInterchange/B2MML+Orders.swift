import SparCore

extension Reader {
    /// Material uses that are the segment's output.
    static let producedUses: Set<String> = ["produced", "materialproduced", "yieldproduced"]

    /// The produced material requirements or actuals of a segment: V0401's `MaterialProduced…` elements, or
    /// V0600+ `Material…` elements whose `MaterialUse` is Produced.
    static func produced(_ segment: XMLTree.Element, v0401Name: String, name: String) -> [XMLTree.Element] {
        segment.children(v0401Name)
            + segment.children(name).filter { m in
                m.value("MaterialUse").map { producedUses.contains(Reader.key($0)) } ?? false
            }
    }

    /// Parameters of a segment (`SegmentParameter`, `ProductionParameter`) by normalised id: value text and unit.
    static func parameters(_ e: XMLTree.Element) -> [String: (value: String, unit: String?)] {
        var out: [String: (String, String?)] = [:]
        for p in e.children("SegmentParameter") + e.children("ProductionParameter") + e.children("Parameter") {
            guard let id = p.value("ID"), let v = p.child("Value"), let text = v.value("ValueString") else { continue }
            out[Reader.key(id)] = (text, v.value("UnitOfMeasure"))
        }
        return out
    }

    static let runTimeKeys = ["plannedruntimeperunit", "pru", "runtimeperunit", "cycletime", "plannedcycletime"]
    static let setupKeys = ["plannedsetuptime", "setuptime"]
    static let scrapKeys = ["plannedscrapquantity", "plannedscrap", "scrapallowance"]

    // MARK: - Schedules

    /// `ProductionSchedule` (V0401+) or `OperationsSchedule` (V0600+): each request becomes an order; each of its
    /// segment requirements with equipment an order start on that unit.
    mutating func schedule(_ e: XMLTree.Element) {
        let requests = e.children("ProductionRequest") + e.children("OperationsRequest")
        if requests.isEmpty { skip(e, "the schedule holds no ProductionRequest or OperationsRequest") }
        for r in requests { request(r, scheduleScope: Reader.scopeIDs(e)) }
    }

    mutating func request(_ r: XMLTree.Element, scheduleScope: [String]) {
        guard let order = r.value("ID") else { return refuse(r, "\(r.name) without an ID (the order number)") }
        count("order")
        var segments: [XMLTree.Element] = []
        func collect(_ s: XMLTree.Element) {
            segments.append(s)
            for c in s.children("SegmentRequirement") { collect(c) }
        }
        for s in r.children("SegmentRequirement") { collect(s) }
        if segments.isEmpty { segments = [r] }
        for c in r.children("PersonnelRequirement") { skip(c, "personnel requirements are not kept") }
        let operations = segments.count > 1
        for (n, segment) in segments.enumerated() {
            orderStart(
                order, segment: segment, request: r, operation: operations ? n + 1 : nil,
                scope: scheduleScope + Reader.scopeIDs(r))
        }
    }

    mutating func orderStart(
        _ order: String, segment s: XMLTree.Element, request r: XMLTree.Element, operation: Int?, scope: [String]
    ) {
        let label = "order \(order)" + (operation.map { ", operation \($0)" } ?? "")
        guard let equipmentID = s.child("EquipmentRequirement")?.value("EquipmentID") ?? r.child("Location")?.value("EquipmentID")
        else {
            return refuse(s, "\(label): no EquipmentRequirement/EquipmentID names the work unit it runs on")
        }
        let unit: ResolvedWorkUnit
        switch self.unit(equipmentID, scope: scope) {
        case .success(let u): unit = u
        case .failure(let why): return refuse(s, "\(label): \(why.reason)")
        }
        guard let startText = s.value("EarliestStartTime") ?? r.value("StartTime") ?? s.value("StartTime") else {
            return refuse(s, "\(label): no EarliestStartTime (or the request's StartTime) says when it starts")
        }
        guard let start = Reader.time(startText, zone: zone(of: unit)) else {
            return refuse(s, "\(label): start time '\(startText)' is not an xsd:dateTime")
        }
        let produced = Reader.produced(s, v0401Name: "MaterialProducedRequirement", name: "MaterialRequirement")
        guard let output = produced.first else {
            return refuse(s, "\(label): no produced material requirement states the planned quantity")
        }
        for extra in produced.dropFirst() { skip(extra, "\(label): only the first produced material is kept") }
        for c in s.children("MaterialConsumedRequirement") + s.children("PersonnelRequirement") {
            skip(c, "\(label): \(c.name) is not kept")
        }
        for m in s.children("MaterialRequirement") where !produced.contains(m) {
            skip(m, "\(label): material used as '\(m.value("MaterialUse") ?? "?")' is not kept (only the produced quantity is)")
        }
        guard let q = output.child("Quantity") else { return refuse(output, "\(label): the produced material has no Quantity") }
        // An order start names its material (events.md); without it the event could not be read back.
        guard let material = output.value("MaterialDefinitionID"), !material.isEmpty else {
            return refuse(output, "\(label): the produced material has no MaterialDefinitionID")
        }
        let planned: Double
        switch Reader.quantity(q) {
        case .success(let v): planned = v
        case .failure(let why): return refuse(q, "\(label): \(why.reason)")
        }
        guard planned > 0 else { return refuse(q, "\(label): the planned quantity is 0") }
        let params = Reader.parameters(s).merging(Reader.parameters(r)) { a, _ in a }
        func seconds(_ keys: [String]) -> Result<Double?, QuantityError> {
            guard let k = keys.first(where: { params[$0] != nil }), let p = params[k] else { return .success(nil) }
            guard let v = Reader.seconds(p.value, unit: p.unit), v >= 0 else {
                return .failure(.init(reason: "parameter \(k) '\(p.value)' is not a time (seconds, min, h or an xsd:duration)"))
            }
            return .success(v)
        }
        let setup: Double?
        let runTime: Double?
        switch (seconds(Reader.setupKeys), seconds(Reader.runTimeKeys)) {
        case (.failure(let why), _), (_, .failure(let why)): return refuse(s, "\(label): \(why.reason)")
        case (.success(let a), .success(let b)):
            setup = a
            runTime = b
        }
        var pru = runTime
        if pru == nil, let d = s.value("Duration") {
            guard let total = Reader.duration(d) else { return refuse(s, "\(label): Duration '\(d)' is not an xsd:duration") }
            pru = max(0, total - (setup ?? 0)) / planned
        }
        guard let pru, pru > 0 else {
            return refuse(
                s,
                "\(label): no planned run time per unit: give a SegmentParameter PlannedRunTimePerUnit (seconds) or the segment's Duration")
        }
        var scrap: Double?
        if let p = Reader.scrapKeys.lazy.compactMap({ params[$0] }).first {
            guard let v = Double(p.value), v.isFinite, v >= 0 else {
                return refuse(s, "\(label): planned scrap '\(p.value)' is not a non-negative number")
            }
            scrap = v
        }
        let segmentID = s.name == "SegmentRequirement" ? (s.value("ID") ?? String(operation ?? 1)) : "1"
        let event = Event(
            id: eventID("order", order, segmentID, "start"), ts: start, source: source, unit: unit.path,
            payload: .order(
                OrderAction(
                    order: order, action: .start, material: material,
                    plannedRunTimePerUnit: pru, plannedQuantity: planned, plannedSetupTime: setup,
                    plannedScrapQuantity: scrap, operation: operation)))
        reading.events.append(.init(event: event, path: s.path, line: s.line))
    }

    // MARK: - Performance

    /// `ProductionPerformance` (V0401+) or `OperationsPerformance` (V0600+): each segment response becomes a count
    /// (what it produced, good, scrap and rework) and, when it completed, the order's end on its unit.
    mutating func performance(_ e: XMLTree.Element) {
        let responses = e.children("ProductionResponse") + e.children("OperationsResponse")
        if responses.isEmpty { skip(e, "the performance holds no ProductionResponse or OperationsResponse") }
        for r in responses { response(r, scope: Reader.scopeIDs(e)) }
    }

    mutating func response(_ r: XMLTree.Element, scope: [String]) {
        guard let responseID = r.value("ID") ?? r.value("ProductionRequestID") ?? r.value("OperationsRequestID") else {
            return refuse(r, "\(r.name) without an ID")
        }
        let order = r.value("OperationsRequestID") ?? r.value("ProductionRequestID") ?? responseID
        count("response")
        var segments: [XMLTree.Element] = []
        func collect(_ s: XMLTree.Element) {
            segments.append(s)
            for c in s.children("SegmentResponse") { collect(c) }
        }
        for s in r.children("SegmentResponse") { collect(s) }
        if segments.isEmpty { return refuse(r, "order \(order): the response holds no SegmentResponse") }
        for (n, s) in segments.enumerated() {
            segmentResponse(
                s, order: order, responseID: responseID, index: n + 1, state: r.value("ResponseState"),
                scope: scope + Reader.scopeIDs(r))
        }
    }

    /// good, scrap or rework, from a produced actual's `Disposition`/`QualityStatus` property or its quantity's `Key`.
    static func disposition(_ m: XMLTree.Element) -> String {
        var words: [String] = []
        for name in ["MaterialActualProperty", "MaterialProducedActualProperty"] {
            for p in properties(m, named: name)
            where ["disposition", "qualitystatus", "quality", "status"].contains(key(p.id)) {
                words.append(key(p.value))
            }
        }
        if let k = m.child("Quantity")?.value("Key") { words.append(key(k)) }
        for w in words {
            if w.contains("scrap") || w.contains("reject") { return "scrap" }
            if w.contains("rework") { return "rework" }
            if w.contains("good") || w.contains("pass") || w.contains("accept") { return "good" }
        }
        return "good"
    }

    mutating func segmentResponse(
        _ s: XMLTree.Element, order: String, responseID: String, index: Int, state: String?, scope: [String]
    ) {
        let label = "order \(order), segment response \(s.value("ID") ?? String(index))"
        let produced = Reader.produced(s, v0401Name: "MaterialProducedActual", name: "MaterialActual")
        let equipmentID = s.children("EquipmentActual").lazy.compactMap { $0.value("EquipmentID") }.first
        if equipmentID == nil, produced.isEmpty, !s.children("SegmentResponse").isEmpty { return }
        guard let equipmentID else { return refuse(s, "\(label): no EquipmentActual/EquipmentID names the work unit") }
        let unit: ResolvedWorkUnit
        switch self.unit(equipmentID, scope: scope) {
        case .success(let u): unit = u
        case .failure(let why): return refuse(s, "\(label): \(why.reason)")
        }
        guard let endText = s.value("ActualEndTime") else {
            return refuse(s, "\(label): no ActualEndTime says when the quantities were reported")
        }
        guard let end = Reader.time(endText, zone: zone(of: unit)) else {
            return refuse(s, "\(label): ActualEndTime '\(endText)' is not an xsd:dateTime")
        }
        var good = 0.0
        var scrap = 0.0
        var rework = 0.0
        for m in produced {
            guard let q = m.child("Quantity") else { return refuse(m, "\(label): a produced material has no Quantity") }
            switch Reader.quantity(q) {
            case .failure(let why): return refuse(q, "\(label): \(why.reason)")
            case .success(let v):
                switch Reader.disposition(m) {
                case "scrap": scrap += v
                case "rework": rework += v
                default: good += v
                }
            }
        }
        for c in s.children("PersonnelActual") + s.children("MaterialConsumedActual") + s.children("SegmentData") {
            skip(c, "\(label): \(c.name) is not kept")
        }
        for m in s.children("MaterialActual") where !produced.contains(m) {
            skip(m, "\(label): material used as '\(m.value("MaterialUse") ?? "?")' is not kept (only produced quantities are)")
        }
        let segmentID = s.value("ID") ?? String(index)
        if !produced.isEmpty {
            let count = Event(
                id: eventID("performance", responseID, segmentID, "count"), ts: end, source: source, unit: unit.path,
                payload: .count(Count(good: good, scrap: scrap, rework: rework, order: order)))
            reading.events.append(.init(event: count, path: s.path, line: s.line))
        }
        let segmentState = s.value("SegmentState") ?? state
        let ended = segmentState.map { ["completed", "closed", "aborted"].contains(Reader.key($0)) } ?? true
        if ended {
            let stop = Event(
                id: eventID("performance", responseID, segmentID, "end"), ts: end, source: source, unit: unit.path,
                payload: .order(OrderAction(order: order, action: .end)))
            reading.events.append(.init(event: stop, path: s.path, line: s.line))
        }
    }
}
