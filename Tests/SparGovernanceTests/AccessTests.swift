import Foundation
import SparCore
import SparEngine
import SparGovernance
import SparStorage
import Testing

@Suite("Roles and sites")
struct AccessTests {
    @Test("the role matrix: what each role may do")
    func matrix() {
        let expected: [Role: Set<Permission>] = [
            .operator: [.read, .ingest, .sign],
            .supervisor: [.read, .ingest, .correct, .sign, .approveChange],
            .quality: [.read, .correct, .sign, .approveChange],
            .engineer: [.read, .sign, .proposeChange, .approveChange],
            .admin: [.read, .sign, .proposeChange, .manageUsers, .verify],
            .auditor: [.read, .verify],
            .customer: [.read, .sign],
        ]
        for role in Role.allCases { #expect(role.permissions == expected[role], "\(role)") }
    }

    @Test("every role scoped to site a: nothing on site b, and the enterprise scope needs every site")
    func crossSite() throws {
        let model = GovernanceFixture.twoSites
        for role in Role.allCases {
            let p = Principal(kind: .user, name: role.rawValue, roles: [role], sites: .sites(["a"]), station: "t")
            for permission in Permission.allCases {
                #expect(throws: AccessDenied.self, "\(role) \(permission) on b") { try p.authorize(permission, sites: ["b"]) }
                if role.permissions.contains(permission) {
                    try p.authorize(permission, sites: ["a"])
                } else {
                    #expect(throws: AccessDenied.self) { try p.authorize(permission, sites: ["a"]) }
                }
            }
            #expect(model.sites(readBy: "e") == ["a", "b"])
            #expect(throws: AccessDenied.self) { try p.authorize(.read, sites: model.sites(readBy: "e")) }
            try p.authorize(.read, sites: model.sites(readBy: "e/a/x"))
        }
    }

    @Test("ingest by user: own site accepted, other site rejected per event, auditor and quality cannot ingest")
    func ingest() async throws {
        let f = try await GovernanceFixture()
        let op = try await f.enroll("olga", .operator, sites: .sites(["a"]))
        let auditor = try await f.enroll("avery", .auditor, sites: .all)
        #expect(try await f.event(site: "a", id: "e1", by: op).accepted == 1)
        let foreign = try await f.event(site: "b", id: "e2", by: op)
        #expect(foreign.accepted == 0)
        #expect(foreign.rejections.map(\.field) == ["unit"])
        let audit = try await f.event(site: "a", id: "e3", by: auditor)
        #expect(audit.rejections.map(\.field) == ["type"])
        #expect(try await f.store.entry(id: "e2") == nil)
        #expect(try await f.store.entry(id: "e3") == nil)
    }

    @Test("a person's correction needs a reason; the audit trail shows it")
    func correctionReason() async throws {
        let f = try await GovernanceFixture()
        let sam = try await f.enroll("sam", .supervisor, sites: .sites(["a"]))
        #expect(try await f.event(site: "a", id: "e1", by: sam).accepted == 1)
        let ingest = IngestEvents(model: f.model, store: f.store, recordedBy: "x", principal: sam, now: { [clock = f.clock] in clock.now })
        let bare = #"{"id":"c1","ts":"2026-06-01T07:30:00Z","source":"mes","unit":"e/a/x/w/u1","type":"correction","corrects":"e1","void":true}"#
        let noReason = try await ingest.ingest(lines: [(1, Substring(bare))])
        #expect(noReason.rejections.map(\.field) == ["reason"])
        let withReason = bare.replacingOccurrences(of: #""void":true"#, with: #""void":true,"reason":"entered on the wrong unit""#)
        #expect(try await ingest.ingest(lines: [(1, Substring(withReason))]).accepted == 1)
        let trail = try await AuditTrail.lines(in: f.store, matching: AuditQuery(record: "e1"))
        #expect(trail.map(\.action) == ["recorded state event", "voided e1: entered on the wrong unit"])
        #expect(trail.last?.recordedBy.hasPrefix("user:sam (supervisor; sites a)") == true)
    }

    @Test("a correction can neither void another site's event nor move one into another site")
    func crossSiteCorrection() async throws {
        let f = try await GovernanceFixture()
        let sam = try await f.enroll("sam", .supervisor, sites: .sites(["a"]))
        _ = try await f.event(site: "a", id: "ea")
        _ = try await f.event(site: "b", id: "eb")
        let ingest = IngestEvents(model: f.model, store: f.store, recordedBy: "x", principal: sam, now: { [clock = f.clock] in clock.now })
        let voidB = #"{"id":"c1","ts":"2026-06-01T07:30:00Z","source":"mes","unit":"e/a/x/w/u1","type":"correction","corrects":"eb","void":true,"reason":"r"}"#
        let moveToB = #"{"id":"c2","ts":"2026-06-01T07:30:00Z","source":"mes","unit":"e/a/x/w/u1","type":"correction","corrects":"ea","reason":"r","replacement":{"ts":"2026-06-01T07:00:00Z","source":"mes","unit":"e/b/x/w/u1","type":"state","reason":"jam"}}"#
        let report = try await ingest.ingest(lines: [(1, Substring(voidB)), (2, Substring(moveToB))])
        #expect(report.accepted == 0)
        #expect(report.rejections.map(\.field) == ["corrects", "replacement.unit"])
    }
}
