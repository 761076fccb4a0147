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

    /// Records `model` unless the ledger already holds it; returns its version label.
    ///
    /// A different model than the latest recorded one is refused unless `allowNewVersion`.
    public static func record(
        _ model: PlantModel, in store: any LedgerStore, allowNewVersion: Bool, recordedAt: Timestamp, recordedBy: String
    ) async throws -> String {
        let version = PlantModelFile.fingerprint(model)
        if let latest = try await store.latestPlantModel() {
            let stored = LedgerPlantModel.version(of: latest)
            if stored == version { return version }
            if !allowNewVersion { throw Mismatch(stored: stored, given: version) }
        }
        let entry = PendingEntry(
            id: "plant-model:\(version)@\(recordedAt.milliseconds)", kind: .plantModel, ts: recordedAt, unit: model.enterprise, type: "plantModel",
            source: "spar", body: PlantModelFile.canonicalJSON(model))
        let outcome = try await store.append([entry], recordedAt: recordedAt, recordedBy: recordedBy)
        if case .rejected(let reason, _)? = outcome.first { throw StorageError(reason) }
        return version
    }

    /// The latest model the ledger holds, with its version label.
    public static func latest(in store: any LedgerStore) async throws -> (PlantModel, String)? {
        guard let entry = try await store.latestPlantModel() else { return nil }
        let model = try PlantModelFile.decode(Data(entry.entry.body.utf8), name: "ledger entry \(entry.seq)", json: true)
        return (model, version(of: entry))
    }

    static func version(of entry: LedgerEntry) -> String {
        let id = entry.entry.id.dropFirst("plant-model:".count)
        return String(id.split(separator: "@").first ?? id)
    }
}
