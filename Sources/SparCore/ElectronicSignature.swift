/// The meaning of an electronic signature (21 CFR 11.50(a)(3)).
public enum SignatureMeaning: String, Sendable, Hashable, Codable, CaseIterable {
    case authored, reviewed, approved, verified, responsible
    /// The signer did the work (an operator completing a traveler step).
    case performed
    /// The signer inspected the work and found it conforming (a hold point).
    case inspected
}

/// What a signer must present to sign (21 CFR 11.200(a)(1)).
public enum SignatureComponents: String, Sendable, Hashable, Codable {
    /// User id and password: the first signing of a session, or after the session timed out.
    case userIDAndPassword = "user-id+password"
    /// The password alone: a later signing within the same continuous session.
    case password
}

/// When a signer must re-enter both components, and when repeated failures lock an account.
public struct SigningPolicy: Sendable, Hashable {
    /// A continuous signing session ends after this long without a signing (milliseconds).
    public var sessionTimeout: Int64
    /// Consecutive failed authentications that lock an account.
    public var maxConsecutiveFailures: Int

    public init(sessionTimeout: Int64 = 15 * 60_000, maxConsecutiveFailures: Int = 5) {
        self.sessionTimeout = sessionTimeout
        self.maxConsecutiveFailures = maxConsecutiveFailures
    }

    public static let standard = SigningPolicy()

    /// What the next signing needs, given the time of the session's last signing (nil: none yet).
    public func required(lastSigningAt: Timestamp?, now: Timestamp) -> SignatureComponents {
        guard let last = lastSigningAt, now >= last, now.milliseconds - last.milliseconds <= sessionTimeout else {
            return .userIDAndPassword
        }
        return .password
    }
}

/// A signature as shown wherever the signed record is displayed or exported (21 CFR 11.50).
public struct SignatureManifestation: Sendable, Hashable, CustomStringConvertible {
    public var signatureID: String
    /// The signed ledger entry's id and sequence number, and its chain hash (hex) the signature is bound to.
    public var record: String
    public var recordSeq: Int64
    public var recordHash: String
    public var signer: String
    public var printedName: String
    public var meaning: SignatureMeaning
    /// Server time of the signing (UTC).
    public var signedAt: Timestamp
    public var role: Role?
    public var components: SignatureComponents
    public var reason: String?

    public init(
        signatureID: String, record: String, recordSeq: Int64, recordHash: String, signer: String, printedName: String,
        meaning: SignatureMeaning, signedAt: Timestamp, role: Role?, components: SignatureComponents,
        reason: String?
    ) {
        self.signatureID = signatureID
        self.record = record
        self.recordSeq = recordSeq
        self.recordHash = recordHash
        self.signer = signer
        self.printedName = printedName
        self.meaning = meaning
        self.signedAt = signedAt
        self.role = role
        self.components = components
        self.reason = reason
    }

    /// `Signed by Ada Lovelace (ada, quality) — approved — 2026-11-25T15:02:11.000Z UTC`.
    public var description: String {
        let who = role.map { "\(signer), \($0.rawValue)" } ?? signer
        var line = "Signed by \(printedName) (\(who)) — \(meaning.rawValue) — \(signedAt.rfc3339) UTC"
        if let reason, !reason.isEmpty { line += " — \(reason)" }
        return line
    }
}
