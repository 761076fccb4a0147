/// The requirements the operational qualification traces to, in the order of compliance.md.
public enum OQRequirements {
    /// Every requirement, covered or not; the report lists the uncovered ones with the reason.
    public static let all: [OQRequirement] = [
        OQRequirement(
            id: "R1",
            text: "Every create/modify/void of a regulated record is a secure, computer-generated, time-stamped entry "
                + "(who, what, when, why, old and new values); earlier entries are never obscured or edited."),
        OQRequirement(
            id: "R2",
            text: "Records are retained and readable for their retention period and exportable in human-readable and "
                + "machine-readable form with their audit trail and signatures.",
            scopeNote: "Retention and export formats are procedural and covered by spar audit/export tests, not by "
                + "this OQ."),
        OQRequirement(
            id: "R3",
            text: "Any alteration of stored records outside Spar (edit, delete, insert, reorder, truncate) is detected: "
                + "hash chain, signed RFC 6962 checkpoints, inclusion and consistency proofs."),
        OQRequirement(
            id: "R3a",
            text: "An edit to any single stored column is detected; the Merkle code reproduces the RFC 6962 reference "
                + "values and rejects corrupted proofs."),
        OQRequirement(
            id: "R4",
            text: "Time stamps come from the server clock in UTC with the zone shown; client-supplied event times are "
                + "kept as data, never as the audit time."),
        OQRequirement(
            id: "S1",
            text: "A signature shows the signer's printed name, date and time, and meaning wherever the signed record "
                + "is displayed or exported."),
        OQRequirement(
            id: "S2",
            text: "A signature is bound to the exact content (hash) of the record; it cannot be removed, copied or "
                + "moved to another record without detection."),
        OQRequirement(
            id: "S3",
            text: "Signing needs user id + password at the first signing of a session and at least the password later "
                + "in the same continuous session; sessions time out."),
        OQRequirement(
            id: "S4",
            text: "Signatures are unique to one person; ids are never reused; failed attempts are logged and repeated "
                + "failures lock the account and alert an admin."),
        OQRequirement(
            id: "A1",
            text: "Only authorised users act, by role and site; an auditor reads its sites and writes nothing; source "
                + "systems authenticate with their own tokens, so an event's source is proven."),
        OQRequirement(
            id: "A2",
            text: "Operational checks enforce permitted sequences (a change cannot take effect before approval)."),
        OQRequirement(
            id: "A3",
            text: "Passwords are stored only as salted slow hashes in PHC strings (PBKDF2-HMAC-SHA512, ≥ 210,000 "
                + "rounds); longer inputs are refused, never truncated; API tokens ≥ 128 random bits stored as SHA-256; "
                + "no secrets in logs, dumps or exports."),
        OQRequirement(
            id: "A4",
            text: "Sessions are invalidated server-side at logout/disable; cookies, security headers, cross-site "
                + "request checks and rate limits on the HTTP interface.",
            scopeNote: "The OQ checks that a disabled or locked account can neither sign in nor sign; cookies, "
                + "headers, CSRF and rate limits belong to the HTTP server and are covered by its own tests."),
        OQRequirement(
            id: "A5",
            text: "Audit entries carry the actor's role and site, the station or source, server UTC time, and a reason "
                + "at every modify/void."),
        OQRequirement(
            id: "C1",
            text: "Master data changes through a change request: diff, reason, computed impact, approvals by role with "
                + "signatures, effective time."),
        OQRequirement(
            id: "C2",
            text: "Any result can be reproduced as of a past date with the definitions then in force, and says which "
                + "versions it used."),
        OQRequirement(
            id: "C3",
            text: "spar oq executes the operational qualification checks and produces a signed evidence report "
                + "(requirement → test → result → evidence)."),
        OQRequirement(
            id: "D1",
            text: "The SQLite ledger runs journal_mode=WAL and synchronous=FULL; an event is acknowledged only after its "
                + "batch committed durably."),
        OQRequirement(
            id: "D2",
            text: "Same id + same payload → the original ledger position, nothing stored; same id + different payload "
                + "→ rejected. Events keep both device time and receipt time."),
        OQRequirement(
            id: "K1",
            text: "ISO 22400-2 KPIs and time elements reproduce the hand-computed reference cases within 1e-9, nulls "
                + "where a KPI is undefined.",
            source: "README.md (KPI reference cases)"),
    ]

    /// The requirement with this id.
    public static func requirement(_ id: String) -> OQRequirement? { all.first { $0.id == id } }
}
