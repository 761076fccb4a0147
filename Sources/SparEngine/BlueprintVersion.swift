import SparCore

/// One version of the blueprint as the ledger recorded it: who, when (server time), why, and which version it
/// replaced.
public struct BlueprintVersion: Sendable, Hashable {
    /// Content fingerprint of the blueprint (``SparInterchange/BlueprintFile/fingerprint(_:)``).
    public var version: String
    /// The version in force before this one was recorded; nil for the first.
    public var previousVersion: String?
    /// The blueprint content of this version.
    public var blueprint: Blueprint
    /// Why the blueprint changed, as the recorder wrote it.
    public var reason: String
    /// Server time of the append.
    public var recordedAt: Timestamp
    /// Who appended it.
    public var recordedBy: String
    /// Ledger sequence number of the entry.
    public var seq: Int64
    /// When this version takes effect (its recording time unless a change request set a later one).
    public var effectiveAt: Timestamp
    /// The approved change request that brought this version, if any.
    public var changeRequest: String?

    /// Creates a value from its parts.
    public init(
        version: String, previousVersion: String?, blueprint: Blueprint, reason: String, recordedAt: Timestamp,
        recordedBy: String, seq: Int64, effectiveAt: Timestamp? = nil, changeRequest: String? = nil
    ) {
        self.effectiveAt = effectiveAt ?? recordedAt
        self.changeRequest = changeRequest
        self.version = version
        self.previousVersion = previousVersion
        self.blueprint = blueprint
        self.reason = reason
        self.recordedAt = recordedAt
        self.recordedBy = recordedBy
        self.seq = seq
    }
}
