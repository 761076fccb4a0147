import Foundation
import Hummingbird
import HummingbirdTesting
import SparCore
import SparEngine
import SparInterchange
import SparSQLite
import SparTestSupport
import Testing

@testable import SparServer

@Suite("The server follows change control")
struct EffectiveDefinitionsTests {
    @Test("a plant model version recorded beside the running server applies from its effective time, not before")
    func newVersionTakesEffect() async throws {
        let clock = ManualClock(ServerFixture.clock)
        let fixture = try ServerFixture(now: clock.function)
        let oldVersion = PlantModelFile.fingerprint(Fixtures.plant())
        // From 01:00 the unit is scheduled only 00:00–01:00 each day: PBT of the 2-hour window drops from 2 h to 1 h.
        let oneHour = WorkCalendar(
            id: "first-hour",
            shifts: [Shift(name: "A", days: Weekday.allCases, start: TimeOfDay(minutes: 0), end: TimeOfDay(minutes: 60))])
        let next = Fixtures.plant(siteCalendar: "first-hour", calendars: [oneHour])
        let effective = ServerFixture.clock.adding(seconds: 3_600)
        let database = fixture.configuration.database
        try await fixture.run { client in
            _ = try await client.post(ndjson: ServerFixture.day.joined(separator: "\n"))
            let uri = "/api/kpi?scope=\(ServerFixture.unit)&from=2026-06-10T00:00:00Z&to=2026-06-10T02:00:00Z"
            func read() async throws -> (pbt: Double?, availability: Double?, version: String?) {
                let j = try await client.get(uri).json()
                return (j["elements"]?["PBT"]?.number, j["kpis"]?["availability"]?.number, j["lineage"]?["plantModelVersion"]?.string)
            }
            #expect(try await read() == (7200, 0.5, oldVersion))
            // Recorded by another process (as an approved change request does), effective an hour from now.
            let beside = try SQLiteLedgerStore(path: database)
            let entry = LedgerPlantModel.entry(next, effectiveAt: effective, changeRequest: "CR-0001", recordedAt: clock.now)
            _ = try await beside.append([entry], recordedAt: clock.now, recordedBy: "user:quality")
            #expect(try await read() == (7200, 0.5, oldVersion), "not in force yet")
            clock.advance(minutes: 59)
            #expect(try await read() == (7200, 0.5, oldVersion))
            clock.advance(minutes: 1)
            #expect(try await read() == (3600, 1.0, PlantModelFile.fingerprint(next)))
        }
    }
}
