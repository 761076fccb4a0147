import ArgumentParser
import Foundation
import SparCore
import SparEngine
import SparInterchange
import SparSQLite

struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "List who appended what to the ledger, when, and for corrections the old and new values.",
        discussion: """
            Reads the ledger in sequence order and never alters it. Filters combine: --record ID shows an entry
            and every correction of it; --site keeps entries of that site's work units and enterprise-wide ones.

            A user of some sites sees the events and signatures of those sites only, and the identity entries of
            the users and tokens that ever held one of those sites or hold every site ('*'); identity entries of
            people and systems confined to other sites stay hidden.
            """
    )

    @Option(name: [.customLong("db"), .customLong("database")], help: "Ledger: an SQLite file or a postgres:// address.")
    var db: String = defaultLedger

    @Option(help: "An entry id: the entry and its corrections.")
    var record: String?

    @Option(help: "Who appended it (as recorded, e.g. local:alice).")
    var user: String?

    @Option(help: "A site id.")
    var site: String?

    @Option(help: "Recorded at or after (RFC 3339).")
    var from: String?

    @Option(help: "Recorded before (RFC 3339).")
    var to: String?

    @Option(help: "Output: text or json.")
    var format: Format = .text

    @Option(help: "At most this many lines (the latest ones); 0 for all.")
    var limit = 200

    @OptionGroup var identity: IdentityOptions

    enum Format: String, ExpressibleByArgument { case text, json }

    func run() async throws {
        do {
            let ledger = try await GovernedLedger.open(db: db, identity: identity)
            try ledger.authorize(.read, sites: site.map { [$0] } ?? [])
            let store = ledger.store
            let scope = ledger.principal.sites
            let query = AuditQuery(
                record: record, user: user, site: site, from: try from.map { try parseTime($0, option: "--from") },
                to: try to.map { try parseTime($0, option: "--to") })
            let identities = scope == .all ? nil : IdentityVisibility(entries: try await store.entries(kind: .identity))
            var lines = try await AuditTrail.lines(in: store, matching: query).filter { l in
                // Entries of another site's work units (events and their signatures), and identity entries of users
                // and tokens confined to other sites, stay hidden from site-scoped users.
                if l.kind == .identity, let identities { return identities.isVisible(body: l.newValue, to: scope) }
                guard l.kind == .event || l.kind == .signature, scope != .all else { return true }
                return EquipmentPath(l.unit).siteID.map(scope.contains) ?? true
            }
            let total = lines.count
            if limit > 0, lines.count > limit { lines = Array(lines.suffix(limit)) }
            if format == .json {
                let array = JSONValue.array(lines.map { l in
                    var o: [String: JSONValue] = [
                        "seq": .number(Double(l.seq)), "recordedAt": .string(l.recordedAt.rfc3339),
                        "recordedBy": .string(l.recordedBy), "kind": .string(l.kind.rawValue), "type": .string(l.type),
                        "id": .string(l.id), "unit": .string(l.unit), "action": .string(l.action),
                        "newValue": .string(l.newValue),
                    ]
                    if let old = l.oldValue { o["oldValue"] = .string(old) }
                    return .object(o)
                })
                Console.out(array.canonical)
            } else {
                Console.out("\(total) entr\(total == 1 ? "y" : "ies") (times are server time, UTC)" + (total > lines.count ? "; showing the last \(lines.count)" : ""))
                for l in lines {
                    Console.out("#\(l.seq)  \(l.recordedAt.rfc3339)  \(l.recordedBy)  \(l.action)  id \(l.id)  \(l.unit)")
                    if let old = l.oldValue { Console.out("    old: \(old)") }
                    if l.oldValue != nil || l.kind != .event { Console.out("    new: \(l.newValue)") }
                }
            }
        } catch {
            throw ExitCode(Console.fail(error).code)
        }
    }
}
