import SparCore
import Testing

@Suite("Blueprint analysis: coverage, ownership, KPI lineage and the ranked gaps")
struct BlueprintAnalysisTests {
    let plant = BlueprintFixtures.plant()

    @Test("the hand-built blueprint is valid against its plant")
    func fixturesAreValid() {
        #expect(BlueprintFixtures.ranked().validationProblems(plant: plant).map(\.description) == [])
        #expect(BlueprintFixtures.version1().validationProblems(plant: plant).map(\.description) == [])
        #expect(BlueprintFixtures.version2().validationProblems(plant: plant).map(\.description) == [])
    }

    @Test("an activity no system covers is uncovered; one only a spreadsheet covers is unvalidated")
    func coverageStates() throws {
        let a = BlueprintFixtures.ranked().analyze(plant: plant)
        let s = try #require(a.site("s"))
        #expect(s.uncoveredActivities == [BlueprintActivity(.production, .detailedScheduling)])
        #expect(s.unvalidatedActivities == [BlueprintActivity(.quality, .dataCollection)])
        #expect(s.activity(BlueprintActivity(.quality, .dataCollection))?.unvalidated == ["xls"])
        #expect(s.activity(BlueprintActivity(.production, .dataCollection))?.state == .covered)
        #expect(s.activity(BlueprintActivity(.maintenance, .tracking))?.state == .outOfScope)
        // Site t is in the plant but not in the blueprint.
        #expect(a.sitesWithoutBlueprint == ["t"])
    }

    @Test("two systems of record are a conflict, an update by a non-owner is reported, an unmapped object has no owner")
    func ownership() throws {
        let s = try #require(BlueprintFixtures.ranked().analyze(plant: plant).site("s"))
        #expect(s.systemOfRecordConflicts == ["routing"])
        #expect(s.dataObject("routing")?.systemsOfRecord == ["mes", "erp"])
        #expect(s.nonOwnerUpdates.map { "\($0.object) by \($0.system)" } == ["workOrder by mes"])
        #expect(s.missingSystemOfRecord == ["ncr", "energyReading"])
        #expect(s.dataObject("shiftCalendar")?.state == .owned)
        #expect(s.dataObject("capa")?.state == .outOfScope)
    }

    @Test("a KPI whose inputs come from two systems is fragmented; one nobody can supply is unsupported")
    func fragmentedAndUnsupported() throws {
        let s = try #require(BlueprintFixtures.ranked().analyze(plant: plant).site("s"))
        // effectiveness = Σ(PRU × PQ) / APT: PRU from the writers of routing and workOrder (mes, erp), PQ and APT
        // from production data collection (mes).
        let effectiveness = try #require(s.kpi("effectiveness"))
        #expect(effectiveness.elements.map(\.element) == ["APT", "PRU", "PQ"])
        #expect(effectiveness.elements.first { $0.element == "PRU" }?.declared == ["mes", "erp"])
        #expect(effectiveness.suppliers == ["erp", "mes"])
        #expect(effectiveness.isFragmented && !effectiveness.isUnreliable && effectiveness.isComputable)
        // availability = APT / PBT, PBT = POT − PDOT: all from mes (it owns the shift calendar).
        let availability = try #require(s.kpi("availability"))
        #expect(availability.suppliers == ["mes"] && !availability.isFragmented)
        // EC comes from the energy reading's system of record, and nobody owns it.
        let energy = try #require(s.kpi("comprehensiveEnergyConsumption"))
        #expect(energy.isUnsupported && energy.unsupportedElements == ["EC"] && !energy.isComputable)
    }

    @Test("a KPI becomes unreliable when one of its elements comes from an unvalidated spreadsheet")
    func unreliableThroughOneElement() throws {
        // mes does production and quality data collection; only RQ is said to come from the spreadsheet.
        var b = BlueprintFixtures.ranked()
        b.sites[0].coverage = [
            BlueprintCoverage(system: "mes", full: ["production/dataCollection", "quality/dataCollection"])
        ]
        b.sites[0].elementSources = [BlueprintElementSource(element: "RQ", systems: ["xls"])]
        #expect(b.validationProblems(plant: plant).map(\.description) == [])
        let a = b.analyze(plant: plant)
        let s = try #require(a.site("s"))
        let rework = try #require(s.kpi("reworkRatio"))
        #expect(rework.isUnreliable && rework.unvalidatedSuppliers == ["xls"] && rework.suppliers == ["mes", "xls"])
        #expect(s.kpi("scrapRatio")?.isUnreliable == false)
        #expect(s.kpi("firstPassYield")?.isUnreliable == false)
        #expect(s.unvalidatedActivities == [])
        // Under spar-kpi-2, RQ is read by reworkRatio (RQ / PQ) only (fall off ratio is SQO / PQ1, FPY is GP / IP); a
        // quality KPI, so the exposure is quality/performanceAnalysis (safety 1 + quality 2 + regulatory 2 = 5):
        // score 2 × 5 = 10.
        let gap = try #require(a.gaps.first { $0.kind == .unreliableKPI })
        #expect(gap.subject == "xls" && gap.elements == ["RQ"] && gap.kpis == ["reworkRatio"])
        #expect(gap.score == 10)
        #expect(
            gap.recommendation
                == "reworkRatio at s takes RQ from xls (unvalidated). Treat them as uncontrolled figures "
                + "until these inputs come from a validated system, or validate xls.")
    }

    @Test("the gaps are ranked by severity × exposure with stable tie-breaks")
    func rankedOrder() {
        let gaps = BlueprintFixtures.ranked().analyze(plant: plant).gaps
        // score = severity × (safety + quality + regulatory), aerospace defaults:
        //  1. routing conflict                 3 × (3+3+3) = 27, 4 KPIs (PRU, PSQ: oee, nee, effectiveness, actualToPlannedScrapRatio)
        //  2. ncr without system of record     3 × (3+3+3) = 27, 0 KPIs (ties with 1 on score and severity; fewer KPIs)
        //  3. quality/dataCollection only xls  2 × (3+3+3) = 18
        //  4. workOrder updated by mes         2 × (2+3+3) = 16
        //  5. KPIs unreliable through xls      2 × 5 (quality/performanceAnalysis 1+2+2)    = 10
        //  6. fragmented mes + xls             1 × 5, 6 KPIs (qualityRatio … finishedGoodsRatio)
        //  7. fragmented erp + mes + xls       1 × 5, 3 KPIs (oee, nee, actualToPlannedScrapRatio)
        //  8. energyReading without owner      3 × (0+0+1) = 3, 1 KPI (comprehensiveEnergyConsumption)
        //  9. production/detailedScheduling    3 × (0+1+0) = 3, 0 KPIs
        // 10. EC supplied by nobody            2 × 1 (production/performanceAnalysis 0+1+0) = 2
        // 11. fragmented erp + mes             1 × 1, 4 production KPIs
        // Gaps whose inputs are all out of scope (FE, CM, …) are not reported.
        let expected = [
            "systemOfRecordConflict routing 27",
            "missingSystemOfRecord ncr 27",
            "unvalidatedActivity quality/dataCollection 18",
            "nonOwnerUpdate workOrder 16",
            "unreliableKPI xls 10",
            "fragmentedKPI erp + mes + xls 5",
            "fragmentedKPI mes + xls 5",
            "missingSystemOfRecord energyReading 3",
            "uncoveredActivity production/detailedScheduling 3",
            "unsupportedKPI EC 2",
            "fragmentedKPI erp + mes 1",
        ]
        #expect(gaps.map { "\($0.kind.rawValue) \($0.subject) \($0.score)" } == expected)
        // spar-kpi-2: fall off ratio reads SQO and PQ1, counts booked to work orders (erp + mes) and scrap (xls);
        // first pass yield reads inspections (GP, IP), which no fragmented source supplies here.
        #expect(gaps[5].kpis == ["oee", "nee", "actualToPlannedScrapRatio", "fallOffRatio"])
        #expect(gaps[6].kpis == ["qualityRatio", "scrapRatio", "reworkRatio", "finishedGoodsRatio"])
        #expect(gaps[10].kpis == ["allocationRatio", "throughputRate", "effectiveness", "productionProcessRatio"])
        #expect(gaps[4].kpis.count == 13)
        // The xls quality data collection supplies GQ, SQ, RQ, the inspections (IP, GP) and the measurements.
        #expect(gaps[4].elements == ["GQ", "SQ", "RQ", "IP", "GP", "measurements"])
    }

    @Test("the recommendations say what is wrong, what depends on it and what to do")
    func recommendations() {
        let gaps = BlueprintFixtures.ranked().analyze(plant: plant).gaps
        func text(_ kind: BlueprintGap.Kind, _ subject: String) -> String {
            gaps.first { $0.kind == kind && $0.subject == subject }?.recommendation ?? "missing"
        }
        #expect(
            text(.unvalidatedActivity, "quality/dataCollection")
                == "quality/data collection at s is only in xls (unvalidated): qualityRatio, actualToPlannedScrapRatio, "
                + "firstPassYield, scrapRatio, reworkRatio and 8 more depend on it. Move it into a validated system or "
                + "validate xls (AS9100, Part 11).")
        #expect(
            text(.systemOfRecordConflict, "routing")
                == "routing at s has 2 systems of record (mes and erp): oee, nee, effectiveness and "
                + "actualToPlannedScrapRatio depend on it. Make one the system of record and let the other read or "
                + "reference it, or split the object by scope (for example by product family) and record the split.")
        #expect(
            text(.nonOwnerUpdate, "workOrder")
                == "work order (workOrder) at s is updated by mes, which is not its system of record (erp): "
                + "allocationRatio, throughputRate, oee, nee, effectiveness and 3 more depend on it. Route the changes "
                + "through the system of record, or reconcile them back through a controlled interface.")
        #expect(
            text(.unsupportedKPI, "EC")
                == "No system supplies EC (energy consumed) at s: comprehensiveEnergyConsumption cannot be computed. "
                + "To supply it, give energy reading (energyReading) a system of record.")
        #expect(
            text(.uncoveredActivity, "production/detailedScheduling")
                == "production/detailed scheduling at s is covered by no system. Assign a system or list it under outOfScope."
        )
    }

    @Test("event sources from the ledger add suppliers and reveal sources the blueprint does not declare")
    func observedSources() throws {
        // The historian's energy events supply EC; mes's state events supply APT, which the blueprint already says.
        let observed: [String: [String: Set<String>]] = ["s": ["EC": ["hist"], "APT": ["mes"]]]
        let a = BlueprintFixtures.ranked().analyze(plant: plant, observed: observed)
        let s = try #require(a.site("s"))
        let energy = try #require(s.kpi("comprehensiveEnergyConsumption"))
        #expect(energy.isComputable && energy.suppliers == ["hist", "mes"] && energy.isFragmented)
        let ec = try #require(energy.elements.first { $0.element == "EC" })
        #expect(ec.declared == [] && ec.observed == ["hist"])
        #expect(!a.gaps.contains { $0.kind == .unsupportedKPI })
        // EC's origin is the energy reading (0 + 0 + 1 = 1): score 1 × 1 = 1.
        let undeclared = try #require(a.gaps.first { $0.kind == .undeclaredSource })
        #expect(undeclared.subject == "hist" && undeclared.elements == ["EC"] && undeclared.score == 1)
        #expect(undeclared.kpis == ["comprehensiveEnergyConsumption"])
        #expect(a.gaps.filter { $0.kind == .undeclaredSource }.count == 1)
    }

    @Test("the ranking does not depend on the order entries are written in")
    func orderIndependent() {
        var shuffled = BlueprintFixtures.ranked()
        shuffled.sites[0].coverage.reverse()
        shuffled.sites[0].dataObjects.reverse()
        shuffled.sites[0].outOfScope.reverse()
        let a = BlueprintFixtures.ranked().analyze(plant: plant).gaps.map {
            "\($0.kind) \($0.subject) \($0.score) \($0.kpis)"
        }
        let b = shuffled.analyze(plant: plant).gaps.map { "\($0.kind) \($0.subject) \($0.score) \($0.kpis)" }
        #expect(a == b)
    }

    @Test("every ISO KPI element maps to an origin in the activity model")
    func everyElementHasAnOrigin() {
        for kpi in KPICatalogue.all {
            for element in kpi.elements {
                #expect(BlueprintElementMap.isKnown(element), "\(kpi.id) reads unknown element \(element)")
            }
            for base in BlueprintElementMap.baseElements(of: kpi.elements) {
                #expect(!BlueprintElementMap.origins(of: base).isEmpty, "\(base) has no origin")
            }
        }
        #expect(BlueprintCanonicalKPI.iso.count == 34)
    }

    @Test("events supply the elements of their type and content")
    func eventElements() {
        let reasons = Dictionary(uniqueKeysWithValues: plant.reasons.map { ($0.code, $0) })
        func el(_ p: EventPayload) -> [String] { BlueprintElementMap.elements(of: p, reasons: reasons) }
        #expect(el(.count(Count(good: 5, scrap: 0, rework: 2))) == ["PQ", "GQ", "RQ"])
        #expect(el(.state(StateChange(reason: "spindle"))) == ["ADOT", "FE", "TTR", "TBF"])
        #expect(el(.state(StateChange(reason: "jam"))) == ["ADET"])
        #expect(el(.order(OrderAction(order: "o", action: .start, plannedScrapQuantity: 1))) == ["AOET", "PRU", "PSQ"])
        #expect(el(.labor(LaborAction(worker: "w", action: .clockIn))) == ["PWT", "APAT"])
        #expect(el(.labor(LaborAction(worker: "w", action: .breakStart))) == ["APAT"])
        #expect(el(.inspection(Inspection(serial: "S1", result: .fail))) == ["IP", "GP"])
        #expect(el(.material(MaterialMovement(flow: .inventory, material: "m", quantity: 1))) == ["AI"])
        #expect(el(.energy(kwh: 1)) == ["EC"])
    }
}
