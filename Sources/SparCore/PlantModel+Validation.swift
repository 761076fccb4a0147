/// One problem found in a model document (plant model, blueprint): where it is and what is wrong.
public struct ModelProblem: Hashable, Sendable, CustomStringConvertible {
    /// Where in the document, e.g. `sites[wichita].areas[machining]`.
    public var location: String
    public var message: String

    public init(_ location: String, _ message: String) {
        self.location = location
        self.message = message
    }

    public var description: String { "\(location): \(message)" }
}

/// One problem found in a plant model.
public typealias PlantModelProblem = ModelProblem

/// A plant model that failed validation, with every problem found.
public struct InvalidPlantModel: Error, Sendable, CustomStringConvertible {
    public var problems: [PlantModelProblem]

    public init(problems: [PlantModelProblem]) { self.problems = problems }

    public var description: String {
        "invalid plant model (\(problems.count) problem\(problems.count == 1 ? "" : "s")):\n"
            + problems.map { "  - \($0)" }.joined(separator: "\n")
    }
}

extension PlantModel {
    /// Every problem in the model; empty when it is valid.
    public func validationProblems() -> [PlantModelProblem] {
        var problems: [PlantModelProblem] = []
        func checkID(_ id: String, _ location: String) {
            if id.isEmpty { problems.append(.init(location, "id is empty")) }
            if id.contains("/") { problems.append(.init(location, "id '\(id)' must not contain '/'")) }
        }
        func duplicates(_ ids: [String], _ location: String, _ what: String) {
            var seen = Set<String>()
            for id in ids where !seen.insert(id).inserted {
                problems.append(.init(location, "duplicate \(what) id '\(id)'"))
            }
        }
        let calendarIDs = Set(calendars.map(\.id))
        func checkCalendar(_ ref: String?, _ location: String) {
            if let ref, !calendarIDs.contains(ref) {
                problems.append(.init(location, "unknown calendar '\(ref)'"))
            }
        }
        checkID(enterprise, "enterprise")
        if sites.isEmpty { problems.append(.init("sites", "the enterprise has no site")) }
        duplicates(sites.map(\.id), "sites", "site")
        for site in sites {
            let sl = "sites[\(site.id)]"
            checkID(site.id, sl)
            if LocalTime(identifier: site.timeZone) == nil {
                problems.append(.init(sl + ".timeZone", "unknown IANA time zone '\(site.timeZone)'"))
            }
            checkCalendar(site.calendar, sl + ".calendar")
            duplicates(site.areas.map(\.id), sl + ".areas", "area")
            for area in site.areas {
                let al = "\(sl).areas[\(area.id)]"
                checkID(area.id, al)
                checkCalendar(area.calendar, al + ".calendar")
                duplicates(area.workCenters.map(\.id), al + ".workCenters", "work center")
                for wc in area.workCenters {
                    let wl = "\(al).workCenters[\(wc.id)]"
                    checkID(wc.id, wl)
                    checkCalendar(wc.calendar, wl + ".calendar")
                    duplicates(wc.workUnits.map(\.id), wl + ".workUnits", "work unit")
                    for unit in wc.workUnits {
                        let ul = "\(wl).workUnits[\(unit.id)]"
                        checkID(unit.id, ul)
                        checkCalendar(unit.calendar, ul + ".calendar")
                        if let r = unit.ratedRate, !(r.isFinite && r > 0 && r <= EventBounds.quantity) {
                            problems.append(.init(ul + ".ratedRate", "must be a positive number of units per hour (got \(r))"))
                        }
                    }
                }
            }
        }
        duplicates(calendars.map(\.id), "calendars", "calendar")
        for calendar in calendars {
            problems += calendar.validationProblems(location: "calendars[\(calendar.id)]")
        }
        duplicates(reasons.map(\.code), "reasons", "reason")
        for reason in reasons where reason.failure == true && reason.category != .down {
            problems.append(
                .init("reasons[\(reason.code)]", "failure: true needs category down, not \(reason.category.rawValue)"))
        }
        duplicates(systems.map(\.id), "systems", "system")
        for system in systems { checkID(system.id, "systems[\(system.id)]") }
        duplicates(materials.map(\.id), "materials", "material")
        for m in materials { checkID(m.id, "materials[\(m.id)]") }
        duplicates(lots.map(\.id), "lots", "lot")
        for l in lots { checkID(l.id, "lots[\(l.id)]") }
        return problems
    }

    /// Throws ``InvalidPlantModel`` listing every problem, or returns normally when valid.
    public func validate() throws(InvalidPlantModel) {
        let problems = validationProblems()
        if !problems.isEmpty { throw InvalidPlantModel(problems: problems) }
    }
}

extension WorkCalendar {
    func validationProblems(location: String) -> [PlantModelProblem] {
        var problems: [PlantModelProblem] = []
        var names = Set<String>()
        for (i, shift) in shifts.enumerated() {
            let l = "\(location).shifts[\(shift.name.isEmpty ? String(i) : shift.name)]"
            if shift.name.isEmpty { problems.append(.init(l, "shift name is empty")) }
            if !names.insert(shift.name).inserted { problems.append(.init(l, "duplicate shift name '\(shift.name)'")) }
            if shift.days.isEmpty { problems.append(.init(l, "shift has no days")) }
            if !shift.start.isValid { problems.append(.init(l + ".start", "'\(shift.start.text)' is not a time HH:MM")) }
            if !shift.end.isValid { problems.append(.init(l + ".end", "'\(shift.end.text)' is not a time HH:MM")) }
        }
        let validShifts = shifts.filter { $0.start.isValid && $0.end.isValid }
        // Overlaps: lay each shift on a week of minutes (wrapping Sunday night into Monday).
        let week = 7 * 1440
        func spans(_ days: [Weekday], _ start: TimeOfDay, _ end: TimeOfDay) -> [(Int, Int)] {
            var out: [(Int, Int)] = []
            for d in days {
                let s = (d.isoNumber - 1) * 1440 + start.minutes
                let length = end <= start ? 1440 - start.minutes + end.minutes : end.minutes - start.minutes
                let e = s + length
                if e <= week { out.append((s, e)) } else { out += [(s, week), (0, e - week)] }
            }
            return out
        }
        for i in validShifts.indices {
            for j in validShifts.indices where j > i {
                let (x, y) = (validShifts[i], validShifts[j])
                let a = spans(x.days, x.start, x.end)
                let b = spans(y.days, y.start, y.end)
                if a.contains(where: { p in b.contains { q in p.0 < q.1 && q.0 < p.1 } }) {
                    problems.append(
                        .init("\(location).shifts[\(y.name)]", "overlaps shift '\(x.name)' (\(x.start)-\(x.end))"))
                }
            }
        }
        for (i, pd) in (plannedDown ?? []).enumerated() {
            let l = "\(location).plannedDown[\(i)]"
            if pd.days.isEmpty { problems.append(.init(l, "planned down window has no days")) }
            if !pd.start.isValid { problems.append(.init(l + ".start", "'\(pd.start.text)' is not a time HH:MM")) }
            if !pd.end.isValid { problems.append(.init(l + ".end", "'\(pd.end.text)' is not a time HH:MM")) }
            if pd.start.isValid, pd.start == pd.end {
                problems.append(.init(l, "planned down window is empty (start = end)"))
            }
        }
        var dates = Set<String>()
        for ex in exceptions ?? [] {
            let l = "\(location).exceptions[\(ex.date)]"
            if CalendarSchedule.dayNumber(ex.date) == nil {
                problems.append(.init(l, "date '\(ex.date)' is not a date YYYY-MM-DD"))
            }
            if !dates.insert(ex.date).inserted { problems.append(.init(l, "duplicate exception date")) }
            switch (ex.closed, ex.shifts) {
            case (true?, _?): problems.append(.init(l, "an exception is either closed or lists shifts, not both"))
            case (nil, nil), (false?, nil): problems.append(.init(l, "an exception needs closed: true or shifts"))
            default: break
            }
            for name in ex.shifts ?? [] where !names.contains(name) {
                problems.append(.init(l, "unknown shift '\(name)'"))
            }
        }
        return problems
    }
}
