import Foundation
import SparCore
import SparEngine
import SparGovernance
import SparSQLite
import SparStorage
import SparTestSupport
import Synchronization

/// A server clock the test moves by hand.
final class TestClock: Sendable {
    private let value: Mutex<Timestamp>
    init(_ start: Timestamp) { value = Mutex(start) }
    var now: Timestamp { value.withLock { $0 } }
    func advance(seconds: Int64) { value.withLock { $0 = $0.adding(seconds: seconds) } }
}

/// A two-site plant (sites `a` and `b`, one unit each) on an SQLite ledger, with an admin and users per role.
struct GovernanceFixture {
    static let start = t("2026-06-01T08:00:00Z")
    static let password = "correct horse battery"

    let dir: URL
    let store: SQLiteLedgerStore
    let clock: TestClock
    let governance: Governance
    let model: PlantModel
    let admin: Principal

    static var twoSites: PlantModel {
        func site(_ id: String) -> Site {
            Site(
                id: id, timeZone: "UTC",
                areas: [Area(id: "x", workCenters: [WorkCenter(id: "w", kind: .productionLine, workUnits: [WorkUnit(id: "u1")])])])
        }
        return PlantModel(enterprise: "e", sites: [site("a"), site("b")], reasons: Fixtures.reasons, systems: Fixtures.systems)
    }

    init() async throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("spar-gov-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        store = try SQLiteLedgerStore(path: dir.appendingPathComponent("ledger.sqlite").path)
        let clock = TestClock(Self.start)
        self.clock = clock
        governance = Governance(store: store, clock: { clock.now })
        model = Self.twoSites
        _ = try await LedgerPlantModel.record(
            model, in: store, allowNewVersion: false, recordedAt: clock.now, recordedBy: "local:test")
        try await governance.enroll(
            user: "admin", printedName: "Ada Admin", roles: [.admin], sites: .all, password: Self.password,
            by: .local("test", station: "test"))
        admin = try await governance.authenticate(
            Credentials(user: "admin", password: Self.password), station: "test", purpose: "login")
    }

    /// Enrols `user` with one role and sites, password `GovernanceFixture.password`.
    @discardableResult
    func enroll(_ user: String, _ role: Role, sites: SiteScope, name: String? = nil) async throws -> Principal {
        try await governance.enroll(
            user: user, printedName: name ?? user.capitalized, roles: [role], sites: sites, password: Self.password,
            by: admin)
        return try await governance.authenticate(
            Credentials(user: user, password: Self.password), station: "test", purpose: "login")
    }

    func credentials(_ user: String?, _ password: String = GovernanceFixture.password) -> Credentials {
        Credentials(user: user, password: password)
    }

    /// Appends one state event of site `site`'s unit and returns its id.
    func event(site: String, id: String, by principal: Principal? = nil, source: String = "mes") async throws -> IngestReport {
        let line = #"{"id":"\#(id)","ts":"2026-06-01T07:00:00Z","source":"\#(source)","unit":"e/\#(site)/x/w/u1","type":"state","reason":"run"}"#
        let ingest = IngestEvents(
            model: model, store: store, recordedBy: "local:test", principal: principal, now: { [clock] in clock.now })
        return try await ingest.ingest(lines: [(1, Substring(line))])
    }
}
