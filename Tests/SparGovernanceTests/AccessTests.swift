import Foundation
import SparCore
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
}
