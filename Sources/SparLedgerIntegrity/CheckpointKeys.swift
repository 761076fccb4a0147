import Crypto
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Why a key file could not be used.
public struct KeyFileError: Error, Sendable, CustomStringConvertible {
    /// The key file.
    public var path: String
    /// What is wrong with it and how to fix it.
    public var reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { "key file \(path): \(reason)" }
}

/// The Ed25519 private key that signs checkpoints. It lives in a file outside the database (mode 0600), so
/// whoever can write the database cannot forge a checkpoint.
///
/// File format, one line: `spar-ed25519-private-key-1 <base64 of the 32-byte seed>`.
public struct CheckpointSigningKey: Sendable {
    /// The 32-byte Ed25519 seed (swift-crypto's keys are not `Sendable`, so the key is rebuilt when used).
    let seed: [UInt8]
    /// The matching public key.
    public let publicKey: CheckpointPublicKey

    /// The first word of a private key file.
    public static let fileTag = "spar-ed25519-private-key-1"

    /// A fresh random key.
    public init() {
        let key = Curve25519.Signing.PrivateKey()
        seed = Array(key.rawRepresentation)
        publicKey = CheckpointPublicKey(unchecked: Array(key.publicKey.rawRepresentation))
    }

    /// A key from its 32-byte seed.
    public init(seed: [UInt8]) throws {
        let key = try Curve25519.Signing.PrivateKey(rawRepresentation: seed)
        self.seed = seed
        publicKey = CheckpointPublicKey(unchecked: Array(key.publicKey.rawRepresentation))
    }

    /// Signs a checkpoint.
    public func sign(_ checkpoint: Checkpoint) throws -> SignedCheckpoint {
        let key = try Curve25519.Signing.PrivateKey(rawRepresentation: seed)
        let signature = try key.signature(for: checkpoint.signedMessage)
        return SignedCheckpoint(checkpoint: checkpoint, keyID: publicKey.keyID, signature: Array(signature))
    }

    /// The text of a key file.
    public var fileContents: String { "\(Self.fileTag) \(Data(seed).base64EncodedString())\n" }

    /// Reads the key at `path`, refusing a file that others can read.
    public static func load(path: String) throws -> CheckpointSigningKey {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw KeyFileError(path: path, reason: "cannot be read (\(error.localizedDescription))")
        }
        if let mode = (try? FileManager.default.attributesOfItem(atPath: path)[.posixPermissions]) as? NSNumber,
            mode.intValue & 0o077 != 0
        {
            throw KeyFileError(
                path: path,
                reason: "is readable by others (mode \(String(mode.intValue, radix: 8))); run chmod 600 \(path)")
        }
        let words = text.split(whereSeparator: \.isWhitespace)
        guard words.count == 2, words[0] == fileTag, let data = Data(base64Encoded: String(words[1])),
            data.count == 32
        else {
            throw KeyFileError(path: path, reason: "is not a Spar signing key ('\(fileTag) <base64 seed>')")
        }
        do {
            return try CheckpointSigningKey(seed: Array(data))
        } catch {
            throw KeyFileError(path: path, reason: "holds an invalid Ed25519 seed")
        }
    }

    /// Reads the key at `path`, or creates it there (mode 0600) when no file exists.
    public static func loadOrCreate(path: String) throws -> CheckpointSigningKey {
        if FileManager.default.fileExists(atPath: path) { return try load(path: path) }
        let key = CheckpointSigningKey()
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        if !directory.isEmpty, !FileManager.default.fileExists(atPath: directory) {
            try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        // O_EXCL: when two processes race to create the key, one writes it and the other reads it.
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        if fd < 0 {
            if errno == EEXIST { return try load(path: path) }
            throw KeyFileError(path: path, reason: "cannot be created (\(String(cString: strerror(errno))))")
        }
        let bytes = Array(key.fileContents.utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        let synced = fsync(fd)
        close(fd)
        guard written == bytes.count, synced == 0 else {
            throw KeyFileError(path: path, reason: "could not be written completely")
        }
        return key
    }
}

/// The Ed25519 public key that checks checkpoint signatures.
///
/// File format, one line: `spar-ed25519-public-key-1 <base64 of the 32-byte key>`.
public struct CheckpointPublicKey: Sendable, Hashable {
    /// The 32-byte Ed25519 public key.
    public let raw: [UInt8]

    /// The first word of a public key file.
    public static let fileTag = "spar-ed25519-public-key-1"

    init(unchecked raw: [UInt8]) { self.raw = raw }

    /// A key from its 32 bytes.
    public init(raw: [UInt8]) throws {
        _ = try Curve25519.Signing.PublicKey(rawRepresentation: raw)
        self.raw = raw
    }

    /// The first 16 hexadecimal digits of SHA-256 over the key, named in every checkpoint it signs.
    public var keyID: String { Self.keyID(of: raw) }

    static func keyID(of raw: [UInt8]) -> String { String(LedgerHash.sha256(raw).hex.prefix(16)) }

    /// Whether the signature is a valid Ed25519 signature of this key over the checkpoint. It verifies the
    /// signature and never compares signature bytes (Ed25519 signing is randomised on some platforms).
    public func isValidSignature(_ signed: SignedCheckpoint) -> Bool {
        guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw) else { return false }
        return key.isValidSignature(signed.signature, for: signed.checkpoint.signedMessage)
    }

    /// The text of a public key file.
    public var fileContents: String { "\(Self.fileTag) \(Data(raw).base64EncodedString())\n" }

    /// Reads a public key file, or derives the public key from a private key file.
    public static func load(path: String) throws -> CheckpointPublicKey {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw KeyFileError(path: path, reason: "cannot be read (\(error.localizedDescription))")
        }
        let words = text.split(whereSeparator: \.isWhitespace)
        if words.first.map(String.init) == CheckpointSigningKey.fileTag {
            return try CheckpointSigningKey.load(path: path).publicKey
        }
        guard words.count == 2, words[0] == fileTag, let data = Data(base64Encoded: String(words[1])),
            data.count == 32
        else {
            throw KeyFileError(path: path, reason: "is not a Spar public key ('\(fileTag) <base64 key>')")
        }
        do {
            return try CheckpointPublicKey(raw: Array(data))
        } catch {
            throw KeyFileError(path: path, reason: "holds an invalid Ed25519 public key")
        }
    }
}

extension CheckpointSigningKey {
    /// An Ed25519 signature over arbitrary bytes, such as a tagged report digest. Callers should prefix the message
    /// with their own tag so that it can never be mistaken for a checkpoint's signed message.
    public func signature(for message: [UInt8]) throws -> [UInt8] {
        let key = try Curve25519.Signing.PrivateKey(rawRepresentation: seed)
        return Array(try key.signature(for: message))
    }
}

extension CheckpointPublicKey {
    /// Whether `signature` is a valid Ed25519 signature of this key over `message` (verified, never compared).
    public func isValidSignature(_ signature: [UInt8], for message: [UInt8]) -> Bool {
        guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw) else { return false }
        return key.isValidSignature(signature, for: message)
    }
}
