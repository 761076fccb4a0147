import Foundation
import GRDB
import SparCore
import SparEngine
import SparInterchange
import SparLedgerIntegrity
import SparSQLite
import SparStorage
import Synchronization

/// A clock the checks move by hand, so session timeouts and effective times are exercised without waiting.
final class ManualClock: Sendable {
    private let milliseconds: Mutex<Int64>

    init(_ start: Timestamp) { milliseconds = Mutex(start.milliseconds) }

    var now: Timestamp { Timestamp(milliseconds: milliseconds.withLock { $0 }) }

    func advance(seconds: Int64) { milliseconds.withLock { $0 += seconds * 1000 } }

    /// The clock as the closure `Governance` and `IngestEvents` take.
    var closure: @Sendable () -> Timestamp { { [self] in now } }
}

/// A SplitMix64 generator, so every seeded tampering is reproducible from its number.
public struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64

    public init(_ seed: UInt64) { state = seed &* 0x9e37_79b9_7f4a_7c15 &+ 1 }

    public mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }

    public mutating func int(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.upperBound - range.lowerBound + 1))
    }

    public mutating func pick<T>(_ items: [T]) -> T { items[int(0...(items.count - 1))] }
}

/// Raw SQLite access to scratch ledger files: consistent copies, and changes made behind Spar's back.
public enum RawSQLite {
    /// The append-only triggers of the ledger and its checkpoints.
    static let triggerNames = [
        "ledger_no_update", "ledger_no_delete", "ledger_checkpoint_no_update", "ledger_checkpoint_no_delete",
    ]

    /// Writes a consistent copy of the database at `source` (including what is still in its WAL) to `target`.
    static func snapshot(_ source: String, to target: String) throws {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: target + suffix) }
        let queue = try DatabaseQueue(path: source)
        try queue.writeWithoutTransaction { db in try db.execute(sql: "VACUUM INTO ?", arguments: [target]) }
        try queue.close()
    }

    /// A plain file copy of a database that no connection holds open.
    static func copy(_ source: String, to target: String) throws {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: target + suffix) }
        try FileManager.default.copyItem(atPath: source, toPath: target)
    }

    /// Runs `change` with the append-only triggers dropped, then restores them word for word, as an attacker with
    /// write access to the file can; only the data checks can then notice.
    public static func withoutTriggers(_ path: String, _ change: (Database) throws -> Void) throws {
        let queue = try DatabaseQueue(path: path)
        try queue.writeWithoutTransaction { db in
            let saved = try triggerNames.map { name in
                (name, try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE name = ?", arguments: [name]) ?? "")
            }
            try db.inTransaction {
                for (name, _) in saved { try db.execute(sql: "DROP TRIGGER \(name)") }
                try change(db)
                for (_, sql) in saved { try db.execute(sql: sql) }
                return .commit
            }
        }
        try queue.close()
    }

    /// Runs `body` on a plain connection (triggers in place).
    static func write<T>(_ path: String, _ body: (Database) throws -> T) throws -> T {
        let queue = try DatabaseQueue(path: path)
        defer { try? queue.close() }
        return try queue.writeWithoutTransaction { db in try body(db) }
    }

    /// Recomputes the chain hashes of rows from `seq` on, as an attacker without the signing key can.
    public static func rechain(_ db: Database, from seq: Int64) throws {
        let rows = try Row.fetchAll(db, sql: "SELECT * FROM ledger WHERE seq >= ? ORDER BY seq", arguments: [seq])
        var previous =
            try Data.fetchOne(db, sql: "SELECT hash FROM ledger WHERE seq < ? ORDER BY seq DESC LIMIT 1", arguments: [seq])
            .flatMap { LedgerHash(bytes: $0) } ?? .genesis
        for row in rows {
            let s: Int64 = row["seq"]
            let hash = LedgerChain.entryHash(
                previous: previous, seq: s, id: row["id"], kind: row["kind"], ts: row["ts"], unit: row["unit"],
                type: row["type"], source: row["source"], body: row["body"], recordedAt: row["recorded_at"],
                recordedBy: row["recorded_by"])
            try db.execute(sql: "UPDATE ledger SET hash = ? WHERE seq = ?", arguments: [Data(hash.bytes), s])
            previous = hash
        }
    }

    /// The SQLite library version linked into this binary.
    static func sqliteVersion() -> String {
        guard let queue = try? DatabaseQueue() else { return "unknown" }
        let version = try? queue.read { db in try String.fetchOne(db, sql: "SELECT sqlite_version()") }
        return version.flatMap { $0 } ?? "unknown"
    }

    /// Every byte of the database file and its WAL, for scanning for secrets.
    static func fileBytes(_ path: String) -> Data {
        var out = Data()
        for suffix in ["", "-wal"] {
            if let d = FileManager.default.contents(atPath: path + suffix) { out.append(d) }
        }
        return out
    }
}

/// Plant models and events the checks use.
enum OQFixtures {
    /// Two sites, each with one press; two validated source systems.
    static let twoSitePlantYAML = """
        enterprise: oq
        sites:
          - id: site-a
            timeZone: UTC
            areas:
              - id: fab
                workCenters:
                  - id: line
                    kind: productionLine
                    workUnits:
                      - id: press
          - id: site-b
            timeZone: Europe/Berlin
            areas:
              - id: fab
                workCenters:
                  - id: line
                    kind: productionLine
                    workUnits:
                      - id: press
        reasons:
          - { code: run, category: production }
          - { code: jam, category: delay }
        systems:
          - { id: mes, kind: MES, validated: true }
          - { id: scada, kind: SCADA, validated: true }
        """

    static func twoSitePlant() throws -> PlantModel {
        try PlantModelFile.decode(Data(twoSitePlantYAML.utf8), name: "OQ two-site plant", json: false)
    }

    /// The two-site plant with one more press at `site`: a change whose impact is that site only.
    static func plant(addingPressAt site: String, id: String = "press-2") throws -> PlantModel {
        var model = try twoSitePlant()
        guard let s = model.sites.firstIndex(where: { $0.id == site }) else { return model }
        var unit = model.sites[s].areas[0].workCenters[0].workUnits[0]
        unit.id = id
        model.sites[s].areas[0].workCenters[0].workUnits.append(unit)
        return model
    }

    static func unit(_ site: String, _ press: String = "press") -> String { "oq/\(site)/fab/line/\(press)" }

    /// One count event as a JSON line.
    static func count(id: String, site: String, ts: Timestamp, source: String = "mes", good: Int = 10) -> String {
        #"{"id":"\#(id)","ts":"\#(ts.rfc3339)","source":"\#(source)","unit":"\#(unit(site))","type":"count","good":\#(good),"scrap":0,"rework":0}"#
    }

    /// A void of event `target` as a JSON line, with the reason when given.
    static func void(id: String, site: String, ts: Timestamp, target: String, source: String = "mes", reason: String? = nil)
        -> String
    {
        let why = reason.map { #","reason":"\#($0)""# } ?? ""
        return #"{"id":"\#(id)","ts":"\#(ts.rfc3339)","source":"\#(source)","unit":"\#(unit(site))","type":"correction","corrects":"\#(target)","void":true\#(why)}"#
    }

    /// A fixed instant for scratch ledgers: 2026-06-10T08:00:00Z.
    static let epoch = Timestamp(milliseconds: 1_781_078_400_000)
}

extension IngestEvents {
    /// Ingests JSON lines numbered from 1.
    func ingest(_ lines: [String]) async throws -> IngestReport {
        try await ingest(lines: lines.enumerated().map { ($0.offset + 1, Substring($0.element)) })
    }
}
