/// Something `spar verify` found wrong beyond the hash chain: a signature no longer matching the entry it signs, a
/// stored password hash the ledger did not commit to, or master data recorded outside change control.
public struct GovernanceFinding: Sendable, Hashable, CustomStringConvertible {
    /// The ledger entry at fault (for a credential, the entry that committed to it).
    public var seq: Int64
    /// Its id, or `user <id>` for a credential.
    public var id: String
    public var field: String
    public var detail: String

    public var description: String { "seq \(seq) (\(id)), field '\(field)': \(detail)" }
}
