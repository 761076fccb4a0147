import Foundation
import GRDB
import SparCore
import SparEngine
import SparSQLite
import SparStorage

extension OQCatalogue {
    /// OQ-02: the ledger's durability settings and idempotent appends.
    public static func durability() -> OQCheck {
        OQCheck(
            id: "OQ-02", title: "Ledger durability and idempotent ingest",
            requirements: ["D1", "D2", "R4"],
            procedure: [
                "Create a scratch SQLite ledger and read journal_mode and synchronous on its connection; close it, open "
                    + "it again and read them again.",
                "Ingest one event; read it back through a separate, newly opened SQLite connection.",
                "Ingest the same event (same id, same body) again, then the same id with a different body.",
                "Compare the stored event time (device time) with the recorded time (server clock).",
            ],
            expected: "journal_mode = wal and synchronous = 2 (FULL) on every open; the acknowledged event is visible to "
                + "another connection; the repeat is a duplicate at the original position with nothing stored; the "
                + "changed body is rejected on field 'id'; device time and receipt time are both kept."
        ) { context in
            var ev = OQEvidence()
            let path = context.path("durability.sqlite")
            let model = try OQFixtures.twoSitePlant()
            let clock = ManualClock(OQFixtures.epoch)
            for open in 1...2 {
                let store = try SQLiteLedgerStore(path: path)
                let mode = try store.journalMode()
                let level = try store.synchronousLevel()
                ev.expect(mode == "wal", "open \(open): PRAGMA journal_mode = \(mode)")
                ev.expect(level == 2, "open \(open): PRAGMA synchronous = \(level) (2 = FULL)")
            }
            let store = try SQLiteLedgerStore(path: path)
            _ = try await LedgerPlantModel.record(
                model, in: store, allowNewVersion: false, recordedAt: clock.now, recordedBy: "local:oq \(context.station)")
            let ingest = IngestEvents(model: model, store: store, recordedBy: "local:oq \(context.station)", now: clock.closure)
            let deviceTime = OQFixtures.epoch.adding(seconds: -3 * 86_400)
            let line = OQFixtures.count(id: "d-1", site: "site-a", ts: deviceTime, good: 42)
            let first = try await ingest.ingest([line])
            ev.expect(first.accepted == 1, "first append of d-1: \(first.accepted) accepted")
            let seq = try await store.entry(id: "d-1")?.seq ?? -1
            let otherConnection = try DatabaseQueue(path: path)
            let seen = try await otherConnection.read { db in
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM ledger WHERE id = 'd-1'") ?? 0
            }
            try otherConnection.close()
            ev.expect(seen == 1, "after the append returned, a separate connection reads d-1 (\(seen) row) at seq \(seq)")

            let before = try await store.entryCount()
            clock.advance(seconds: 60)
            let again = try await ingest.ingest([line])
            let afterDuplicate = try await store.entryCount()
            let storedBody = try await store.bodies(ids: ["d-1"])["d-1"] ?? ""
            let direct = try await store.append(
                [PendingEntry(
                    id: "d-1", kind: .event, ts: deviceTime, unit: OQFixtures.unit("site-a"), type: "count", source: "mes",
                    body: storedBody)],
                recordedAt: clock.now, recordedBy: "local:oq")
            ev.expect(
                again.duplicates == 1 && again.accepted == 0 && afterDuplicate == before && direct == [.duplicate(seq: seq)],
                "same id + same body: \(again.duplicates) duplicate, \(again.accepted) accepted, entries \(before) → "
                    + "\(afterDuplicate), acknowledged as \(direct.first.map { "\($0)" } ?? "none")")

            let changed = OQFixtures.count(id: "d-1", site: "site-a", ts: deviceTime, good: 43)
            let conflict = try await ingest.ingest([changed])
            let afterConflict = try await store.entryCount()
            let rejection = conflict.rejections.first
            ev.expect(
                conflict.accepted == 0 && rejection?.field == "id" && afterConflict == before,
                "same id + different body: rejected on field '\(rejection?.field ?? "none")' (\(rejection?.reason ?? "no rejection")); "
                    + "entries \(before) → \(afterConflict)")
            let stored = try await store.bodies(ids: ["d-1"])["d-1"] ?? ""
            ev.expect(stored == storedBody && stored.contains("42"), "the stored body is still the first payload: \(stored)")

            if let e = try await store.entry(id: "d-1") {
                ev.expect(
                    e.entry.ts == deviceTime && e.recordedAt == OQFixtures.epoch,
                    "device time kept as data: ts \(e.entry.ts.rfc3339); receipt time from the server clock: recorded_at "
                        + "\(e.recordedAt.rfc3339)")
            } else {
                ev.expect(false, "d-1 is stored")
            }
            ev.observed = "journal_mode wal, synchronous FULL on 2 opens; duplicate acknowledged at seq \(seq) with "
                + "nothing stored; conflicting body rejected on 'id'"
            return ev
        }
    }
}
