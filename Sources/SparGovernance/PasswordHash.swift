import Crypto
import Foundation
import _CryptoExtras

/// Passwords stored only as salted PBKDF2-HMAC-SHA512 hashes in PHC string format (compliance.md A3):
/// `$pbkdf2-sha512$i=210000,l=64$<salt>$<hash>`, salt and hash in unpadded standard base64.
public enum PasswordHash {
    /// PBKDF2 rounds for new hashes (the OWASP floor for HMAC-SHA512, enforced by swift-crypto).
    public static let rounds = 210_000
    static let saltBytes = 16
    static let outputBytes = 64
    /// Longer inputs are refused, never truncated.
    public static let maxPasswordBytes = 1024
    public static let minPasswordCharacters = 12

    /// Why a password cannot be used.
    public struct Rejected: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// Refuses passwords that are too short, too long, or equal to the user id.
    public static func checkPolicy(_ password: String, user: String) throws(Rejected) {
        if password.count < minPasswordCharacters {
            throw Rejected(description: "a password needs at least \(minPasswordCharacters) characters")
        }
        if password.utf8.count > maxPasswordBytes {
            throw Rejected(description: "a password may have at most \(maxPasswordBytes) bytes (longer ones are refused, not truncated)")
        }
        if password.lowercased() == user.lowercased() {
            throw Rejected(description: "a password must differ from the user id")
        }
    }

    /// A new PHC string for `password` with a fresh random salt.
    public static func make(_ password: String) throws -> String {
        var salt = [UInt8](repeating: 0, count: saltBytes)
        var rng = SystemRandomNumberGenerator()
        for i in salt.indices { salt[i] = rng.next() }
        let key = try derive(password, salt: salt, rounds: rounds)
        return "$pbkdf2-sha512$i=\(rounds),l=\(outputBytes)$\(b64(salt))$\(b64(key))"
    }

    /// True when `password` matches the PHC string. Malformed strings and weaker parameters never match.
    public static func verify(_ password: String, phc: String) -> Bool {
        guard password.utf8.count <= maxPasswordBytes else { return false }
        let parts = phc.split(separator: "$", omittingEmptySubsequences: false)
        guard parts.count == 5, parts[0].isEmpty, parts[1] == "pbkdf2-sha512" else { return false }
        var params: [String: Int] = [:]
        for p in parts[2].split(separator: ",") {
            let kv = p.split(separator: "=")
            if kv.count == 2, let v = Int(kv[1]) { params[String(kv[0])] = v }
        }
        guard let i = params["i"], i >= rounds, let l = params["l"], l == outputBytes,
            let salt = unb64(parts[3]), let expected = unb64(parts[4]), expected.count == l,
            let actual = try? derive(password, salt: salt, rounds: i)
        else { return false }
        return constantTimeEqual(actual, expected)
    }

    /// SHA-256 of the PHC string (hex): what the ledger commits to, so the stored hash cannot be swapped unseen.
    public static func digest(_ phc: String) -> String { hex(SHA256.hash(data: Data(phc.utf8))) }

    static func derive(_ password: String, salt: [UInt8], rounds: Int) throws -> [UInt8] {
        let key = try KDF.Insecure.PBKDF2.deriveKey(
            from: Array(password.utf8), salt: salt, using: .sha512, outputByteCount: outputBytes, rounds: rounds)
        return key.withUnsafeBytes { Array($0) }
    }

    static func b64(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "=", with: "")
    }

    static func unb64(_ text: Substring) -> [UInt8]? {
        var s = String(text)
        while s.count % 4 != 0 { s += "=" }
        return Data(base64Encoded: s).map { Array($0) }
    }
}

/// Equal bytes, compared in time that depends only on the length (no early exit on the first difference).
func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    guard a.count == b.count else { return false }
    var diff: UInt8 = 0
    for (x, y) in zip(a, b) { diff |= x ^ y }
    return diff == 0
}

/// Lower-case hex of a digest.
func hex(_ digest: some Sequence<UInt8>) -> String {
    digest.map { String(format: "%02x", $0) }.joined()
}

/// API tokens for source systems: `spar_<token id>_<secret>`, 256 random bits of secret, stored only as SHA-256.
public enum APIToken {
    /// A new token: its id (shown in lists and audit) and the full secret text (shown once).
    public static func make() -> (id: String, token: String) {
        var rng = SystemRandomNumberGenerator()
        let idBytes = (0..<6).map { _ in UInt8.random(in: 0...255, using: &rng) }
        let secret = (0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) }
        let id = hex(idBytes)
        let text = Data(secret).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
        return (id, "spar_\(id)_\(text)")
    }

    /// The token id of a token text, if it has the token shape.
    public static func id(of token: String) -> String? {
        let parts = token.split(separator: "_", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "spar", parts[1].count == 12, parts[2].count >= 40 else { return nil }
        return String(parts[1])
    }

    /// SHA-256 of the token text (hex).
    public static func digest(_ token: String) -> String { hex(SHA256.hash(data: Data(token.utf8))) }
}
