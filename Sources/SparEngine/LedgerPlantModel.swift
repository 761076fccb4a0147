import Foundation
import SparCore
import SparInterchange
import SparStorage

/// The plant model a ledger holds, recorded as a ledger entry of its own.
public enum LedgerPlantModel {
    public struct Mismatch: Error, Sendable, CustomStringConvertible {
        public var stored: String
        public var given: String
        public var description: String {
            "the ledger holds plant model \(stored), the given file is \(given); pass --update-plant to record the new version"
        }
    }

    /// A new plant model version on a ledger under change control must come through a change request.
    public struct ChangeControlRequired: Error, Sendable, CustomStringConvertible {
        public var stored: String
        public var given: String
        public var description: String {
            "the ledger holds plant model \(stored) and is under change control: propose \(given) with "
                + "spar change propose --plant FILE --reason TEXT"
        }
    }

    /// Records `model` unless the version in force is the same; returns its version label.
    ///
    /// A different model than the one in force is refused unless `allowNewVersion`, and always once users are
    /// enrolled (then only an approved change request records a new version, through ``entry(_:effectiveAt:changeRequest:recordedAt:)``).
    public static func record(
        _ model: PlantModel, in store: any LedgerStore, allowNewVersion: Bool, recordedAt: Timestamp, recordedBy: String
    ) async throws -> String {
        let version = PlantModelFile.fingerprint(model)
        if let current = try await inForceEntry(in: store, at: recordedAt) {
            let stored = LedgerPlantModel.version(of: current)
            if stored == version { return version }
            if try await store.count(kind: .identity) > 0 { throw ChangeControlRequired(stored: stored, given: version) }
            if !allowNewVersion { throw Mismatch(stored: stored, given: version) }
        }
        let entry = entry(model, effectiveAt: recordedAt, changeRequest: nil, recordedAt: recordedAt)
        let outcome = try await store.append([entry], recordedAt: recordedAt, recordedBy: recordedBy)
        if case .rejected(let reason, _)? = outcome.first { throw StorageError(reason) }
        return version
    }

    /// The ledger entry recording `model` as a version in force from `effectiveAt`; `changeRequest` names the
    /// approved change request that brought it (its `source` is then `change:<id>`).
    public static func entry(
        _ model: PlantModel, effectiveAt: Timestamp, changeRequest: String?, recordedAt: Timestamp
    ) -> PendingEntry {
        let version = PlantModelFile.fingerprint(model)
        return PendingEntry(
            id: "plant-model:\(version)@\(recordedAt.milliseconds)", kind: .plantModel, ts: effectiveAt,
            unit: model.enterprise, type: "plantModel", source: changeRequest.map { "change:\($0)" } ?? "spar",
            body: PlantModelFile.canonicalJSON(model))
    }

    /// The model in force now, with its version label.
    public static func latest(in store: any LedgerStore) async throws -> (PlantModel, String)? {
        try await inForce(in: store, at: .now)
    }

    /// The model in force at `time` (the version with the latest effective time at or before it), as known to the
    /// ledger at `knownAt` (entries recorded later are ignored; nil: everything recorded).
    public static func inForce(
        in store: any LedgerStore, at time: Timestamp, knownAt: Timestamp? = nil
    ) async throws -> (PlantModel, String)? {
        guard let entry = try await inForceEntry(in: store, at: time, knownAt: knownAt) else { return nil }
        let model = try PlantModelFile.decode(Data(entry.entry.body.utf8), name: "ledger entry \(entry.seq)", json: true)
        return (model, version(of: entry))
    }

    /// Every recorded version with the time it takes effect, in effective order.
    public static func versions(in store: any LedgerStore) async throws -> [LedgerEntry] {
        try await store.entries(kind: .plantModel).sorted { ($0.entry.ts, $0.seq) < ($1.entry.ts, $1.seq) }
    }

    static func inForceEntry(in store: any LedgerStore, at time: Timestamp, knownAt: Timestamp? = nil) async throws
        -> LedgerEntry?
    {
        try await versions(in: store).last { e in e.entry.ts <= time && (knownAt.map { e.recordedAt <= $0 } ?? true) }
    }

    public static func version(of entry: LedgerEntry) -> String {
        let id = entry.entry.id.dropFirst("plant-model:".count)
        return String(id.split(separator: "@").first ?? id)
    }
}
