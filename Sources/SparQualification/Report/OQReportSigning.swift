import Foundation
import SparInterchange
import SparLedgerIntegrity

/// Hashing, signing, writing and verifying evidence reports.
///
/// The digest is SHA-256 over the report's canonical JSON without its `signature` member (object keys sorted, no
/// insignificant white space, integers without a fraction: `JSONValue.canonical`). The Ed25519 signature covers the
/// UTF-8 bytes of `spar-oq-report-1:<hex digest>`.
public enum OQReportSigning {
    /// The tag before the digest in the signed message.
    public static let messageTag = "spar-oq-report-1:"
    /// The first line of a `report.sig` file.
    public static let signatureFileTag = "spar-oq-report-signature-1"
    /// Describes the canonical form in every signature block.
    public static let canonicalization =
        "SHA-256 of the report JSON without its 'signature' member, canonical: object keys sorted by code point, no "
        + "insignificant white space, integers without a fraction; signed message 'spar-oq-report-1:<sha256 hex>'"

    /// The file names an evidence directory holds.
    public enum FileName {
        /// The record.
        public static let json = "report.json"
        /// The Markdown rendering.
        public static let markdown = "report.md"
        /// The HTML rendering.
        public static let html = "report.html"
        /// Digest, key and signature as text.
        public static let signature = "report.sig"
        /// The signing key's public half, in the ledger public key format.
        public static let publicKey = "report.pub"
    }

    /// Hex SHA-256 of the canonical JSON of `report` without its signature.
    public static func digest(_ report: OQReport) throws -> String {
        var unsigned = report
        unsigned.signature = nil
        return try digest(json: try JSONEncoder().encode(unsigned))
    }

    /// Hex SHA-256 of the canonical form of a report JSON text, ignoring its `signature` member.
    public static func digest(json: Data) throws -> String {
        guard case .object(var o) = try JSONValue.parse(json) else {
            throw OQReportError("the report is not a JSON object")
        }
        o["signature"] = nil
        return LedgerHash.sha256(Array(JSONValue.object(o).canonical.utf8)).hex
    }

    /// The report with its signature block filled in.
    public static func sign(_ report: OQReport, with key: CheckpointSigningKey) throws -> OQReport {
        let sha = try digest(report)
        let message = messageTag + sha
        let signature = try key.signature(for: Array(message.utf8))
        var signed = report
        signed.signature = OQReport.SignatureBlock(
            algorithm: "Ed25519", canonicalization: canonicalization, sha256: sha, signedMessage: message,
            keyID: key.publicKey.keyID, publicKey: Data(key.publicKey.raw).base64EncodedString(),
            signature: Data(signature).base64EncodedString())
        return signed
    }

    /// The pretty-printed JSON text of a report (keys sorted).
    public static func jsonText(_ report: OQReport) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(report), as: UTF8.self) + "\n"
    }

    /// The `report.sig` text: digest, key and signature, one per line.
    public static func signatureFile(_ block: OQReport.SignatureBlock) -> String {
        """
        \(signatureFileTag)
        sha256 \(block.sha256)
        key-id \(block.keyID)
        public-key \(block.publicKey)
        signature \(block.signature)

        """
    }

    /// Which renderings to write beside the JSON record.
    public enum Formats: String, Sendable, CaseIterable {
        case json, md, html, all

        var markdown: Bool { self == .md || self == .all }
        var html: Bool { self == .html || self == .all }
    }

    /// Writes the signed report into `directory`: report.json, report.sig, report.pub and the chosen renderings.
    /// Returns the paths written.
    @discardableResult
    public static func write(_ report: OQReport, to directory: URL, formats: Formats = .all) throws -> [String] {
        guard let block = report.signature else { throw OQReportError("the report is not signed") }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var files: [(String, String)] = [
            (FileName.json, try jsonText(report)), (FileName.signature, signatureFile(block)),
            (FileName.publicKey, "\(CheckpointPublicKey.fileTag) \(block.publicKey)\n"),
        ]
        if formats.markdown { files.append((FileName.markdown, OQReportMarkdown.render(report))) }
        if formats.html { files.append((FileName.html, OQReportHTML.render(report))) }
        for name in [FileName.markdown, FileName.html] where !files.contains(where: { $0.0 == name }) {
            try? FileManager.default.removeItem(at: directory.appendingPathComponent(name))
        }
        var written: [String] = []
        for (name, text) in files {
            let url = directory.appendingPathComponent(name)
            try Data(text.utf8).write(to: url, options: .atomic)
            written.append(url.path)
        }
        return written
    }

    /// What checking an evidence directory found.
    public struct Verification: Sendable {
        /// What held, one line each.
        public var confirmed: [String] = []
        /// What did not hold, one line each.
        public var problems: [String] = []
        /// Caveats that are neither: e.g. that the key came from the report itself.
        public var notes: [String] = []
        /// The recomputed digest, when the JSON could be read.
        public var sha256: String?
        /// The key id the report names.
        public var keyID: String?
        /// The report's own result, when it could be read.
        public var reportResult: String?

        /// True when nothing failed.
        public var isValid: Bool { problems.isEmpty && !confirmed.isEmpty }
    }

    /// Verifies the evidence in `directory` (or the directory of a `report.json` path): recomputes the digest, checks
    /// the Ed25519 signature (with `publicKey` when given, else the key the report names), compares report.sig and
    /// report.pub, and re-renders the Markdown and HTML files present to compare them byte for byte.
    public static func verify(_ location: URL, publicKey: CheckpointPublicKey? = nil) -> Verification {
        var v = Verification()
        let directory = location.pathExtension == "json" ? location.deletingLastPathComponent() : location
        let jsonURL = location.pathExtension == "json" ? location : directory.appendingPathComponent(FileName.json)
        guard let data = FileManager.default.contents(atPath: jsonURL.path) else {
            v.problems.append("\(jsonURL.path): cannot be read")
            return v
        }
        let report: OQReport
        let sha: String
        do {
            report = try JSONDecoder().decode(OQReport.self, from: data)
            sha = try digest(json: data)
        } catch {
            v.problems.append("\(FileName.json): not a Spar OQ report (\(error))")
            return v
        }
        v.sha256 = sha
        v.reportResult = report.result
        guard let block = report.signature else {
            v.problems.append("\(FileName.json): has no signature block")
            return v
        }
        v.keyID = block.keyID
        if block.sha256 == sha {
            v.confirmed.append("\(FileName.json): SHA-256 \(sha) recomputed and equal to the signed digest")
        } else {
            v.problems.append("\(FileName.json): content SHA-256 is \(sha), the report states \(block.sha256): the report was altered")
        }
        let embedded = Data(base64Encoded: block.publicKey).flatMap { try? CheckpointPublicKey(raw: Array($0)) }
        guard let embedded else {
            v.problems.append("\(FileName.json): the signature block's public key is not an Ed25519 key")
            return v
        }
        if embedded.keyID != block.keyID {
            v.problems.append("\(FileName.json): key id \(block.keyID) does not match its public key (\(embedded.keyID))")
        }
        let key = publicKey ?? embedded
        if let publicKey {
            if publicKey.keyID == embedded.keyID {
                v.confirmed.append("the report names the expected signing key \(publicKey.keyID)")
            } else {
                v.problems.append("the report was signed with key \(embedded.keyID), not the expected key \(publicKey.keyID)")
            }
        }
        let message = Array((messageTag + sha).utf8)
        if let signature = Data(base64Encoded: block.signature), key.isValidSignature(Array(signature), for: message) {
            v.confirmed.append("Ed25519 signature over '\(messageTag)\(sha.prefix(16))…' verifies with key \(key.keyID)")
        } else {
            v.problems.append("the Ed25519 signature does not verify with key \(key.keyID) over the recomputed digest")
        }
        if publicKey == nil {
            v.notes.append(
                "no expected key given: the signature was checked with key \(embedded.keyID) from the report itself; "
                    + "compare it with the key you expect (--public-key)")
        }
        let sigURL = directory.appendingPathComponent(FileName.signature)
        if let sigText = try? String(contentsOf: sigURL, encoding: .utf8) {
            if sigText == signatureFile(block) {
                v.confirmed.append("\(FileName.signature) matches the signature block")
            } else {
                v.problems.append("\(FileName.signature) differs from the report's signature block")
            }
        } else {
            v.problems.append("\(FileName.signature) is missing")
        }
        let pubURL = directory.appendingPathComponent(FileName.publicKey)
        if let pubText = try? String(contentsOf: pubURL, encoding: .utf8) {
            if pubText == "\(CheckpointPublicKey.fileTag) \(block.publicKey)\n" {
                v.confirmed.append("\(FileName.publicKey) holds the signing key")
            } else {
                v.problems.append("\(FileName.publicKey) holds another key than the report names")
            }
        }
        for (name, render) in [
            (FileName.markdown, OQReportMarkdown.render), (FileName.html, OQReportHTML.render),
        ] as [(String, @Sendable (OQReport) -> String)] {
            let url = directory.appendingPathComponent(name)
            guard let onDisk = FileManager.default.contents(atPath: url.path) else { continue }
            let expected = Data(render(report).utf8)
            if onDisk == expected {
                v.confirmed.append("\(name) is exactly the rendering of the signed JSON (\(onDisk.count) bytes)")
            } else {
                let at = zip(onDisk, expected).enumerated().first { $0.element.0 != $0.element.1 }?.offset
                    ?? min(onDisk.count, expected.count)
                v.problems.append("\(name) differs from the rendering of the signed JSON at byte \(at)")
            }
        }
        return v
    }
}

/// An evidence report could not be produced or read.
public struct OQReportError: Error, Sendable, CustomStringConvertible {
    /// What went wrong.
    public var description: String

    /// An error with a message.
    public init(_ description: String) { self.description = description }
}
