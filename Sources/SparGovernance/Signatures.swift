import Foundation
import SparCore
import SparEngine
import SparInterchange
import SparStorage

/// A continuous signing session: who signed last and when (compliance.md S3). The CLI starts a new one per command;
/// the HTTP server keeps one per sign-in session.
public struct SigningSession: Sendable, Hashable {
    public var user: String
    public var lastSigningAt: Timestamp?

    public init(user: String, lastSigningAt: Timestamp? = nil) {
        self.user = user
        self.lastSigningAt = lastSigningAt
    }
}

extension Governance {
    /// What the next signing in `session` must present.
    public func requiredComponents(session: SigningSession?) -> SignatureComponents {
        policy.required(lastSigningAt: session?.lastSigningAt, now: clock())
    }

    /// Re-authenticates the signer and returns them with the components they presented. Two components are needed
    /// unless `session` has a signing within the timeout; a user id other than the session's is refused.
    func reauthenticate(_ credentials: Credentials, session: SigningSession?, station: String) async throws
        -> (Principal, UserAccount, SignatureComponents)
    {
        let required = requiredComponents(session: session)
        let userID: String
        switch (required, credentials.user, session) {
        case (.userIDAndPassword, nil, _), (.userIDAndPassword, "", _):
            throw GovernanceError(
                .authenticationFailed, field: "user",
                "this is the first signing of the session (or the session timed out): enter your user id and password")
        case (_, let given?, let s?) where !given.isEmpty && given != s.user:
            throw GovernanceError(.denied, field: "user", "a signature is personal: sign in as \(given) to sign as \(given)")
        case (_, let given?, _) where !given.isEmpty:
            userID = given
        case (_, _, let s?):
            userID = s.user
        default:
            throw GovernanceError(.authenticationFailed, field: "user", "enter your user id and password")
        }
        let (principal, account) = try await checkCredentials(
            user: userID, password: credentials.password, station: station, purpose: "signing",
            failure: "wrong password: the record was not signed")
        return (principal, account, credentials.user.map { $0.isEmpty ? .password : .userIDAndPassword } ?? .password)
    }

    /// Signs ledger entry `recordID` with `meaning`, after re-authentication. The signature is a ledger entry bound
    /// to the signed entry's chain hash; `extra` entries (e.g. the version an approval brings into force) are appended
    /// in the same atomic batch. Returns the manifestation and the updated session.
    @discardableResult
    public func sign(
        record recordID: String, meaning: SignatureMeaning, reason: String?, credentials: Credentials,
        session: SigningSession?, station: String, role: Role? = nil, requiredPermission: Permission = .sign,
        extra: @Sendable (Principal, Timestamp) throws -> [PendingEntry] = { _, _ in [] }
    ) async throws -> (SignatureManifestation, SigningSession) {
        let prepared = try await prepareSignature(
            record: recordID, meaning: meaning, reason: reason, credentials: credentials, session: session,
            station: station, roles: role.map { [$0] } ?? [], requireRole: role != nil,
            requiredPermission: requiredPermission)
        let batch = prepared.entries + (try extra(prepared.signer, prepared.manifestation.signedAt))
        let outcomes = try await store.append(batch, recordedAt: prepared.manifestation.signedAt, recordedBy: prepared.signer.recordedBy)
        for (entry, outcome) in zip(batch, outcomes) {
            if case .rejected(let reason, let field) = outcome {
                throw GovernanceError(.conflict, field: field, "\(entry.id): \(reason)")
            }
        }
        return (prepared.manifestation, prepared.session)
    }

    /// A signature made but not yet appended: the entries to append (the signing's `auth.succeeded` and the signature),
    /// the signer and the updated session.
    public struct PreparedSignature: Sendable {
        public var entries: [PendingEntry]
        public var manifestation: SignatureManifestation
        public var signer: Principal
        public var account: UserAccount
        public var session: SigningSession
    }

    /// Re-authenticates the signer and builds the signature of `recordID`, without appending it: the caller appends
    /// ``PreparedSignature/entries`` with the record the signature brings, in one batch. The role is the first of
    /// `roles` the signer holds (refused when `requireRole` and none is held), else their first role.
    public func prepareSignature(
        record recordID: String, meaning: SignatureMeaning, reason: String?, credentials: Credentials,
        session: SigningSession?, station: String, roles: [Role] = [], requireRole: Bool = false,
        requiredPermission: Permission = .sign
    ) async throws -> PreparedSignature {
        guard let target = try await store.entry(id: recordID) else {
            throw GovernanceError(.notFound, field: "record", "no ledger entry \(recordID)")
        }
        guard target.entry.kind != .signature else {
            throw GovernanceError(.invalid, field: "record", "\(recordID) is a signature; sign the record it signs")
        }
        let (signer, account, components) = try await reauthenticate(credentials, session: session, station: station)
        let site =
            target.entry.kind == .event || target.entry.kind == .execution ? EquipmentPath(target.entry.unit).siteID : nil
        do {
            try signer.authorize(requiredPermission, sites: site.map { [$0] } ?? [])
            try signer.authorize(.sign, sites: site.map { [$0] } ?? [])
        } catch {
            throw GovernanceError.denied(error)
        }
        let role = roles.first(where: account.roles.contains)
        if requireRole, role == nil {
            throw GovernanceError(
                .denied, field: "role",
                "\(account.id) does not hold the role \(roles.map(\.rawValue).joined(separator: " or "))")
        }
        let now = clock()
        let signatureID = "signature:\(UUID().uuidString.lowercased())"
        let manifestation = SignatureManifestation(
            signatureID: signatureID, record: recordID, recordSeq: target.seq, recordHash: target.hash.hex,
            signer: account.id, printedName: account.printedName, meaning: meaning, signedAt: now,
            role: role ?? account.roles.sorted().first, components: components,
            reason: reason.flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0 })
        let entries = [
            pending(
                type: "auth.succeeded", subject: account.id,
                body: .object(["user": .string(account.id), "purpose": .string("signing")])),
            PendingEntry(
                id: signatureID, kind: .signature, ts: now, unit: target.entry.unit, type: meaning.rawValue,
                source: "spar", body: Self.body(of: manifestation).canonical),
        ]
        return PreparedSignature(
            entries: entries, manifestation: manifestation, signer: signer, account: account,
            session: SigningSession(user: account.id, lastSigningAt: now))
    }

    /// Every signature of `recordID`, in signing order.
    public func signatures(of recordID: String) async throws -> [SignatureManifestation] {
        try await allSignatures().filter { $0.record == recordID }
    }

    /// Every signature in the ledger, in signing order.
    public func allSignatures() async throws -> [SignatureManifestation] {
        try await store.entries(kind: .signature).compactMap { Self.manifestation(of: $0) }
    }

    /// Checks that every signature still matches the entry it signs (id, sequence number, chain hash, unit) and that
    /// every user's stored password hash is the one the ledger committed to.
    public func verifyBindings() async throws -> [GovernanceFinding] {
        var out: [GovernanceFinding] = []
        for e in try await store.entries(kind: .signature) {
            func bad(_ field: String, _ detail: String) {
                out.append(GovernanceFinding(seq: e.seq, id: e.entry.id, field: field, detail: detail))
            }
            guard let m = Self.manifestation(of: e) else {
                bad("body", "not a signature record")
                continue
            }
            guard let target = try await store.entry(id: m.record) else {
                bad("record", "the signed entry \(m.record) is not in the ledger")
                continue
            }
            if target.seq != m.recordSeq { bad("recordSeq", "signed seq \(m.recordSeq), the entry is at \(target.seq)") }
            if target.hash.hex != m.recordHash {
                bad("recordHash", "signed \(m.recordHash.prefix(12))…, the entry's hash is \(target.hash.short)…")
            }
            if target.seq >= e.seq { bad("recordSeq", "the signature precedes the entry it signs") }
            if target.entry.unit != e.entry.unit { bad("unit", "the signature's unit differs from the signed entry's") }
            if e.entry.type != m.meaning.rawValue { bad("type", "the entry type differs from the signed meaning") }
        }
        let dir = try await directory()
        for user in dir.users.values.sorted(by: { $0.id < $1.id }) {
            guard let stored = try await store.credential(user: user.id) else {
                out.append(GovernanceFinding(seq: user.credentialSeq, id: "user \(user.id)", field: "credential", detail: "no stored password hash"))
                continue
            }
            if stored.seq != user.credentialSeq || PasswordHash.digest(stored.phc) != user.credentialDigest {
                out.append(
                    GovernanceFinding(
                        seq: user.credentialSeq, id: "user \(user.id)", field: "credential",
                        detail: "the stored password hash is not the one the ledger committed to"))
            }
        }
        return out
    }

    static func body(of m: SignatureManifestation) -> JSONValue {
        var o: [String: JSONValue] = [
            "record": .string(m.record), "recordSeq": .number(Double(m.recordSeq)), "recordHash": .string(m.recordHash),
            "signer": .string(m.signer), "printedName": .string(m.printedName), "meaning": .string(m.meaning.rawValue),
            "signedAt": .number(Double(m.signedAt.milliseconds)), "components": .string(m.components.rawValue),
        ]
        if let role = m.role { o["role"] = .string(role.rawValue) }
        if let reason = m.reason { o["reason"] = .string(reason) }
        return .object(o)
    }

    /// The manifestation a signature entry records, or nil when its body is not a signature.
    public static func manifestation(of e: LedgerEntry) -> SignatureManifestation? {
        guard e.entry.kind == .signature, let b = try? JSONValue.parse(Data(e.entry.body.utf8)),
            let record = b["record"]?.stringValue, let seq = b["recordSeq"]?.numberValue,
            let hash = b["recordHash"]?.stringValue, let signer = b["signer"]?.stringValue,
            let name = b["printedName"]?.stringValue,
            let meaning = b["meaning"]?.stringValue.flatMap(SignatureMeaning.init(rawValue:)),
            let at = b["signedAt"]?.numberValue,
            let components = b["components"]?.stringValue.flatMap(SignatureComponents.init(rawValue:))
        else { return nil }
        return SignatureManifestation(
            signatureID: e.entry.id, record: record, recordSeq: Int64(seq), recordHash: hash, signer: signer,
            printedName: name, meaning: meaning, signedAt: Timestamp(milliseconds: Int64(at)),
            role: b["role"]?.stringValue.flatMap(Role.init(rawValue:)), components: components,
            reason: b["reason"]?.stringValue)
    }

    /// The signature as JSON for exports.
    public static func json(_ m: SignatureManifestation) -> JSONValue {
        var o = body(of: m)
        if case .object(var d) = o {
            d["signatureID"] = .string(m.signatureID)
            d["signedAt"] = .string(m.signedAt.rfc3339)
            d["manifestation"] = .string(m.description)
            o = .object(d)
        }
        return o
    }
}
