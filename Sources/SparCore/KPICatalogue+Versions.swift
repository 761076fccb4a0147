extension KPICatalogue {
    private static func e(_ name: String) -> KPIFormula { .element(name) }
    private static func b(_ name: String) -> KPIFormula { .base(name) }
    private static func ratio(_ n: String, _ d: String) -> KPIFormula { .ratio(.element(n), .element(d)) }

    /// Elements every version reads the same way.
    private static let sharedHead: [KPIElementReading] = [
        .init("POT", b("POT"), "planned operation time: the unit's calendar shift windows (around the clock without a calendar)"),
        .init("PDOT", b("PDOT"), "planned down time: calendar plannedDown windows and plannedDown state time, inside POT"),
        .init("PBT", b("PBT"), "planned busy time = POT − PDOT"),
        .init("APT", b("APT"), "production state time inside PBT"),
        .init("AUST", b("AUST"), "setup state time inside PBT"),
    ]

    private static let quantities: [KPIElementReading] = [
        .init("PQ", b("PQ"), "good + scrap + rework of the counts that close part of the window (start < ts ≤ end) inside POT"),
        .init("GQ", b("GQ"), "good quantity of those counts"),
        .init("SQ", b("SQ"), "scrap quantity of those counts"),
        .init("RQ", b("RQ"), "rework quantity of those counts"),
        .init("PRUxPQ", b("PRUxPQ"), "Σ PRU × PQ: the planned run time for what was produced (PRU of the order each count names, else the order running)"),
        .init("AOET", b("AOET"), "order start → end on the unit, inside the window, summed over orders"),
        .init("PSQ", b("PSQ"), "planned scrap of every order running on the unit during the window"),
    ]

    private static let materials: [KPIElementReading] = [
        .init("CMT", b("CMT"), "corrective maintenance start → end inside the window"),
        .init("PMT", b("PMT"), "preventive maintenance start → end inside the window"),
        .init("CM", b("CM"), "Σ consumed material closing part of the window"),
        .init("PL", b("PL"), "Σ productionLoss material"),
        .init("STL", b("STL"), "Σ storageLoss material"),
        .init("OL", b("OL"), "Σ otherLoss material"),
    ]

    /// `spar-kpi-1` (kpis.md): Spar's first reading of ISO 22400-2, kept computable for values already reported.
    public static let sparKPI1: KPIDefinitionVersion = {
        let expressions: [String: KPIFormula] = [
            "workerEfficiency": ratio("APWT", "PWT"),
            "allocationRatio": ratio("AUBT", "AOET"),
            "throughputRate": ratio("PQ", "AOET"),
            "allocationEfficiency": ratio("AUBT", "PBT"),
            "utilizationEfficiency": ratio("APT", "AUBT"),
            "oee": .product([.kpi("availability"), .kpi("effectiveness"), .kpi("qualityRatio")]),
            "nee": .product([.ratio(e("APT"), .difference(e("PBT"), e("AUST"))), .kpi("effectiveness"), .kpi("qualityRatio")]),
            "availability": ratio("APT", "PBT"),
            "effectiveness": .ratio(b("PRUxPQ.complete"), e("APT")),
            "qualityRatio": ratio("GQ", "PQ"),
            "setupRate": ratio("AUST", "AUPT"),
            "technicalEfficiency": .ratio(e("APT"), .sum([e("APT"), e("ADET")])),
            "productionProcessRatio": ratio("APT", "AOET"),
            "actualToPlannedScrapRatio": ratio("SQ", "PSQ"),
            "firstPassYield": ratio("GQ", "PQ"),
            "scrapRatio": ratio("SQ", "PQ"),
            "reworkRatio": ratio("RQ", "PQ"),
            "fallOffRatio": .ratio(.sum([e("SQ"), e("RQ")]), e("PQ")),
            "machineCapabilityIndex": .capability(.init(.machine, .potential, sigma: .overallSample)),
            "criticalMachineCapabilityIndex": .capability(.init(.machine, .critical, sigma: .overallSample)),
            "processCapabilityIndex": .capability(.init(.process, .potential, sigma: .overallSample)),
            "criticalProcessCapabilityIndex": .capability(.init(.process, .critical, sigma: .overallSample)),
            "comprehensiveEnergyConsumption": ratio("EC", "PQ"),
            "inventoryTurns": ratio("CM", "AI"),
            "finishedGoodsRatio": ratio("GQ", "CM"),
            "integratedGoodsRatio": ratio("FGQ", "CM"),
            "productionLossRatio": ratio("PL", "CM"),
            "storageAndTransportationLossRatio": ratio("STL", "CM"),
            "otherLossRatio": ratio("OL", "CM"),
            "equipmentLoadRatio": ratio("AUBT", "POT"),
            "meanTimeBetweenFailures": ratio("TBF", "FE"),
            "meanTimeToFailure": ratio("TTF", "FE"),
            "meanTimeToRepair": ratio("TTR", "FE"),
            "correctiveMaintenanceRatio": .ratio(e("CMT"), .sum([e("CMT"), e("PMT")])),
        ]
        let kpis = v1Texts.map { d -> KPIDefinition in
            var d = d
            d.expression = expressions[d.id]!
            return d
        }
        let elements: [KPIElementReading] =
            sharedHead + [
                .init("ADET", b("delay"), "delay state time inside PBT (minor stops, waiting)"),
                .init("ADOT", b("down"), "down state time inside PBT (failures, breakdowns); idle time is in neither"),
                .init("AUBT", .sum([e("APT"), e("AUST"), e("ADET")]), "APT + AUST + ADET"),
                .init("AUPT", .sum([e("APT"), e("AUST")]), "APT + AUST"),
            ] + quantities + [
                .init("PWT", b("PWT"), "clocked-in time (clockIn → clockOut) of every worker on the unit"),
                .init("APWT", b("APWT"), "time workers spent on orders (start → stop)"),
                .init("FE", b("FE"), "entries into a failure reason (failure: true) that start in the window"),
                .init("TBF", .sum([e("TTF"), e("TTR")]), "TTF + TTR of each failure"),
                .init("TTF", b("TTF.production"), "APT between the end of the previous failure (or the window start) and each failure"),
                .init("TTR", b("TTR"), "whole duration of each counted failure"),
            ] + materials + [
                .init("FGQ", b("produced"), "Σ produced material"),
                .init("AI", b("AI"), "per material, the mean of its inventory snapshots in the window, summed over materials"),
                .init("EC", b("EC"), "Σ kWh of the energy readings closing part of the window"),
            ]
        return KPIDefinitionVersion(
            id: "spar-kpi-1", title: "Spar's first reading of ISO 22400-2 (kpis.md)", formulaVersion: formulaVersion,
            notes: [
                "ADET is delay state time and ADOT down state time; idle time counts in neither.",
                "NEE takes setup out of the base: APT / (PBT − AUST).",
                "TBF = TTF + TTR with TTF the production time since the previous failure, so MTBF = MTTF + MTTR.",
                "First pass yield equals the quality ratio (a count's good is good at first pass).",
                "Cp and Cpk use the overall sample σ (n − 1), which is what AIAG calls Pp and Ppk.",
            ],
            elements: elements, kpis: kpis)
    }()

    /// `spar-kpi-2` (kpis-v2.md): ISO 22400-2 as publicly transcribed (research/iso22400-crosscheck.md).
    public static let sparKPI2: KPIDefinitionVersion = {
        var kpis = sparKPI1.kpis
        func change(_ id: String, formula: String, elements: [String], interpretation: String, evidence: String, _ x: KPIFormula) {
            let i = kpis.firstIndex { $0.id == id }!
            kpis[i].formula = formula
            kpis[i].elements = elements
            kpis[i].interpretation = interpretation
            kpis[i].evidence = evidence
            kpis[i].expression = x
        }
        change(
            "workerEfficiency", formula: "APWT / APAT", elements: ["APWT", "APAT"],
            interpretation: "APAT is clocked-in time minus authorised breaks: the unit's calendar plannedDown windows whose reason is break, and the worker's breakStart…breakEnd (an open break runs to clock-out or the window end).",
            evidence: "Worker efficiency = APWT / APAT; APAT excludes company-authorised breaks (HSU ISO 22400-2 ontology, NIST KPI.cpp; crosscheck scenario J).",
            ratio("APWT", "APAT"))
        change(
            "nee", formula: "AUPT / PBT × effectiveness × qualityRatio", elements: ["AUPT", "PBT", "PRUxPQ", "GQ", "PQ"],
            interpretation: "Setup is no loss: NEE counts the actual unit processing time (APT + AUST) against PBT. With no setup NEE equals OEE; with setup it is higher.",
            evidence: "NEE index = AUPT / PBT × Effectiveness × Quality rate; setup counted as no loss (HSU ontology, NIST KPI.cpp; crosscheck scenario A).",
            .product([ratio("AUPT", "PBT"), .kpi("effectiveness"), .kpi("qualityRatio")]))
        change(
            "technicalEfficiency", formula: "APT / (APT + ADET)", elements: ["APT", "ADET"],
            interpretation: "ADET is time in a delay, down or idle state while an order runs: malfunctions and minor stops during an order lower technical efficiency.",
            evidence: "ADET: malfunction-caused interrupts and minor stoppages while tasks are being completed; OPC 40001-1 maps out-of-service with an order registered to ADET (crosscheck scenario B).",
            .ratio(e("APT"), .sum([e("APT"), e("ADET")])))
        change(
            "firstPassYield", formula: "GP / IP", elements: ["GP", "IP"],
            interpretation: "IP counts the distinct serials inspected in the window at the scope's units; GP those of them with no fail among any of their inspections at the scope's units up to the window end (a fail before the window means the serial was not good at first pass; a fail after the window does not count). Null without inspections.",
            evidence: "FPY = GP / IP over serialized parts (HSU ontology, NIST KPI.cpp; crosscheck scenario F).",
            ratio("GP", "IP"))
        change(
            "fallOffRatio", formula: "SQO / PQ1", elements: ["SQO", "PQ1"],
            interpretation: "PQ1 is the produced quantity counted at each order's first operation (its lowest operation number; an order start without operation is operation 1), limited to the scope and window; SQO is the scrap counted for those same orders at every operation of the scope in the window. Orders with no first-operation count in the scope are left out of both (with a warning), so the ratio stays a share of the orders' first-operation quantity. Null when no counted order has a first-operation count.",
            evidence: "Fall off ratio = SQ / PQ of the first production order sequence (HSU ontology); SQ / PQ of the first manufacturing step (NIST KPI.cpp; crosscheck scenario E).",
            ratio("SQO", "PQ1"))
        change(
            "processCapabilityIndex", formula: "(USL − LSL) / (6σ̂)", elements: ["measurements"],
            interpretation: "σ̂ is within-subgroup: with subgroups of equal size n (2 ≤ n ≤ 25), s̄ / c4(n); with unequal sizes, pooled √(Σ(nᵢ − 1)sᵢ² / Σ(nᵢ − 1)); without subgroups, MR̄ / 1.128 over consecutive values of each unit in time order. When any value of a characteristic in the scope carries a subgroup, only subgrouped values are used. Needs constant limits.",
            evidence: "Cp = (USL − LSL) / (6ŝ), ŝ from small samples of constant size with a confidence factor (HSU ontology, NIST KPI.cpp; crosscheck scenario G1).",
            .capability(.init(.process, .potential, sigma: .withinSubgroup)))
        change(
            "criticalProcessCapabilityIndex", formula: "min(USL − x̿, x̿ − LSL) / (3σ̂)", elements: ["measurements"],
            interpretation: "σ̂ as for Cp; the centre x̿ is the mean of subgroup means (with subgroups) or the mean of all values (without).",
            evidence: "Cpko = (USL − x̿)/(3ŝ); Cpku = (x̿ − LSL)/(3ŝ) (HSU ontology, NIST KPI.cpp; crosscheck scenario G1).",
            .capability(.init(.process, .critical, sigma: .withinSubgroup)))
        change(
            "inventoryTurns", formula: "TH / AI", elements: ["TH", "AI"],
            interpretation: "TH is the produced material (every grade) in the window: output, not consumed input. AI is, per material, the mean of its inventory snapshots in the window, summed over materials.",
            evidence: "Inventory turns = throughput / average inventory (HSU ontology, NIST KPI.cpp; crosscheck scenario H).",
            ratio("TH", "AI"))
        change(
            "integratedGoodsRatio", formula: "IGQ / CM", elements: ["IGQ", "CM"],
            interpretation: "IGQ is the produced material of every grade and co-product taken together (a material event may carry grade), so integrated goods ratio + the three loss ratios = 1 when every flow is recorded.",
            evidence: "IGQ: the summed product quantity of a multi-product process, all grades converted to one unit of measure (NIST KPI.cpp; HSU grade A/B example; crosscheck scenario I).",
            ratio("IGQ", "CM"))
        change(
            "equipmentLoadRatio", formula: "PQ / EPC", elements: ["PQ", "EPC"],
            interpretation: "EPC is each work unit's ratedRate (units per hour at maximum rated capacity, set in the plant model) × its POT in hours, summed over the scope's units; null when any unit with POT in the window has no ratedRate.",
            evidence: "Equipment load ratio = PQ / EPC, the maximum equipment production capacity (HSU ontology, NIST KPI.cpp; crosscheck scenario D).",
            ratio("PQ", "EPC"))
        change(
            "meanTimeBetweenFailures", formula: "Σ TBF / FE", elements: ["TBF", "FE"],
            interpretation: "TBF_i is the operating time (APT + AUST; no delay, down or idle time, no repair) from the end of the previous failure (or the window start) to the start of failure i, counted inside the window; the operating time after the last failure counts in none. So MTBF = MTTF. Divided by FE, not FE + 1 (the ISO divisor is not in the public record; FE keeps MTBF = MTTF for repairable items).",
            evidence: "TBF: operating time between two consecutive failures, including setup and production time, no delay times (HSU ontology; NIST KPI.cpp; crosscheck scenario C).",
            ratio("TBF", "FE"))
        change(
            "meanTimeToFailure", formula: "Σ TTF / FE", elements: ["TTF", "FE"],
            interpretation: "TTF_i = TBF_i: the operating time (APT + AUST) from the end of the previous failure (or the window start) to failure i, inside the window.",
            evidence: "TTF: operating time from the instant of restoration until the next failure (IEC 60050-191 via the HSU ontology); equivalent to MTBF for repairable items (crosscheck scenario C).",
            ratio("TTF", "FE"))
        for id in ["allocationRatio", "allocationEfficiency", "utilizationEfficiency"] {
            let i = kpis.firstIndex { $0.id == id }!
            kpis[i].interpretation = "AUBT = APT + AUST + ADET, with ADET the delay, down and idle time while an order runs."
            kpis[i].evidence = "AUBT shall be the AUPT plus the ADET (NIST KPI.cpp); ADET read as in technicalEfficiency (crosscheck scenario B)."
        }
        let i = kpis.firstIndex { $0.id == "machineCapabilityIndex" }!
        kpis[i].interpretation =
            "Per characteristic over one work unit's measurements in the window; σ is the overall sample standard deviation (n − 1; whether ISO means n is still open). Null above a work unit."

        let elements: [KPIElementReading] =
            sharedHead + [
                .init(
                    "ADET", .sum([b("delay.order"), b("down.order"), b("idle.order")]),
                    "time in PBT in a delay, down or idle state while an order runs on the unit"),
                .init(
                    "ADOT", .difference(.sum([b("delay"), b("down"), b("idle")]), e("ADET")),
                    "time in PBT in a delay, down or idle state while no order runs (available, but not running an order)"),
                .init("AUBT", .sum([e("APT"), e("AUST"), e("ADET")]), "APT + AUST + ADET"),
                .init("AUPT", .sum([e("APT"), e("AUST")]), "APT + AUST"),
            ] + quantities + [
                .init("PWT", b("PWT"), "clocked-in time (clockIn → clockOut) of every worker on the unit"),
                .init("APAT", b("APAT"), "clocked-in time minus the union of calendar break windows and the worker's breakStart…breakEnd"),
                .init("APWT", b("APWT"), "time workers spent on orders (start → stop)"),
                .init("FE", b("FE"), "entries into a failure reason (failure: true) that start in the window"),
                .init("TBF", e("TTF"), "operating time (APT + AUST) from the end of the previous failure (or the window start) to each failure"),
                .init("TTF", b("TTF.operating"), "the same operating time as TBF (no repair time)"),
                .init("TTR", b("TTR"), "whole duration of each counted failure"),
            ] + materials + [
                .init("IGQ", b("produced"), "Σ produced material of every grade"),
                .init("TH", b("produced"), "throughput: Σ produced material of every grade"),
                .init("AI", b("AI"), "per material, the mean of its inventory snapshots in the window, summed over materials"),
                .init("EC", b("EC"), "Σ kWh of the energy readings closing part of the window"),
                .init("EPC", b("EPC"), "Σ ratedRate × POT in hours over the scope's units; null if a unit with POT has no ratedRate"),
                .init("IP", b("IP"), "distinct serials inspected in the window at the scope's units"),
                .init("GP", b("GP"), "inspected serials with no fail at the scope's units up to the window end"),
                .init("PQ1", b("PQ1"), "produced quantity at each counted order's first operation, in the scope and window"),
                .init("SQO", b("SQO"), "scrap of the orders in PQ1, at every operation in the scope and window"),
            ]
        return KPIDefinitionVersion(
            id: "spar-kpi-2", title: "ISO 22400-2 as publicly transcribed (kpis-v2.md)", formulaVersion: formulaVersion,
            notes: [
                "Changed from spar-kpi-1: ADET/ADOT by whether an order runs, NEE = AUPT/PBT × E × QR, TTF = TBF = operating time, equipment load ratio = PQ/EPC, FPY = GP/IP, fall off ratio = SQ/PQ₁, Cp/Cpk with within-subgroup σ̂, worker efficiency = APWT/APAT, inventory turns = TH/AI, IGQ of every grade.",
                "Still open: AOET is per unit and order (the Machine Tools reading), not the whole order across units; Cm and Cmk keep the overall sample s (n − 1).",
                "Production or setup with no order running is still APT or AUST, with a warning.",
            ],
            elements: elements, kpis: kpis)
    }()
}
