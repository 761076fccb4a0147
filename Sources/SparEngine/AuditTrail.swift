import Foundation
import SparCore
import SparInterchange
import SparLedgerIntegrity
import SparStorage

/// Which ledger entries an audit asks for. Every filter is optional; all given filters must hold.
public struct AuditQuery: Sendable {
    /// An entry id: the entry itself and every correction of it.
    public var record: String?
    /// Who appended it (`recordedBy`).
    public var user: String?
    /// A site id: entries of work units of that site, plus enterprise-wide entries (plant model, blueprint).
    public var site: String?
    /// Server time of the append, `[from, to)`.
    public var from: Timestamp?
    public var to: Timestamp?

    public init(record: String? = nil, user: String? = nil, site: String? = nil, from: Timestamp? = nil, to: Timestamp? = nil) {
        self.record = record
        self.user = user
        self.site = site
        self.from = from
        self.to = to
    }
}

/// One line of the audit trail: who did what, when, and for a correction the old and new values.
public struct AuditLine: Sendable, Hashable {
    public var seq: Int64
    public var recordedAt: Timestamp
    public var recordedBy: String
    public var kind: LedgerEntryKind
    public var type: String
    public var id: String
    public var unit: String
    /// What the entry did, in words.
    public var action: String
    /// The value before (a corrected event's body, or the previous version id); nil for a first record.
    public var oldValue: String?
    /// The value after (the entry's body, a replacement, or `void`).
    public var newValue: String
}

/// Reads the ledger as an audit trail. It only reads: earlier entries are listed as they were stored.
public enum AuditTrail {
    public static func lines(in store: any LedgerStore, matching q: AuditQuery) async throws -> [AuditLine] {
        var out: [AuditLine] = []
        var bodies: [String: String] = [:]
        var lastVersion: [LedgerEntryKind: String] = [:]
        var after: Int64 = 0
        while true {
            let page = try await store.entries(afterSeq: after, limit: 10_000)
            guard let last = page.last else { break }
            after = last.seq
            for e in page {
                let p = e.entry
                var refersTo: String?
                var old: String?
                var new = p.body
                var action: String
                switch p.kind {
                case .event where p.type == "correction":
                    if case .success(let ev) = EventCoding.decode(line: Substring(p.body), lineNumber: nil),
                        case .correction(let c) = ev.payload
                    {
                        refersTo = c.corrects.rawValue
                        old = bodies[c.corrects.rawValue]
                        if old == nil {
                            // Accepted before corrections were checked against their target's kind: it changes
                            // nothing, and the trail says so rather than showing the other record as voided.
                            action = "correction of \(c.corrects.rawValue), which is not an event (no effect)"
                        } else if let r = c.replacement {
                            new = EventCoding.jsonValue(r, includeID: false).canonical
                            action = "corrected \(c.corrects.rawValue)"
                        } else {
                            new = "void"
                            action = "voided \(c.corrects.rawValue)"
                        }
                        if let why = c.reason { action += ": \(why)" }
                    } else {
                        action = "correction"
                    }
                case .event:
                    action = "recorded \(p.type) event"
                case .kpiDefinition:
                    let b = try? JSONValue.parse(Data(p.body.utf8))
                    old = lastVersion[p.kind]
                    new = b?["definition"]?.stringValue ?? p.body
                    lastVersion[p.kind] = new
                    action = "put KPI definition \(new) in force from \(p.ts.rfc3339)"
                    if p.source.hasPrefix("change:") { action += " under \(p.source.dropFirst("change:".count))" }
                case .plantModel, .blueprint:
                    let version = p.id.split(separator: ":", maxSplits: 1).last.map { String($0.split(separator: "@")[0]) } ?? p.id
                    old = lastVersion[p.kind]
                    lastVersion[p.kind] = version
                    new = version
                    action = p.kind == .plantModel ? "recorded plant model version" : "recorded blueprint version"
                    if p.source.hasPrefix("change:") {
                        action += " under \(p.source.dropFirst("change:".count)), effective \(p.ts.rfc3339)"
                    }
                case .fileImport:
                    if let r = LedgerImportRecord.Summary.decode(body: p.body) {
                        action =
                            "imported \(r.file) (\(r.format), SHA-256 \(r.sha256)): \(r.rows) rows, \(r.accepted) accepted, "
                            + "\(r.duplicates) duplicate, \(r.rejected) rejected"
                            + (r.changeRequest.map { "; proposed \($0)" } ?? "")
                    } else {
                        action = "imported a \(p.type) file"
                    }
                case .execution:
                    action = ExecutionAuditText.action(body: p.body, id: p.id, type: p.type)
                    if case .entryCorrected(let c)? = (try? ExecutionRecordJSON.decode(body: p.body, record: p.id))?.fact {
                        refersTo = ExecutionLedger.entryID(c.corrects)
                        old = bodies[refersTo ?? ""]
                    }
                case .identity:
                    action = p.type
                case .checkpointKey:
                    let r = CheckpointKeyRotation.decode(body: p.body)
                    old = r?.previousKey?.keyID
                    new = r?.newKey?.keyID ?? p.body
                    action = "rotated the checkpoint signing key: \(r?.reason ?? "?")"
                case .signature:
                    // The signature's manifestation, listed with the record it signs.
                    let b = try? JSONValue.parse(Data(p.body.utf8))
                    func text(_ k: String) -> String { b?[k]?.stringValue ?? "?" }
                    refersTo = text("record")
                    let signedAt = b?["signedAt"]?.numberValue.map { Timestamp(milliseconds: Int64($0)).rfc3339 } ?? ""
                    action = "signed \(text("record")): \(text("printedName")) (\(text("signer"))) — \(p.type) — \(signedAt) UTC"
                case .changeRequest:
                    action = "change request \(p.type)"
                    if p.type == "proposed", case .object(var o)? = try? JSONValue.parse(Data(p.body.utf8)) {
                        o["content"] = nil
                        new = JSONValue.object(o).canonical
                    }
                }
                if p.kind == .event && p.type != "correction" || p.kind == .execution { bodies[p.id] = p.body }
                if let r = q.record, p.id != r, refersTo != r { continue }
                if let u = q.user, e.recordedBy != u, !e.recordedBy.hasPrefix(u + " ") { continue }
                if let s = q.site, p.kind == .event || p.kind == .signature, EquipmentPath(p.unit).siteID != s { continue }
                if let f = q.from, e.recordedAt < f { continue }
                if let t = q.to, e.recordedAt >= t { continue }
                out.append(
                    AuditLine(
                        seq: e.seq, recordedAt: e.recordedAt, recordedBy: e.recordedBy, kind: p.kind, type: p.type,
                        id: p.id, unit: p.unit, action: action, oldValue: old, newValue: new))
            }
        }
        return out
    }
}
