import Foundation
import SparCore
import SparEngine
import SparInterchange
import SparSQLite
import SparStorage
import SparTestSupport
import Testing

/// The repros of a hostile test campaign against ingest, each failing before its fix.
@Suite("Hostile ingest")
struct HostileIngestTests {
    typealias Backend = StoreBackend

    static func store(_ backend: Backend) async throws -> any LedgerStore { try await backend.make() }

    /// Enterprise `e` with sites `s` (unit e/s/a/w/u1) and `t` (unit e/t/a/w/u1).
    static let twoSites = PlantModel(
        enterprise: "e",
        sites: ["s", "t"].map { site in
            Site(
                id: site, timeZone: "UTC", calendar: nil,
                areas: [Area(id: "a", workCenters: [WorkCenter(id: "w", kind: .productionLine, workUnits: [WorkUnit(id: "u1")])])])
        },
        calendars: [], reasons: Fixtures.reasons, systems: Fixtures.systems)

    static func ingest(_ store: any LedgerStore, as principal: Principal? = nil) -> IngestEvents {
        IngestEvents(
            model: twoSites, store: store, recordedBy: "test", principal: principal, now: { t("2026-07-01T00:00:00Z") })
    }

    static func records(_ texts: [String]) -> [(Int, Data)] {
        texts.enumerated().map { ($0.offset + 1, Data($0.element.utf8)) }
    }

    static func count(_ id: String, unit: String = "e/s/a/w/u1", good: String = "1", source: String = "mes") -> String {
        #"{"id":"\#(id)","ts":"2026-06-10T01:00:00Z","source":"\#(source)","unit":"\#(unit)","type":"count","good":\#(good),"scrap":0,"rework":0}"#
    }

    static func void(_ id: String, of target: String, unit: String = "e/s/a/w/u1", source: String = "mes") -> String {
        #"{"id":"\#(id)","ts":"2026-06-10T02:00:00Z","source":"\#(source)","unit":"\#(unit)","type":"correction","corrects":"\#(target)","void":true,"reason":"wrong count"}"#
    }

    @Test("a correction of an event the store rejects in the same batch is rejected too", arguments: Backend.allCases)
    func correctionOfRejectedTarget(backend: Backend) async throws {
        let store = try await Self.store(backend)
        func state(_ id: String) -> String {
            #"{"id":"\#(id)","ts":"2026-06-10T01:00:00Z","source":"mes","unit":"e/s/a/w/u1","type":"state","reason":"run"}"#
        }
        _ = try await Self.ingest(store).ingest(records: Self.records([state("st1")]))
        // st2 passes every check but the store's: the unit already has a state event at that instant. Its void,
        // sent before it in the same batch, must go with it.
        let report = try await Self.ingest(store).ingest(records: Self.records([Self.void("fix2", of: "st2"), state("st2")]))
        #expect(report.accepted == 0)
        #expect(report.rejections.map(\.description) == [
            "line 1, id 'fix2', field 'corrects': no accepted event has id 'st2'",
            "line 2, id 'st2', field 'ts': the unit already has a state event at 2026-06-10T01:00:00Z (id 'st1')",
        ])
        #expect(try await store.entry(id: "fix2") == nil)
        // A target rejected before the store sees it, and one in a reserved id space.
        let second = try await Self.ingest(store).ingest(records: Self.records([
            Self.count("k9", good: "-1"),
            Self.void("fix9", of: "k9"),
            Self.count("CR-0007"),
            Self.void("fix7", of: "CR-0007"),
        ]))
        #expect(second.accepted == 0)
        #expect(second.rejections.map(\.description) == [
            "line 1, id 'k9', field 'good': must not be negative (got -1)",
            "line 2, id 'fix9', field 'corrects': no accepted event has id 'k9'",
            "line 3, id 'CR-0007', field 'id': 'CR-0007' lies in the id space reserved for changeRequest master-data "
                + "entries; choose an event id outside CR-<digits>, changeRequest:, identity:, signature:, "
                + "plant-model:, plantModel:, blueprint:, checkpointKey:, kpiDefinition:, import:, execution: and spar:",
            "line 4, id 'fix7', field 'corrects': no accepted event has id 'CR-0007'",
        ])
        #expect(try await store.entry(id: "fix9") == nil)
        #expect(try await store.entry(id: "fix7") == nil)
    }

    @Test("the store itself refuses a correction whose target it does not hold as an event", arguments: Backend.allCases)
    func storeChecksCorrectionTargets(backend: Backend) async throws {
        let store = try await Self.store(backend)
        let at = Timestamp(milliseconds: 1_000)
        func correction(_ id: String, _ target: String) -> PendingEntry {
            PendingEntry(
                id: id, kind: .event, ts: at, unit: "e/s/a/w/u1", type: "correction", source: "mes",
                body: #"{"id":"\#(id)","corrects":"\#(target)"}"#, corrects: target)
        }
        let outcomes = try await store.append(
            [
                correction("c-before", "k1"),
                PendingEntry(id: "k1", kind: .event, ts: at, unit: "e/s/a/w/u1", type: "count", source: "mes", body: "{}"),
                correction("c-after", "k1"),
                correction("c-of-c", "c-after"),
                PendingEntry(
                    id: "identity:x", kind: .identity, ts: at, unit: "x", type: "user.added", source: "spar", body: "{}"),
                correction("c-of-identity", "identity:x"),
            ], recordedAt: at, recordedBy: "test")
        #expect(outcomes == [
            .rejected(reason: "no accepted event has id 'k1'", field: "corrects"),
            .accepted(seq: 1),
            .accepted(seq: 2),
            .rejected(reason: "'c-after' is itself a correction; correct the original event instead", field: "corrects"),
            .accepted(seq: 3),
            .rejected(
                reason: "'identity:x' is a identity entry, not an event; only events can be corrected", field: "corrects"),
        ])
    }

    @Test("corrections cannot target change requests, identities or signatures, whatever the writer's sites")
    func correctionsTargetEventsOnly() async throws {
        let store = try await Self.store(.sqlite)
        let at = t("2026-06-01T00:00:00Z")
        _ = try await store.append(
            [
                PendingEntry(
                    id: "CR-0001", kind: .changeRequest, ts: at, unit: "e", type: "proposed", source: "spar", body: "{}"),
                PendingEntry(
                    id: "identity:u", kind: .identity, ts: at, unit: "olga", type: "user.added", source: "spar", body: "{}"),
                PendingEntry(
                    id: "signature:s", kind: .signature, ts: at, unit: "e/s/a/w/u1", type: "approved", source: "spar",
                    body: "{}"),
            ], recordedAt: at, recordedBy: "test")
        let sheet = Principal(kind: .system, name: "xls", roles: [.operator], sites: .sites(["s"]), station: "test")
        for target in ["CR-0001", "identity:u", "signature:s"] {
            let report = try await Self.ingest(store, as: sheet).ingest(records: Self.records([
                Self.void("v-\(target.prefix(3))", of: target, source: "xls")
            ]))
            #expect(report.accepted == 0)
            let kind = try #require(try await store.entry(id: target)).entry.kind.rawValue
            #expect(report.rejections.map(\.description) == [
                "line 1, id 'v-\(target.prefix(3))', field 'corrects': '\(target)' is a \(kind) entry, not an event; only events can be corrected"
            ])
        }
    }

    @Test("a writer of one site cannot correct an event of another site")
    func correctionSiteScope() async throws {
        let store = try await Self.store(.sqlite)
        _ = try await Self.ingest(store).ingest(records: Self.records([Self.count("kt", unit: "e/t/a/w/u1")]))
        let token = Principal(kind: .system, name: "mes", roles: [.operator], sites: .sites(["s"]), station: "test")
        let report = try await Self.ingest(store, as: token).ingest(records: Self.records([Self.void("v1", of: "kt")]))
        #expect(report.rejections.map(\.description) == [
            "line 1, id 'v1', field 'corrects': access denied: system:mes may not write site t (sites: s)"
        ])
    }

    @Test("an event cannot take a change request's id, so change control stays open", arguments: Backend.allCases)
    func reservedIDSpaces(backend: Backend) async throws {
        let store = try await Self.store(backend)
        let ids = ["CR-0003", "changeRequest:1", "identity:1", "signature:1", "plant-model:1", "plantModel:1",
                   "blueprint:1", "spar:1"]
        let report = try await Self.ingest(store).ingest(records: Self.records(ids.map { Self.count($0) }))
        #expect(report.accepted == 0)
        #expect(report.rejections.map(\.field) == Array(repeating: "id", count: ids.count))
        // Ids that merely look alike stay events.
        let fine = try await Self.ingest(store).ingest(records: Self.records(
            ["CR-12a", "CR-", "cr-0003", "MES:CR-0003", "crate-1"].map { Self.count($0) }))
        #expect(fine.accepted == 5)
        // Master data cannot take an event's id either.
        let outcome = try await store.append(
            [PendingEntry(id: "crate-1", kind: .changeRequest, ts: .init(milliseconds: 0), unit: "e", type: "proposed",
                source: "spar", body: "{}")],
            recordedAt: .init(milliseconds: 0), recordedBy: "test")
        #expect(outcome == [.rejected(reason: "a changeRequest entry cannot have the id 'crate-1'", field: "id")])
    }

    @Test("bytes that are not UTF-8 reject their line, naming the field, and are never stored")
    func invalidUTF8() async throws {
        let store = try await Self.store(.sqlite)
        var bad = Data(#"{"id":"k"#.utf8)
        bad.append(0xFF)
        bad.append(contentsOf: Data(#"","ts":"2026-06-10T01:00:00Z","source":"mes","unit":"e/s/a/w/u1","type":"count","good":1,"scrap":0,"rework":0}"#.utf8))
        var overlong = Data(Self.count("k2").utf8)
        // "mes" → "m" + overlong encoding of "e" (0xC1 0xA5) + "s": ill-formed.
        let range = try #require(overlong.range(of: Data(#""mes""#.utf8)))
        overlong.replaceSubrange(range, with: [0x22, 0x6D, 0xC1, 0xA5, 0x73, 0x22])
        let lone = Self.count("k3").replacingOccurrences(of: #""mes""#, with: #""m\ud800s""#)
        let report = try await Self.ingest(store).ingest(records: [(1, bad), (2, overlong), (3, Data(lone.utf8))])
        #expect(report.accepted == 0)
        #expect(report.rejections.map(\.description) == [
            "line 1, field 'id': invalid UTF-8 (byte 0xFF)",
            "line 2, id 'k2', field 'source': invalid UTF-8 (byte 0xC1)",
            "line 3, id 'k3', field 'source': lone surrogate \\uD800 (not a Unicode character)",
        ])
        #expect(try await store.count(kind: .event) == 0)
    }

    @Test("quantities must be finite and within their bound, so sums cannot overflow")
    func quantityBounds() async throws {
        let store = try await Self.store(.sqlite)
        let report = try await Self.ingest(store).ingest(records: Self.records([
            Self.count("big1", good: "1e308"),
            Self.count("ok1", good: "1000000000000"),
            Self.count("big2", good: "1000000000001"),
            #"{"id":"e1","ts":"2026-06-10T01:00:00Z","source":"mes","unit":"e/s/a/w/u1","type":"energy","kwh":1e400}"#,
        ]))
        #expect(report.accepted == 1)
        #expect(report.rejections.map(\.description) == [
            "line 1, id 'big1', field 'good': 1e+308 is beyond the largest accepted magnitude for this field, 1e12",
            "line 3, id 'big2', field 'good': 1000000000001.0 is beyond the largest accepted magnitude for this field, 1e12",
            "line 4, id 'e1', field 'kwh': the number 1e400 is out of range (not a finite binary64)",
        ])
        // Events built in process (the demo, connectors) meet the same bound.
        let inProcess = try await Self.ingest(store).ingest(events: [
            (line: 1, event: Event(
                id: EventID("big3"), ts: t("2026-06-10T01:00:00Z"), source: "mes", unit: EquipmentPath("e/s/a/w/u1"),
                payload: .count(Count(good: .greatestFiniteMagnitude, scrap: 0, rework: 0))))
        ])
        #expect(inProcess.rejections.map(\.field) == ["good"])
    }

    @Test("a time whose UTC form leaves the four-digit years is rejected, so every stored event reads back")
    func representableTimes() async throws {
        let store = try await Self.store(.sqlite)
        // Found by the event fuzzer: 0000-01-01T00:30+01:00 is 0000-12-31T23:30Z of year -1 in UTC.
        func energy(_ id: String, _ ts: String) -> String {
            #"{"id":"\#(id)","ts":"\#(ts)","source":"mes","unit":"e/s/a/w/u1","type":"energy","kwh":1}"#
        }
        let report = try await Self.ingest(store).ingest(records: Self.records([
            energy("y0", "0000-01-01T00:30:00+01:00"),
            energy("y1", "9999-12-31T23:30:00-01:00"),
            energy("y2", "0001-01-01T00:00:00Z"),
        ]))
        #expect(report.rejections.map(\.description) == [
            "line 1, id 'y0', field 'ts': '0000-01-01T00:30:00+01:00' is outside 0001-01-01 to 9999-12-31 in UTC",
            "line 2, id 'y1', field 'ts': '9999-12-31T23:30:00-01:00' is outside 0001-01-01 to 9999-12-31 in UTC",
        ])
        let stored = try #require(try await store.entry(id: "y2"))
        #expect(EventCoding.decode(line: Substring(stored.entry.body), lineNumber: nil).map(\.ts) == .success(t("0001-01-01T00:00:00Z")))
    }

    @Test("null, repeated members and integers beyond 2^53 are rejected with the field named")
    func strictDecoding() async throws {
        let store = try await Self.store(.sqlite)
        let report = try await Self.ingest(store).ingest(records: Self.records([
            "null",
            #"{"id":"e2","ts":"2026-06-10T01:00:00Z","source":"mes","unit":"e/s/a/w/u1","type":"energy","kwh":1,"kwh":-5}"#,
            Self.count("k4", good: "9007199254740993"),
            #"[1]"#,
        ]))
        #expect(report.accepted == 0)
        #expect(report.rejections.map(\.description) == [
            "line 1: an event must be a JSON object, not null",
            "line 2, id 'e2', field 'kwh': the member name 'kwh' appears twice in one object",
            "line 3, id 'k4', field 'good': the integer 9007199254740993 is beyond ±2^53 and cannot be kept exactly; send it as a string",
            "line 4: an event must be a JSON object, not an array",
        ])
    }
}
