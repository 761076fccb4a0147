import Foundation
import SparCore
import SparEngine
import SparInterchange
import SparStorage
import SparTestSupport
import Testing

@Suite("Blueprint versions in the ledger: record, as of a date, diff")
struct BlueprintVersioningTests {
    let plant = BlueprintFixtures.plant()

    /// v1 recorded by alice on 1 March, v2 by bob on 10 March.
    func ledger() async throws -> InMemoryLedgerStore {
        let store = InMemoryLedgerStore()
        _ = try await LedgerBlueprint.record(
            BlueprintFixtures.version1(), plant: plant, reason: "first map of site s", in: store,
            recordedAt: t("2026-03-01T08:00:00Z"), recordedBy: "alice")
        _ = try await LedgerBlueprint.record(
            BlueprintFixtures.version2(), plant: plant, reason: "quality data collection moved from xls to the QMS",
            in: store, recordedAt: t("2026-03-10T08:00:00Z"), recordedBy: "bob")
        return store
    }

    @Test("each version records who, when, why and the version it replaced")
    func history() async throws {
        let store = try await ledger()
        let versions = try await LedgerBlueprint.history(in: store)
        let v1 = BlueprintFile.fingerprint(BlueprintFixtures.version1())
        let v2 = BlueprintFile.fingerprint(BlueprintFixtures.version2())
        #expect(versions.map(\.version) == [v1, v2])
        #expect(versions.map(\.previousVersion) == [nil, v1])
        #expect(versions.map(\.recordedBy) == ["alice", "bob"])
        #expect(versions.map(\.reason) == ["first map of site s", "quality data collection moved from xls to the QMS"])
        #expect(versions.map(\.recordedAt) == [t("2026-03-01T08:00:00Z"), t("2026-03-10T08:00:00Z")])
        #expect(versions.map(\.blueprint) == [BlueprintFixtures.version1(), BlueprintFixtures.version2()])
        #expect(await store.count(kind: .blueprint) == 2)
    }

    @Test("recording the version in force again appends nothing; a version needs a reason and must be valid")
    func recordRules() async throws {
        let store = try await ledger()
        let (again, appended) = try await LedgerBlueprint.record(
            BlueprintFixtures.version2(), plant: plant, reason: "same again", in: store,
            recordedAt: t("2026-03-11T08:00:00Z"), recordedBy: "carol")
        #expect(!appended && again.recordedBy == "bob")
        do {
            _ = try await LedgerBlueprint.record(
                BlueprintFixtures.version1(), plant: plant, reason: "  ", in: store,
                recordedAt: t("2026-03-12T08:00:00Z"), recordedBy: "carol")
            Issue.record("a version without a reason should be refused")
        } catch {
            #expect("\(error)" == "blueprint, reason: a blueprint version needs a reason (why it changed)")
        }
        var invalid = BlueprintFixtures.version1()
        invalid.sites[0].coverage.append(BlueprintCoverage(system: "ghost", full: ["production/dataCollection"]))
        do {
            _ = try await LedgerBlueprint.record(
                invalid, plant: plant, reason: "typo", in: store, recordedAt: t("2026-03-12T08:00:00Z"),
                recordedBy: "carol")
            Issue.record("an invalid blueprint should be refused")
        } catch let e as InvalidBlueprint {
            #expect(
                e.problems.map(\.description) == [
                    "sites[s].coverage[ghost].system: unknown system 'ghost' (not in the plant model's systems)"
                ])
        }
        #expect(await store.count(kind: .blueprint) == 2)
        // Going back to an earlier content is a new version whose previous is the one it replaces.
        let (back, recorded) = try await LedgerBlueprint.record(
            BlueprintFixtures.version1(), plant: plant, reason: "QMS rollout postponed", in: store,
            recordedAt: t("2026-03-20T08:00:00Z"), recordedBy: "carol")
        #expect(recorded && back.version == BlueprintFile.fingerprint(BlueprintFixtures.version1()))
        #expect(back.previousVersion == BlueprintFile.fingerprint(BlueprintFixtures.version2()))
    }

    @Test("as of a date, the version in force then is used, and the analysis shows its findings")
    func asOfAnalysis() async throws {
        let store = try await ledger()
        #expect(try await LedgerBlueprint.asOf(t("2026-02-28T00:00:00Z"), in: store) == nil)
        let march5 = try #require(try await LedgerBlueprint.asOf(t("2026-03-05T00:00:00Z"), in: store))
        let march10 = try #require(try await LedgerBlueprint.asOf(t("2026-03-10T08:00:00Z"), in: store))
        #expect(march5.blueprint == BlueprintFixtures.version1())
        #expect(march10.blueprint == BlueprintFixtures.version2())  // recorded at that very instant: in force

        let use = AnalyzeBlueprint(plant: plant, store: store)
        let before = try await use.run(march5.blueprint, asOf: t("2026-03-05T00:00:00Z"))
        let after = try await use.run(march10.blueprint, asOf: t("2026-03-11T00:00:00Z"))
        let q = BlueprintActivity(.quality, .dataCollection)
        #expect(before.site("s")?.unvalidatedActivities == [q])
        #expect(before.site("s")?.kpi("reworkRatio")?.isUnreliable == true)
        #expect(after.site("s")?.unvalidatedActivities == [])
        #expect(after.site("s")?.activity(q)?.full == ["qms"])
        #expect(after.site("s")?.kpi("reworkRatio")?.isUnreliable == false)
        #expect(before.blueprintVersion == march5.version && after.blueprintVersion == march10.version)
        #expect(after.definitionVersion == "k2" && after.observedEvents == 0)
    }

    @Test("events recorded after the as-of time do not count; before it, their sources do")
    func asOfEvents() async throws {
        let store = try await ledger()
        // On 12 March the spreadsheet still sends rework counts, although v2 says the QMS does quality data collection.
        let ingest = IngestEvents(model: plant, store: store, recordedBy: "feed", now: { t("2026-03-12T09:00:00Z") })
        let report = try await ingest.ingest(lines: [
            (
                1,
                #"{"id":"k1","ts":"2026-03-12T08:00:00Z","source":"xls","unit":"e/s/a/w/u1","type":"count","good":0,"scrap":0,"rework":3}"#
            ),
            (
                2,
                #"{"id":"k2","ts":"2026-03-12T08:30:00Z","source":"mes","unit":"e/s/a/w/u1","type":"count","good":40,"scrap":1,"rework":0}"#
            ),
        ])
        #expect(report.accepted == 2)
        let v2 = BlueprintFixtures.version2()
        let use = AnalyzeBlueprint(plant: plant, store: store)
        let earlier = try await use.run(v2, asOf: t("2026-03-12T00:00:00Z"))
        #expect(earlier.observedEvents == 0)
        #expect(!earlier.gaps.contains { $0.kind == .undeclaredSource })

        let later = try await use.run(v2, asOf: t("2026-03-13T00:00:00Z"))
        #expect(later.observedEvents == 2)
        let rework = try #require(later.site("s")?.kpi("reworkRatio"))
        #expect(rework.isUnreliable && rework.elements.first { $0.element == "RQ" }?.observed == ["xls"])
        // The blueprint says PQ comes from mes and RQ from mes and qms; xls is named for neither.
        let undeclared = try #require(later.gaps.first { $0.kind == .undeclaredSource })
        #expect(undeclared.subject == "xls" && undeclared.elements == ["PQ", "RQ"])
    }

    @Test("the diff between two dates lists added, removed and changed coverage, mappings and versions")
    func diff() async throws {
        let store = try await ledger()
        let (from, to, diff) = try await LedgerBlueprint.diff(
            from: t("2026-03-05T00:00:00Z"), to: t("2026-03-11T00:00:00Z"), in: store)
        #expect(from?.recordedBy == "alice" && to?.recordedBy == "bob")
        #expect(
            diff.changes.map(\.description) == [
                "~ blueprint definitionVersion: k1 → k2",
                "+ coverage s quality/dataCollection qms: full",
                "- coverage s quality/dataCollection xls: full",
                "+ kpiMapping s \"Yield\": qualityRatio",
            ])
        let (none, first, everything) = try await LedgerBlueprint.diff(
            from: t("2026-01-01T00:00:00Z"), to: t("2026-03-05T00:00:00Z"), in: store)
        #expect(none == nil && first?.recordedBy == "alice")
        #expect(everything.changes.allSatisfy { $0.kind == .added })
        #expect(BlueprintDiff(from: BlueprintFixtures.version2(), to: BlueprintFixtures.version2()).isEmpty)
    }

    @Test("a corrected event counts as its replacement, a voided one not at all")
    func corrections() async throws {
        let store = InMemoryLedgerStore()
        let ingest = IngestEvents(model: plant, store: store, recordedBy: "feed", now: { t("2026-03-12T09:00:00Z") })
        let u = "e/s/a/w/u1"
        _ = try await ingest.ingest(lines: [
            (
                1,
                Substring(
                    #"{"id":"k1","ts":"2026-03-12T08:00:00Z","source":"xls","unit":"\#(u)","type":"count","good":0,"scrap":0,"rework":3}"#
                )
            ),
            (
                2,
                Substring(
                    #"{"id":"m1","ts":"2026-03-12T08:00:00Z","source":"hist","unit":"\#(u)","type":"energy","kwh":4}"#)
            ),
        ])
        // A tally advanced entry by entry (what a server keeps) sees the energy reading before it is voided.
        var tally = LedgerElementSources.Tally(model: plant)
        try await tally.advance(in: store)
        let early = try await tally.observed(in: store)
        #expect(early.events == 2)
        #expect(early.suppliers["s"]?["EC"] == ["hist"])
        let report = try await ingest.ingest(lines: [
            (
                1,
                Substring(
                    #"{"id":"c1","ts":"2026-03-12T08:10:00Z","source":"mes","unit":"\#(u)","type":"correction","corrects":"k1","replacement":{"ts":"2026-03-12T08:00:00Z","source":"mes","unit":"\#(u)","type":"count","good":3,"scrap":0,"rework":0}}"#
                )
            ),
            (
                2,
                Substring(
                    #"{"id":"c2","ts":"2026-03-12T08:10:00Z","source":"mes","unit":"\#(u)","type":"correction","corrects":"m1","void":true}"#
                )
            ),
        ])
        #expect(report.accepted == 2)
        let observed = try await LedgerElementSources.observed(in: store, model: plant)
        #expect(observed.events == 4)
        #expect(observed.suppliers == ["s": ["PQ": ["mes"], "GQ": ["mes"]]])
        let read = tally.after
        try await tally.advance(in: store)
        #expect(tally.after > read)
        #expect(try await tally.observed(in: store) == observed)
    }

    @Test("the tally's sources as of any server time equal a scan of the entries recorded by then, clock steps included",
        arguments: [1 as UInt64, 2, 3])
    func tallyAsOf(seed: UInt64) async throws {
        var random = SeededRandom(seed: seed)
        let store = InMemoryLedgerStore()
        let u = "e/s/a/w/u1"
        let sources = ["mes", "xls", "hist", "erp"]
        var ids: [String] = []
        var recordedTimes: [Timestamp] = []
        var clock = t("2026-03-12T00:00:00Z").milliseconds
        for batch in 0..<40 {
            // Mostly forward, sometimes back by up to two hours (a clock step).
            clock += Int64.random(in: -7_200_000...3_600_000, using: &random)
            let now = Timestamp(milliseconds: clock)
            recordedTimes.append(now)
            let ingest = IngestEvents(model: plant, store: store, recordedBy: "feed", now: { now })
            var lines: [(Int, Substring)] = []
            for i in 0..<Int.random(in: 1...6, using: &random) {
                let id = "b\(batch)-\(i)"
                let source = sources.randomElement(using: &random)!
                let ts = "2026-03-11T\(String(format: "%02d", batch % 24)):\(String(format: "%02d", i)):00Z"
                let line: String
                switch Int.random(in: 0..<4, using: &random) {
                case 0 where !ids.isEmpty:
                    let target = ids.randomElement(using: &random)!
                    line = Bool.random(using: &random)
                        ? #"{"id":"\#(id)","ts":"\#(ts)","source":"\#(source)","unit":"\#(u)","type":"correction","corrects":"\#(target)","void":true}"#
                        : #"{"id":"\#(id)","ts":"\#(ts)","source":"\#(source)","unit":"\#(u)","type":"correction","corrects":"\#(target)","replacement":{"ts":"\#(ts)","source":"\#(sources.randomElement(using: &random)!)","unit":"\#(u)","type":"count","good":1,"scrap":0,"rework":0}}"#
                case 1:
                    line = #"{"id":"\#(id)","ts":"\#(ts)","source":"\#(source)","unit":"\#(u)","type":"energy","kwh":2}"#
                case 2:
                    line = #"{"id":"\#(id)","ts":"\#(ts)","source":"\#(source)","unit":"\#(u)","type":"count","good":0,"scrap":1,"rework":2}"#
                default:
                    line = #"{"id":"\#(id)","ts":"\#(ts)","source":"\#(source)","unit":"\#(u)","type":"labor","worker":"w","action":"clockIn"}"#
                    ids.append(id)
                }
                if !line.contains("correction") { ids.append(id) }
                lines.append((i + 1, Substring(line)))
            }
            _ = try await ingest.ingest(lines: lines)
        }
        var tally = LedgerElementSources.Tally(model: plant, markEvery: 7)
        try await tally.advance(in: store)
        // Every recording time, a millisecond either side, and before and after everything.
        var times = recordedTimes.flatMap { [Timestamp(milliseconds: $0.milliseconds - 1), $0, Timestamp(milliseconds: $0.milliseconds + 1)] }
        times += [t("2026-01-01T00:00:00Z"), t("2027-01-01T00:00:00Z")]
        for asOf in times {
            let scanned = try await LedgerElementSources.observed(in: store, model: plant, asOf: asOf)
            let marked = try await tally.observed(asOf: asOf, in: store)
            #expect(marked == scanned, "as of \(asOf)")
        }
        #expect(try await tally.observed(asOf: t("2027-01-01T00:00:00Z"), in: store) == tally.observed(in: store))
    }
}
