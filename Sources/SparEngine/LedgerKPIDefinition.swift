import Foundation
import SparCore
import SparInterchange
import SparStorage

/// The KPI definition version a ledger holds in force, recorded as `.kpiDefinition` entries: master data that, once
/// users are enrolled, changes only through an approved change request (`spar change propose --kpi-definition`).
///
/// A ledger that records no version uses ``KPICatalogue/defaultVersion`` (`spar-kpi-2`). A plant that reported
/// under `spar-kpi-1` keeps it by putting it in force through change control (or pins it per site in the blueprint).
public enum LedgerKPIDefinition {
    /// The version of a ledger that records none.
    public static let unrecorded = KPICatalogue.defaultVersion

    /// One recorded version with the time it takes effect.
    public struct Record: Sendable, Hashable {
        public var definition: String
        public var effectiveAt: Timestamp
        public var recordedAt: Timestamp
        public var seq: Int64
        public var reason: String
        /// The change request that brought it, if any.
        public var changeRequest: String?
    }

    /// The ledger entry putting `definition` in force from `effectiveAt`.
    public static func entry(
        definition: String, enterprise: String, reason: String, effectiveAt: Timestamp, changeRequest: String?,
        recordedAt: Timestamp
    ) -> PendingEntry {
        let body: JSONValue = .object(["definition": .string(definition), "reason": .string(reason)])
        return PendingEntry(
            id: "kpiDefinition:\(definition)@\(recordedAt.milliseconds)", kind: .kpiDefinition, ts: effectiveAt,
            unit: enterprise, type: "kpiDefinition", source: changeRequest.map { "change:\($0)" } ?? "spar",
            body: body.canonical)
    }

    /// Records `definition` in force from `effectiveAt` on a ledger that is not yet under change control (no users
    /// enrolled); afterwards only an approved change request can put another version in force.
    public static func record(
        _ definition: String, enterprise: String, reason: String, effectiveAt: Timestamp, in store: any LedgerStore,
        recordedAt: Timestamp, recordedBy: String
    ) async throws {
        guard KPICatalogue.version(definition) != nil else {
            throw StorageError("'\(definition)' is not a KPI definition version")
        }
        guard try await store.count(kind: .identity) == 0 else {
            throw StorageError(
                "the ledger is under change control: propose the definition with spar change propose --kpi-definition ID")
        }
        let outcome = try await store.append(
            [entry(definition: definition, enterprise: enterprise, reason: reason, effectiveAt: effectiveAt, changeRequest: nil, recordedAt: recordedAt)],
            recordedAt: recordedAt, recordedBy: recordedBy)
        if case .rejected(let why, _)? = outcome.first { throw StorageError(why) }
    }

    /// Every recorded version, in the order they take effect.
    public static func history(in store: any LedgerStore) async throws -> [Record] {
        try await store.entries(kind: .kpiDefinition).compactMap { e -> Record? in
            guard let body = try? JSONValue.parse(Data(e.entry.body.utf8)), let d = body["definition"]?.stringValue else {
                return nil
            }
            return Record(
                definition: d, effectiveAt: e.entry.ts, recordedAt: e.recordedAt, seq: e.seq,
                reason: body["reason"]?.stringValue ?? "",
                changeRequest: e.entry.source.hasPrefix("change:") ? String(e.entry.source.dropFirst(7)) : nil)
        }.sorted { ($0.effectiveAt, $0.seq) < ($1.effectiveAt, $1.seq) }
    }

    /// The version in force at `time`, as the ledger knew it at `knownAt` (nil: everything recorded).
    public static func inForce(in store: any LedgerStore, at time: Timestamp, knownAt: Timestamp? = nil) async throws
        -> String
    {
        try await history(in: store).last { r in r.effectiveAt <= time && (knownAt.map { r.recordedAt <= $0 } ?? true) }?
            .definition ?? unrecorded
    }

    /// The canonical version in force at `time` with the site pins of the blueprint in force then.
    public static func policy(in store: any LedgerStore, at time: Timestamp, knownAt: Timestamp? = nil) async throws
        -> KPIDefinitionPolicy
    {
        let canonical = try await inForce(in: store, at: time, knownAt: knownAt)
        let blueprint = try await LedgerBlueprint.asOf(time, in: store)
        return KPIDefinitionPolicy(inForce: canonical).pinning(blueprint?.blueprint)
    }
}
