import Crypto
import Foundation
import SparCore
import SparInterchange
import SparStorage

/// The audit record of one file import (`spar import csv|b2mml`): who imported which file (name and SHA-256 of its bytes),
/// when, and what its rows gave. One `fileImport` entry per import, beside the events it added.
public enum LedgerImportRecord {
    /// What an import did.
    public struct Summary: Sendable, Hashable {
        public var format: String
        public var file: String
        public var sha256: String
        public var rows: Int
        public var accepted: Int
        public var duplicates: Int
        public var rejected: Int
        /// The change request the import proposed for its master data (B2MML equipment, materials, lots).
        public var changeRequest: String?

        public init(
            format: String, file: String, sha256: String, rows: Int, accepted: Int, duplicates: Int, rejected: Int,
            changeRequest: String? = nil
        ) {
            self.format = format
            self.file = file
            self.sha256 = sha256
            self.rows = rows
            self.accepted = accepted
            self.duplicates = duplicates
            self.rejected = rejected
            self.changeRequest = changeRequest
        }

        /// The summary of an import of `data` named `file`.
        public init(
            format: String, file: String, data: Data, rows: Int, accepted: Int, duplicates: Int, rejected: Int,
            changeRequest: String? = nil
        ) {
            let digest = SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
            self.init(
                format: format, file: file, sha256: digest, rows: rows, accepted: accepted, duplicates: duplicates,
                rejected: rejected, changeRequest: changeRequest)
        }

        var json: JSONValue {
            var members: [String: JSONValue] = [
                "format": .string(format), "file": .string(file), "sha256": .string(sha256), "rows": .number(Double(rows)),
                "accepted": .number(Double(accepted)), "duplicates": .number(Double(duplicates)),
                "rejected": .number(Double(rejected)),
            ]
            if let changeRequest { members["changeRequest"] = .string(changeRequest) }
            return .object(members)
        }

        /// The summary stored in an entry's body, if it is one.
        public static func decode(body: String) -> Summary? {
            guard let b = try? JSONValue.parse(Data(body.utf8)) else { return nil }
            func n(_ k: String) -> Int? { b[k]?.numberValue.map { Int($0) } }
            guard let format = b["format"]?.stringValue, let file = b["file"]?.stringValue,
                let sha = b["sha256"]?.stringValue, let rows = n("rows"), let accepted = n("accepted"),
                let duplicates = n("duplicates"), let rejected = n("rejected")
            else { return nil }
            return Summary(
                format: format, file: file, sha256: sha, rows: rows, accepted: accepted, duplicates: duplicates,
                rejected: rejected, changeRequest: b["changeRequest"]?.stringValue)
        }
    }

    /// The ledger entry recording `summary` (at the enterprise, at server time `recordedAt`); every import is its own
    /// entry, even of the same file in the same millisecond.
    public static func entry(_ summary: Summary, enterprise: String, recordedAt: Timestamp) -> PendingEntry {
        PendingEntry(
            id: "import:\(summary.format):\(summary.sha256.prefix(16))@\(recordedAt.milliseconds):\(UUID().uuidString.lowercased())",
            kind: .fileImport,
            ts: recordedAt, unit: enterprise, type: summary.format, source: "spar", body: summary.json.canonical)
    }

    /// Appends the record of an import.
    public static func record(
        _ summary: Summary, enterprise: String, in store: any LedgerStore, recordedAt: Timestamp, recordedBy: String
    ) async throws {
        let outcome = try await store.append(
            [entry(summary, enterprise: enterprise, recordedAt: recordedAt)], recordedAt: recordedAt, recordedBy: recordedBy)
        if case .rejected(let why, _)? = outcome.first { throw StorageError(why) }
    }
}
