import SparCore
import Testing

extension ExecutionTests {
    /// The genealogy the tests build, drawn by hand:
    ///
    ///     lot H1 (100) ──split 60──▶ lot H1-A ──consumed 5──▶ serial B-1 ──assembled──▶ serial A-1 ◀──consumed 4── lot F7
    ///          │                          └─────consumed 5──▶ serial B-2 ──assembled──▶ serial A-2 ◀──substituted── lot F9
    ///          └────split 40──▶ lot H1-B ──merged 40─┐                                      ▲
    ///     lot H2 ─────────────────────────merged 30──┴──▶ lot M1 (70) ──consumed 2──▶ serial B-3 ──assembled
    ///
    /// Forward from H1: H1-A, H1-B, B-1, B-2, M1, A-1, A-2, B-3 (serials, B-1, B-2, B-3).
    /// Forward from H2: M1, B-3, A-2. Backward from A-2: B-2, B-3, F9, H1-A, M1, H1, H1-B, H2.
    /// Backward from A-1: B-1, F7, H1-A, H1.
    @Suite("Genealogy: splits, merges, assemblies, substitutions and traces")
    struct Genealogy {
        static func build() throws -> ShopFloor {
            var f = ShopFloor()
            try f.release(simpleRouting("PN-B", weighed: true), effective: 0)
            try f.release(simpleRouting("PN-A"), effective: 0)
            try f.record(
                .lotSplit(
                    LotSplit(
                        source: "H1", sourceQuantity: 100,
                        into: [.init(lot: "H1-A", quantity: 60), .init(lot: "H1-B", quantity: 40)])),
                at: 1)
            try f.record(
                .lotsMerged(
                    LotsMerged(sources: [.init(lot: "H1-B", quantity: 40), .init(lot: "H2", quantity: 30)], into: "M1")),
                at: 2)
            for b in ["B-1", "B-2", "B-3"] { try f.traveler("T\(b)", part: "PN-B", .serial(b), at: 3) }
            for a in ["A-1", "A-2"] { try f.traveler("T\(a)", part: "PN-A", .serial(a), at: 3) }
            func consume(_ lot: String, _ q: Double, _ traveler: String) throws {
                try f.record(
                    .materialConsumed(MaterialConsumed(traveler: traveler, lot: lot, material: "bar", quantity: q)),
                    at: 4)
            }
            try consume("H1-A", 5, "TB-1")
            try consume("H1-A", 5, "TB-2")
            try consume("M1", 2, "TB-3")
            for (b, who) in [("B-1", "op-ann"), ("B-2", "op-ann"), ("B-3", "op-bob")] {
                try f.start("T\(b)", 10, 10, at: 5, by: who)
                try f.data("T\(b)", 10, 10, "weight", .number(15), at: 5)
                try f.complete("T\(b)", 10, 10, at: 6, by: who)
            }
            func assemble(_ c: String, into p: String) throws {
                try f.record(.serialAssembled(SerialAssembled(parent: p, component: c)), at: 10)
            }
            try assemble("B-1", into: "A-1")
            try assemble("B-2", into: "A-2")
            try assemble("B-3", into: "A-2")
            try consume("F7", 4, "TA-1")
            try f.record(
                .componentSubstituted(
                    ComponentSubstituted(
                        parent: "A-2", planned: "F7", substitute: .lot("F9"), reason: "F7 short",
                        approval: sign("eng-eve", .engineer, .approved, 12))),
                at: 12)
            try f.run("TA-1", 10, 10, at: 13, by: "op-cy")
            try f.run("TA-2", 10, 10, at: 15, by: "op-cy")
            return f
        }

        @Test("forward traces: which serials contain a lot, through splits, merges and assemblies")
        func forward() throws {
            let s = try Genealogy.build().state
            let h1 = s.traceForward(.lot("H1"))
            #expect(
                h1.reached == [
                    .lot("H1-A"), .lot("H1-B"), .serial("B-1"), .serial("B-2"), .lot("M1"), .serial("A-1"),
                    .serial("A-2"),
                    .serial("B-3"),
                ])
            #expect(h1.serials == ["A-1", "A-2", "B-1", "B-2", "B-3"])
            #expect(s.traceForward(.lot("H2")).reached == [.lot("M1"), .serial("B-3"), .serial("A-2")])
            #expect(s.traceForward(.lot("F7")).serials == ["A-1"])
            #expect(s.traceForward(.lot("F9")).serials == ["A-2"])
            #expect(s.traceForward(.serial("A-1")).reached.isEmpty)
            // H1 100 − 60 − 40 = 0; H1-A 60 − 5 − 5 = 50; M1 40 + 30 − 2 = 68.
            #expect(s.lotQuantities["H1"] == 0)
            #expect(s.lotQuantities["H1-A"] == 50)
            #expect(s.lotQuantities["M1"] == 68)
        }

        @Test("backward traces: everything behind a serial")
        func backward() throws {
            let s = try Genealogy.build().state
            let a2 = s.traceBackward(.serial("A-2"))
            #expect(
                a2.ancestors == [
                    .serial("B-2"), .serial("B-3"), .lot("F9"), .lot("H1-A"), .lot("M1"), .lot("H1"), .lot("H1-B"),
                    .lot("H2"),
                ])
            #expect(a2.lots == ["F9", "H1", "H1-A", "H1-B", "H2", "M1"])
            #expect(a2.serials == ["B-2", "B-3"])
            #expect(a2.travelers == ["TA-2", "TB-2", "TB-3"])
            #expect(a2.steps.map(\.traveler) == ["TA-2", "TB-2", "TB-3"])
            #expect(a2.steps.map { $0.completion?.signer } == ["op-cy", "op-ann", "op-bob"])
            #expect(a2.measurements.map(\.traveler) == ["TB-2", "TB-3"])
            #expect(a2.measurements.map(\.entry.value) == [.number(15), .number(15)])
            #expect(a2.people == ["eng-eve", "op-ann", "op-bob", "op-cy", "plan-pat"])
            #expect(a2.ncrs.isEmpty)
            let a1 = s.traceBackward(.serial("A-1"))
            #expect(a1.ancestors == [.serial("B-1"), .lot("F7"), .lot("H1-A"), .lot("H1")])
            #expect(a1.edges.map(\.link) == [.assembled, .consumed, .consumed, .split])
        }

        @Test("genealogy refusals: quantities, double assembly, loops, incomplete components, unapproved substitutions")
        func refusals() throws {
            var f = try Genealogy.build()
            let split = f.refusal(.lotSplit(LotSplit(source: "H1", into: [.init(lot: "H1-C", quantity: 10)])), at: 20)
            #expect(split?.rule == .quantity)
            #expect(split?.reason == "the split of lot H1 takes 10 but 0 are left")
            // A refused event writes nothing: the quantity the refused split stated is not kept.
            #expect(
                f.refusal(
                    .lotSplit(LotSplit(source: "S0", sourceQuantity: 10, into: [.init(lot: "S0-A", quantity: 20)])),
                    at: 20)?
                    .reason == "the split of lot S0 takes 20 but 10 are left")
            #expect(f.state.lotQuantities["S0"] == nil)
            #expect(f.state.traceForward(.lot("S0")).reached.isEmpty)
            #expect(
                f.refusal(.lotSplit(LotSplit(source: "M1", into: [.init(lot: "H1-A", quantity: 1)])), at: 20)?.reason
                    == "lot H1-A already exists: a split makes new lots")
            #expect(
                f.refusal(.lotsMerged(LotsMerged(sources: [.init(lot: "M1", quantity: 1)], into: "M2")), at: 20)?.reason
                    == "a merge into lot M2 needs two or more different lots")
            try f.traveler("TB-4", part: "PN-B", .serial("B-4"), at: 20)
            let over = f.refusal(
                .materialConsumed(MaterialConsumed(traveler: "TB-4", lot: "M1", material: "bar", quantity: 100)), at: 21
            )
            #expect(over?.reason == "lot M1 has 68 left; 100 cannot be taken")
            #expect(
                f.refusal(.serialAssembled(SerialAssembled(parent: "A-3", component: "B-4")), at: 21)?.reason
                    == "serial B-4 is not complete: its traveler TB-4 is at step 10.10")
            #expect(
                f.refusal(.serialAssembled(SerialAssembled(parent: "A-2", component: "B-1")), at: 21)?.reason
                    == "serial B-1 is already assembled into serial A-1")
            let loop = f.refusal(.serialAssembled(SerialAssembled(parent: "B-2", component: "A-2")), at: 21)
            #expect(loop?.rule == .genealogy)
            #expect(loop?.reason == "serial B-2 is already inside serial A-2: the assembly would be a loop")
            #expect(
                f.refusal(.serialAssembled(SerialAssembled(parent: "A-1", component: "A-1")), at: 21)?.reason
                    == "serial A-1 cannot contain itself")
            let unapproved = f.refusal(
                .componentSubstituted(
                    ComponentSubstituted(
                        parent: "A-1", planned: "F7", substitute: .lot("F8"), reason: "short",
                        approval: sign("op-bob", .operator, .approved, 21))),
                at: 21)
            #expect(unapproved?.rule == .signature)
            #expect(
                unapproved?.reason
                    == "a substitution needs an approval (meaning 'approved') by engineering or quality, not operator 'approved'"
            )
        }

        @Test("a held lot cannot be consumed or split; returned to the vendor, it cannot be used again")
        func heldLot() throws {
            var f = try Genealogy.build()
            try f.traveler("TB-4", part: "PN-B", .serial("B-4"), at: 20)
            try f.record(
                .ncrOpened(
                    NCROpened(
                        ncr: "N-Q", item: .lot("Q1"), partNumber: "BAR", quantity: 1, characteristic: "hardness",
                        foundValue: "28 HRC", requirement: "32–36 HRC", cause: "supplier")),
                at: 21, by: "qa-ines")
            let consume = ExecutionFact.materialConsumed(
                MaterialConsumed(traveler: "TB-4", lot: "Q1", material: "bar", quantity: 1))
            let held = f.refusal(consume, at: 22)
            #expect(held?.rule == .onHold)
            #expect(held?.reason == "lot Q1 is on hold by N-Q (hardness) until its disposition")
            #expect(
                f.refusal(.lotSplit(LotSplit(source: "Q1", into: [.init(lot: "Q1-A", quantity: 1)])), at: 22)?.rule
                    == .onHold)
            try f.record(
                .ncrDispositioned(NCRDispositioned(ncr: "N-Q", disposition: .returnToVendor, signatures: mrb(23))),
                at: 23)
            #expect(f.refusal(consume, at: 24)?.reason == "lot Q1 was dispositioned returnToVendor by N-Q")
        }

        @Test("a serial with 1,000 ancestors traces back to all of them and forward to its root")
        func thousandAncestors() throws {
            // A binary tree: serial N(i) is assembled into N((i − 1) / 2) for i = 1…1000, so N0 has 1,000 ancestors and
            // N1000 sits 9 levels below N0 (1000 → 499 → 249 → 124 → 61 → 30 → 14 → 6 → 2 → 0).
            var s = ExecutionState()
            for i in 1...1000 {
                try s.apply(
                    ExecutionEvent(
                        id: EventID("a\(i)"), time: at(Int64(i)), actor: "op-ann",
                        fact: .serialAssembled(SerialAssembled(parent: "N\((i - 1) / 2)", component: "N\(i)"))))
            }
            let back = s.traceBackward(.serial("N0"))
            #expect(back.ancestors.count == 1000)
            #expect(Set(back.serials) == Set((1...1000).map { "N\($0)" }))
            #expect(back.edges.count == 1000)
            let up = s.traceForward(.serial("N1000"))
            #expect(up.reached.map(\.id) == ["N499", "N249", "N124", "N61", "N30", "N14", "N6", "N2", "N0"])
        }
    }

    @Suite("Corrections: nothing is deleted")
    struct Corrections {
        @Test("a mistaken value is corrected with a reason by a supervisor; the original stays, superseded")
        func valueCorrection() throws {
            var f = ShopFloor()
            try f.release(bracketRouting("A"), effective: 0)
            try f.traveler("T1", part: "PN-100", .serial("SN-1"), at: 1)
            try f.start("T1", 10, 10, at: 2, tools: ["mic-25"])
            let wrong = f.nextID
            try f.data("T1", 10, 10, "od", .number(25.08), at: 3)
            func correction(
                _ r: EntryCorrected.Replacement, _ reason: String, _ s: ExecutionSignature, of id: EventID? = nil
            )
                -> ExecutionFact
            {
                .entryCorrected(EntryCorrected(corrects: id ?? wrong, replacement: r, reason: reason, signature: s))
            }
            let noReason = f.refusal(
                correction(.value(.number(25.03)), " ", sign("sup-sam", .supervisor, .verified, 4)), at: 4)
            #expect(noReason?.rule == .correction)
            #expect(noReason?.reason == "a correction needs a reason")
            #expect(
                f.refusal(correction(.value(.number(25.03)), "typo", sign("op-ann", .operator, .verified, 4)), at: 4)?
                    .reason
                    == "a correction needs a signature by quality or supervisor meaning 'verified' or 'approved', not operator 'verified'"
            )
            #expect(
                f.refusal(
                    correction(.value(.text("25.03")), "typo", sign("sup-sam", .supervisor, .verified, 4)), at: 4)?
                    .reason
                    == "'outer diameter' takes a number value, not text")
            let fix = f.nextID
            try f.record(
                correction(.value(.number(25.03)), "transposed digits", sign("sup-sam", .supervisor, .verified, 4)),
                at: 4,
                by: "sup-sam")
            let e = try #require(f.state.travelers["T1"]?.steps[StepRef(10, 10)])
            #expect(e.data.count == 2)
            #expect(e.data[0].value == .number(25.08))
            #expect(e.data[0].supersededBy == fix)
            #expect(e.data[1].corrects == wrong)
            #expect(e.data[1].correctionReason == "transposed digits")
            #expect(e.currentValue("od")?.value == .number(25.03))
            #expect(
                f.refusal(
                    correction(.value(.number(25.04)), "again", sign("sup-sam", .supervisor, .verified, 5)), at: 5)?
                    .reason
                    == "entry \(wrong) was already corrected by \(fix)")
            let ncr = "NCR-\(f.nextID)"
            let out = try f.record(
                correction(.value(.number(25.5)), "re-measured", sign("qa-ines", .quality, .verified, 6), of: fix),
                at: 6)
            #expect(
                out == [
                    .ncrOpened(
                        ncr: ncr, reason: "value 25.50 mm of 'outer diameter' is outside 25.00–25.10 mm: NCR opened")
                ])
            #expect(f.state.holds(on: .serial("SN-1")).map(\.id) == [ncr])
            #expect(
                f.refusal(correction(.void, "no", sign("qa-ines", .quality, .verified, 7), of: EventID("e2")), at: 7)?
                    .reason
                    == "entry e2 cannot be corrected: only a recorded value or a material consumption can (others are recorded anew)"
            )
        }

        @Test("a wrongly scanned lot is corrected: the genealogy follows the correction, the old edge stays voided")
        func consumptionCorrection() throws {
            var f = ShopFloor()
            try f.release(simpleRouting("PN-B"), effective: 0)
            try f.traveler("T1", part: "PN-B", .serial("B-1"), at: 1)
            let scan = f.nextID
            try f.record(
                .materialConsumed(MaterialConsumed(traveler: "T1", lot: "L-WRONG", material: "bar", quantity: 2)), at: 2
            )
            let s = sign("sup-sam", .supervisor, .verified, 3)
            #expect(
                f.refusal(
                    .entryCorrected(
                        EntryCorrected(corrects: scan, replacement: .value(.number(1)), reason: "x", signature: s)),
                    at: 3)?
                    .reason == "entry \(scan) is a material consumption: correct its lot or void it")
            try f.record(
                .entryCorrected(
                    EntryCorrected(
                        corrects: scan, replacement: .consumption(lot: "L-RIGHT", quantity: 2),
                        reason: "wrong label scanned", signature: s)),
                at: 3, by: "sup-sam")
            #expect(f.state.traceForward(.lot("L-WRONG")).serials.isEmpty)
            #expect(f.state.traceForward(.lot("L-RIGHT")).serials == ["B-1"])
            #expect(f.state.traceBackward(.serial("B-1")).lots == ["L-RIGHT"])
            #expect(f.state.edges.count == 2)
            #expect(f.state.voidedEdges == [0])
            #expect(f.state.traceBackward(.serial("B-1")).people.contains("sup-sam"))
        }
    }
}
