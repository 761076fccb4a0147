import Crypto
import Foundation
import SparCore
import SparEngine
import SparInterchange
import SparStorage

/// The signed as-built document of a serial, `spar-as-built-1`:
///
/// ```json
/// {"format":"spar-as-built-1","serial":"SN-1","asBuilt":{…},"sha256":"…",
///  "ledgerEntry":"execution:42","seq":97,"entryHash":"…","signatures":[{…}]}
/// ```
///
/// `asBuilt` is the as-built record at signing (``ExecutionReportJSON/asBuilt(_:at:)``); `sha256` is the SHA-256 of
/// its canonical JSON; `ledgerEntry` is the `asBuiltSigned` execution entry that carries that digest with the quality
/// signature, at sequence `seq` with chain hash `entryHash`; `signatures` are the Part 11 manifestations (signer,
/// printed name, time, meaning). Anyone holding the ledger can check the document with
/// ``Governance/verifyAsBuilt(_:)``; `spar proof inclusion --seq` proves the entry against a signed checkpoint.
public struct SignedAsBuiltDocument: Sendable {
    public static let format = "spar-as-built-1"
    public var json: JSONValue
    public var receipt: SignedExecutionReceipt
}

/// A reason a signed as-built document does not hold, with the member it concerns.
public struct AsBuiltFinding: Sendable, Hashable, CustomStringConvertible {
    public var field: String
    public var detail: String
    public var description: String { "\(field): \(detail)" }
}

extension Governance {
    /// The SHA-256 of a JSON value's canonical form, in lower-case hex.
    public static func sha256(_ value: JSONValue) -> String {
        SHA256.hash(data: Data(value.canonical.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Signs the as-built record of a finished serial as quality (meaning `approved` or `verified`, after
    /// re-authentication) and returns the signed document. The fold refuses it while the traveler is open or an NCR
    /// of the serial is.
    public func signAsBuilt(
        serial: String, meaning: ExecutionSignatureMeaning = .approved, signer: ExecutionSigner, station: String,
        in execution: ExecutionLedger
    ) async throws -> SignedAsBuiltDocument {
        guard let a = try await execution.asBuilt(serial: serial) else {
            throw ExecutionError.invalid(field: "serial", reason: "serial \(serial) has no traveler")
        }
        let asOf = clock()
        let record = ExecutionReportJSON.asBuilt(a, at: asOf)
        let digest = Self.sha256(record)
        let target = try await travelerRecord(a.traveler.id, in: execution)
        let (signatures, prepared) = try await executionSignatures(
            record: target, meaning: meaning, signers: [signer],
            reason: "as-built record of \(serial), SHA-256 \(digest)", station: station)
        let receipt = try await recordSigned(
            .asBuiltSigned(AsBuiltSigned(serial: serial, sha256: digest, asOf: asOf, signature: signatures[0])),
            prepared: prepared, permission: .sign, in: execution)
        guard let stored = try await store.entry(id: receipt.receipt.entryID) else {
            throw GovernanceError(.conflict, field: "ledgerEntry", "\(receipt.receipt.entryID) is not in the ledger")
        }
        let json = Self.document(serial: serial, record: record, digest: digest, entry: stored, signatures: receipt.signatures)
        return SignedAsBuiltDocument(json: json, receipt: receipt)
    }

    static func document(
        serial: String, record: JSONValue, digest: String, entry: LedgerEntry, signatures: [SignatureManifestation]
    ) -> JSONValue {
        .object([
            "format": .string(SignedAsBuiltDocument.format), "serial": .string(serial), "asBuilt": record,
            "sha256": .string(digest), "ledgerEntry": .string(entry.entry.id), "seq": .number(Double(entry.seq)),
            "entryHash": .string(entry.hash.hex), "signatures": .array(signatures.map(Governance.json)),
        ])
    }

    /// The signed as-built documents of a serial, oldest first, produced again from the ledger: each record as the
    /// execution entries before its signature left it, at the time it states. A record that no longer gives the
    /// signed digest is a finding of ``verifyAsBuilt(_:)`` (its `sha256`).
    public func signedAsBuilt(serial: String, in execution: ExecutionLedger) async throws -> [JSONValue] {
        var out: [JSONValue] = []
        for signed in try await execution.current().asBuiltSignatures[serial] ?? [] {
            guard let entry = try await store.entry(id: ExecutionLedger.entryID(signed.event)),
                let event = try? ExecutionRecordJSON.decode(body: entry.entry.body, record: entry.entry.id),
                case .asBuiltSigned(let f) = event.fact
            else { continue }
            let before = try await execution.state(beforeSeq: entry.seq)
            guard let a = ExecutionLedger.asBuilt(serial: serial, in: before) else { continue }
            var signatures: [SignatureManifestation] = []
            if let sid = f.signature.signatureID, let s = try await store.entry(id: sid), let m = Self.manifestation(of: s) {
                signatures.append(m)
            }
            out.append(
                Self.document(
                    serial: serial, record: ExecutionReportJSON.asBuilt(a, at: f.asOf), digest: f.sha256, entry: entry,
                    signatures: signatures))
        }
        return out
    }

    /// Checks a signed as-built document against this ledger: its digest is that of its record, the entry it names
    /// is an `asBuiltSigned` entry at that sequence and chain hash carrying that digest for that serial, and each
    /// signature it carries is a signature entry bound to the traveler's record. Empty when the document holds.
    public func verifyAsBuilt(_ document: JSONValue) async throws -> [AsBuiltFinding] {
        var out: [AsBuiltFinding] = []
        func bad(_ field: String, _ detail: String) { out.append(AsBuiltFinding(field: field, detail: detail)) }
        guard case .object(let o) = document else { return [AsBuiltFinding(field: "document", detail: "not a JSON object")] }
        guard o["format"]?.stringValue == SignedAsBuiltDocument.format else {
            return [AsBuiltFinding(field: "format", detail: "not a \(SignedAsBuiltDocument.format) document")]
        }
        guard let record = o["asBuilt"], let claimed = o["sha256"]?.stringValue, let id = o["ledgerEntry"]?.stringValue,
            let serial = o["serial"]?.stringValue
        else {
            return [AsBuiltFinding(field: "document", detail: "asBuilt, sha256, serial and ledgerEntry are required")]
        }
        let digest = Self.sha256(record)
        if digest != claimed { bad("sha256", "the record's SHA-256 is \(digest), the document claims \(claimed)") }
        guard let entry = try await store.entry(id: id), entry.entry.kind == .execution else {
            bad("ledgerEntry", "\(id) is not an execution entry of this ledger")
            return out
        }
        if let seq = o["seq"]?.numberValue, Int64(seq) != entry.seq {
            bad("seq", "the document names seq \(Int64(seq)), the entry is at \(entry.seq)")
        }
        if o["entryHash"]?.stringValue != entry.hash.hex {
            bad("entryHash", "the entry's chain hash is \(entry.hash.hex)")
        }
        guard let event = try? ExecutionRecordJSON.decode(body: entry.entry.body, record: id),
            case .asBuiltSigned(let f) = event.fact
        else {
            bad("ledgerEntry", "\(id) is not an asBuiltSigned entry")
            return out
        }
        if f.sha256 != digest { bad("sha256", "the ledger entry signed \(f.sha256), not this record (\(digest))") }
        if f.serial != serial { bad("serial", "the ledger entry signed serial \(f.serial), not \(serial)") }
        guard let sid = f.signature.signatureID, let s = try await store.entry(id: sid), s.entry.kind == .signature,
            let m = Self.manifestation(of: s)
        else {
            bad("signatures", "the entry's signature has no signature entry in the ledger")
            return out
        }
        if m.signer != f.signature.signer { bad("signatures", "\(sid) is signed by \(m.signer), not \(f.signature.signer)") }
        let listed = (o["signatures"]?.arrayValue ?? []).compactMap { v -> String? in
            if case .object(let d) = v { d["signatureID"]?.stringValue } else { nil }
        }
        if listed != [sid] { bad("signatures", "the document lists \(listed), the ledger entry \(sid)") }
        return out
    }
}
