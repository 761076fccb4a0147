import Foundation
import SparCore
import SparInterchange
import SparStorage

/// The blueprint versions a ledger holds, each recorded as a `.blueprint` entry whose body carries the
/// blueprint's canonical JSON, the reason for the change and the previous version, so that old → new can always
/// be shown, the analysis run as of any past time and two versions diffed. A change to the sites' KPI mappings or
/// extensions is a blueprint change like any other.
public enum LedgerBlueprint {
    /// Why a blueprint version could not be recorded or read.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        /// The record at fault (entry, blueprint).
        public var record: String
        /// The field at fault.
        public var field: String
        /// What is wrong.
        public var reason: String
        /// `record, field: reason`.
        public var description: String { "\(record), \(field): \(reason)" }
    }

    /// Records `blueprint` as a new version unless it is the version already in force.
    ///
    /// The blueprint is validated against `plant` first (throws ``InvalidBlueprint`` listing every problem);
    /// `reason` must say why it changed. Returns the version in force afterwards and whether an entry was appended.
    public static func record(
        _ blueprint: Blueprint, plant: PlantModel, reason: String, in store: any LedgerStore, recordedAt: Timestamp,
        recordedBy: String
    ) async throws -> (version: BlueprintVersion, appended: Bool) {
        try blueprint.validate(plant: plant)
        let latest = try await asOf(recordedAt, in: store)
        if let latest, latest.version == BlueprintFile.fingerprint(blueprint) { return (latest, false) }
        if latest != nil, try await store.count(kind: .identity) > 0 {
            throw Failure(
                record: "blueprint", field: "changeRequest",
                reason: "the ledger is under change control: propose the new blueprint with "
                    + "spar change propose --blueprint FILE --reason TEXT")
        }
        let entry = try entry(
            blueprint, enterprise: plant.enterprise, reason: reason, previous: latest?.version, effectiveAt: recordedAt,
            changeRequest: nil, recordedAt: recordedAt)
        let outcome = try await store.append([entry], recordedAt: recordedAt, recordedBy: recordedBy)
        switch outcome.first {
        case .accepted(let seq)?, .duplicate(let seq)?:
            return (
                BlueprintVersion(
                    version: BlueprintFile.fingerprint(blueprint), previousVersion: latest?.version,
                    blueprint: blueprint, reason: reason.trimmingCharacters(in: .whitespacesAndNewlines),
                    recordedAt: recordedAt, recordedBy: recordedBy, seq: seq), true
            )
        case .rejected(let reason, let field)?:
            throw Failure(record: "ledger entry \(entry.id)", field: field, reason: reason)
        case nil:
            throw Failure(record: "ledger entry \(entry.id)", field: "id", reason: "the ledger returned no outcome")
        }
    }

    /// The ledger entry recording `blueprint` as a version in force from `effectiveAt`; `changeRequest` names the
    /// approved change request that brought it (its `source` is then `change:<id>`). The caller has validated it.
    public static func entry(
        _ blueprint: Blueprint, enterprise: String, reason: String, previous: String?, effectiveAt: Timestamp,
        changeRequest: String?, recordedAt: Timestamp
    ) throws -> PendingEntry {
        let why = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !why.isEmpty else {
            throw Failure(
                record: "blueprint", field: "reason", reason: "a blueprint version needs a reason (why it changed)")
        }
        let version = BlueprintFile.fingerprint(blueprint)
        var body: [String: JSONValue] = [
            "version": .string(version),
            "reason": .string(why),
            "blueprint": try JSONValue.parse(Data(BlueprintFile.canonicalJSON(blueprint).utf8)),
        ]
        if let previous { body["previousVersion"] = .string(previous) }
        return PendingEntry(
            id: "blueprint:\(version)@\(recordedAt.milliseconds)", kind: .blueprint, ts: effectiveAt,
            unit: blueprint.enterprise ?? enterprise, type: "blueprint",
            source: changeRequest.map { "change:\($0)" } ?? "spar", body: JSONValue.object(body).canonical)
    }

    /// Every recorded version, in the order they take effect.
    public static func history(in store: any LedgerStore) async throws -> [BlueprintVersion] {
        try await ordered(store).map(decode)
    }

    /// The version in force now, if any.
    public static func latest(in store: any LedgerStore) async throws -> BlueprintVersion? {
        try await asOf(.now, in: store)
    }

    /// The version in force at server time `time`: the one with the latest effective time at or before it (a
    /// version approved for a later time does not apply yet); nil before the first.
    public static func asOf(_ time: Timestamp, in store: any LedgerStore) async throws -> BlueprintVersion? {
        try await ordered(store).last { $0.entry.ts <= time }.map(decode)
    }

    static func ordered(_ store: any LedgerStore) async throws -> [LedgerEntry] {
        try await store.entries(kind: .blueprint).sorted { ($0.entry.ts, $0.seq) < ($1.entry.ts, $1.seq) }
    }

    /// The versions in force at `from` and at `to`, and the changes between them (a missing `from` version counts
    /// as an empty blueprint, so everything shows as added).
    public static func diff(
        from: Timestamp, to: Timestamp, in store: any LedgerStore
    ) async throws -> (from: BlueprintVersion?, to: BlueprintVersion?, diff: BlueprintDiff) {
        let entries = try await ordered(store)
        let a = try entries.last { $0.entry.ts <= from }.map(decode)
        let b = try entries.last { $0.entry.ts <= to }.map(decode)
        let empty = Blueprint(sites: [])
        return (a, b, BlueprintDiff(from: a?.blueprint ?? empty, to: b?.blueprint ?? empty))
    }

    static func decode(_ entry: LedgerEntry) throws -> BlueprintVersion {
        let record = "ledger entry \(entry.seq) (\(entry.entry.id))"
        let body = try JSONValue.parse(Data(entry.entry.body.utf8))
        guard case .string(let version)? = body["version"] else {
            throw Failure(record: record, field: "version", reason: "missing")
        }
        guard case .string(let reason)? = body["reason"] else {
            throw Failure(record: record, field: "reason", reason: "missing")
        }
        guard let blueprintJSON = body["blueprint"] else {
            throw Failure(record: record, field: "blueprint", reason: "missing")
        }
        var previous: String?
        if case .string(let p)? = body["previousVersion"] { previous = p }
        let blueprint = try BlueprintFile.decodeUnvalidated(
            Data(blueprintJSON.canonical.utf8), name: record + ".blueprint", json: true)
        return BlueprintVersion(
            version: version, previousVersion: previous, blueprint: blueprint, reason: reason,
            recordedAt: entry.recordedAt, recordedBy: entry.recordedBy, seq: entry.seq, effectiveAt: entry.entry.ts,
            changeRequest: entry.entry.source.hasPrefix("change:") ? String(entry.entry.source.dropFirst(7)) : nil)
    }
}
