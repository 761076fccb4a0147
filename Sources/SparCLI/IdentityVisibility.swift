import Foundation
import SparCore
import SparInterchange
import SparStorage

/// Which identity entries of the audit trail a reader of some sites sees.
///
/// An identity entry is about one user (enrolment, role and site changes, passwords, sign-ins, lockouts) or one
/// token (issue, revocation). A reader of some sites sees the entries of the users and tokens that ever held one of
/// those sites, and of those that hold every site (`*`: enterprise administrators and auditors, who can act on the
/// reader's site too), over their whole history; the identity entries of people and systems confined to other sites
/// stay hidden. A reader of every site sees them all.
struct IdentityVisibility: Sendable {
    /// Every site each user held at any time (`*` once they held every site).
    private(set) var users: [String: SiteScope] = [:]
    /// The sites of each token.
    private(set) var tokens: [String: SiteScope] = [:]

    /// Folds the ledger's identity entries (any order).
    init(entries: [LedgerEntry]) {
        for e in entries where e.entry.kind == .identity {
            let body = Self.body(e.entry.body)
            guard let sites = body["sites"]?.stringValue.flatMap(SiteScope.init(parsing:)) else { continue }
            if e.entry.type == "token.issued", let id = body["tokenID"]?.stringValue {
                tokens[id] = sites
            } else if let user = body["user"]?.stringValue {
                users[user] = Self.union(users[user], sites)
            }
        }
    }

    /// True when a reader of `scope` may see an identity entry with this body.
    func isVisible(body text: String, to scope: SiteScope) -> Bool {
        guard case .sites(let readable) = scope else { return true }
        let body = Self.body(text)
        let subject: SiteScope?
        if let token = body["tokenID"]?.stringValue {
            subject = tokens[token]
        } else if let user = body["user"]?.stringValue {
            subject = users[user]
        } else {
            subject = nil
        }
        switch subject {
        case .all?: return true
        case .sites(let sites)?: return !sites.isDisjoint(with: readable)
        case nil: return false
        }
    }

    static func union(_ a: SiteScope?, _ b: SiteScope) -> SiteScope {
        switch (a, b) {
        case (.all?, _), (_, .all): .all
        case (.sites(let x)?, .sites(let y)): .sites(x.union(y))
        case (nil, _): b
        }
    }

    static func body(_ text: String) -> [String: JSONValue] {
        if case .object(let o)? = try? JSONValue.parse(Data(text.utf8)) { return o }
        return [:]
    }
}
