extension KPICatalogue {
    /// Computes every KPI of the catalogue from summed elements, in catalogue order, with warnings.
    ///
    /// - Parameter singleUnit: whether the scope is one work unit (machine capability needs one).
    public static func compute(_ e: TimeModelElements, singleUnit: Bool) -> (kpis: [(String, KPIValue)], warnings: [String]) {
        var warnings: [String] = []
        var overflowed = false
        func s(_ ms: Int64) -> Double { Double(ms) / 1000 }
        func ratio(_ n: Double?, _ d: Double?) -> Double? {
            guard let n, let d, d != 0 else { return nil }
            guard n.isFinite, d.isFinite else {
                overflowed = true
                return nil
            }
            return n / d
        }
        let pbt = s(e.pbt)
        let apt = s(e.apt)
        let availability = ratio(apt, pbt)
        let effectiveness: Double?
        if e.apt == 0 {
            effectiveness = nil
        } else if e.quantityWithoutPRU > 0 {
            effectiveness = nil
            warnings.append(
                "effectiveness is null: \(format(e.quantityWithoutPRU)) produced units have no planned run time per unit (no order with plannedRunTimePerUnit)")
        } else {
            effectiveness = e.plannedTimeForProduced / apt
        }
        if let eff = effectiveness, eff > 1 {
            warnings.append(
                "effectiveness \(format(eff)) is above 1: the planned run time per unit is pessimistic for what was produced")
        }
        let quality = ratio(e.gq, e.pq)
        func product(_ xs: Double?...) -> Double? {
            var p = 1.0
            for x in xs {
                guard let x else { return nil }
                p *= x
            }
            return p
        }
        let oee = product(availability, effectiveness, quality)
        let nee = product(ratio(apt, s(e.pbt - e.aust)), effectiveness, quality)
        let aoet = e.aoet.map(s)
        let cm = e.cm
        var out: [(String, KPIValue)] = []
        func put(_ id: String, _ v: Double?) {
            if let v, !v.isFinite { overflowed = true }
            out.append((id, v.flatMap { $0.isFinite ? KPIValue.number($0) : nil } ?? .null))
        }

        put("workerEfficiency", ratio(e.apwt.map(s), e.pwt.map(s)))
        put("allocationRatio", ratio(s(e.aubt), aoet))
        put("throughputRate", ratio(e.pq, aoet))
        put("allocationEfficiency", ratio(s(e.aubt), pbt))
        put("utilizationEfficiency", ratio(apt, s(e.aubt)))
        put("oee", oee)
        put("nee", nee)
        put("availability", availability)
        put("effectiveness", effectiveness)
        put("qualityRatio", quality)
        put("setupRate", ratio(s(e.aust), s(e.aupt)))
        put("technicalEfficiency", ratio(apt, s(e.apt + e.adet)))
        put("productionProcessRatio", ratio(apt, aoet))
        put("actualToPlannedScrapRatio", ratio(e.sq, e.psq))
        put("firstPassYield", ratio(e.gq, e.pq))
        put("scrapRatio", ratio(e.sq, e.pq))
        put("reworkRatio", ratio(e.rq, e.pq))
        put("fallOffRatio", ratio(e.sq + e.rq, e.pq))

        let capability = Capability.compute(e.measurements, warnings: &warnings)
        if singleUnit {
            out.append(("machineCapabilityIndex", capability.potential))
            out.append(("criticalMachineCapabilityIndex", capability.critical))
        } else {
            out.append(("machineCapabilityIndex", .null))
            out.append(("criticalMachineCapabilityIndex", .null))
        }
        out.append(("processCapabilityIndex", capability.potential))
        out.append(("criticalProcessCapabilityIndex", capability.critical))

        put("comprehensiveEnergyConsumption", ratio(e.ec, e.pq))
        put("inventoryTurns", ratio(cm, e.ai))
        put("finishedGoodsRatio", ratio(cm == nil ? nil : e.gq, cm))
        put("integratedGoodsRatio", ratio(e.fgq, cm))
        put("productionLossRatio", ratio(e.pl, cm))
        put("storageAndTransportationLossRatio", ratio(e.stl, cm))
        put("otherLossRatio", ratio(e.ol, cm))
        put("equipmentLoadRatio", ratio(s(e.aubt), s(e.pot)))
        let fe = e.fe == 0 ? nil : Double(e.fe)
        put("meanTimeBetweenFailures", ratio(s(e.tbf), fe))
        put("meanTimeToFailure", ratio(s(e.ttf), fe))
        put("meanTimeToRepair", ratio(s(e.ttr), fe))
        put("correctiveMaintenanceRatio", ratio(e.cmt.map(s), (e.cmt.map(s) ?? 0) + (e.pmt.map(s) ?? 0)))

        if e.unknown > 0 {
            warnings.append("\(format(s(e.unknown))) s of planned busy time have no known state (before a unit's first state event)")
        }
        if e.unscheduledQuantity > 0 {
            warnings.append("\(format(e.unscheduledQuantity)) units were counted outside planned operation time and are not in PQ")
        }
        if e.unplannedWork > 0 {
            warnings.append("\(format(s(e.unplannedWork))) s of production were reported during planned down time (unplanned work, not APT)")
        }
        if overflowed {
            warnings.append(
                "some KPIs are null: an element sum is not a finite number (quantities beyond EventBounds, accepted before they were bounded)")
        }
        return (out, warnings)
    }

    static func format(_ v: Double) -> String {
        v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : String(v)
    }
}

/// Capability indices per characteristic: Cp/Cm = (USL − LSL)/(6σ), Cpk/Cmk = min(USL − x̄, x̄ − LSL)/(3σ).
enum Capability {
    static func compute(_ data: [String: [Measurement]], warnings: inout [String]) -> (potential: KPIValue, critical: KPIValue) {
        var potential: [String: Double?] = [:]
        var critical: [String: Double?] = [:]
        for name in data.keys.sorted() {
            let ms = data[name]!
            guard ms.count >= 2 else {
                potential[name] = .some(nil)
                critical[name] = .some(nil)
                warnings.append("capability of '\(name)' needs at least 2 measurements, has \(ms.count)")
                continue
            }
            let lsl = ms[0].lsl
            let usl = ms[0].usl
            guard ms.allSatisfy({ $0.lsl == lsl && $0.usl == usl }) else {
                potential[name] = .some(nil)
                critical[name] = .some(nil)
                warnings.append("capability of '\(name)' is null: specification limits change within the window")
                continue
            }
            let n = Double(ms.count)
            let mean = ms.reduce(0) { $0 + $1.value } / n
            let variance = ms.reduce(0) { $0 + ($1.value - mean) * ($1.value - mean) } / (n - 1)
            let sigma = variance.squareRoot()
            guard sigma > 0 else {
                potential[name] = .some(nil)
                critical[name] = .some(nil)
                warnings.append("capability of '\(name)' is null: all measurements are equal (σ = 0)")
                continue
            }
            potential[name] = (usl - lsl) / (6 * sigma)
            critical[name] = min(usl - mean, mean - lsl) / (3 * sigma)
        }
        func shape(_ d: [String: Double?]) -> KPIValue {
            if d.isEmpty { return .null }
            if d.count == 1, let only = d.values.first { return only.map(KPIValue.number) ?? .null }
            return .byCharacteristic(d)
        }
        return (shape(potential), shape(critical))
    }
}
