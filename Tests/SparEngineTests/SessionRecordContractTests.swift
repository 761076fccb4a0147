import Foundation
import SparPostgres
import SparStorage
import SparTestSupport
import Testing

/// The ``SessionRecordStore`` contract, in the process and on a real PostgreSQL server.
@Suite("Session record store contract")
struct SessionRecordContractTests {
    enum Backend: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case memory, postgres
        var testDescription: String { rawValue }

        func make() async throws -> any SessionRecordStore {
            switch self {
            case .memory: return MemorySessionRecords()
            case .postgres: return try await StoreBackend.postgres()
            }
        }
    }

    @Test("sessions: create, replace, touch (never backwards), signing, end, and the idle and absolute cut-offs", arguments: Backend.allCases)
    func sessions(backend: Backend) async throws {
        let store = try await backend.make()
        try await store.createSession(SessionRecord(key: "k1", user: "ann", createdAt: 1_000, lastSeenAt: 1_000), replacing: nil)
        try await store.createSession(SessionRecord(key: "k2", user: "bob", createdAt: 2_000, lastSeenAt: 2_000), replacing: nil)
        #expect(try await store.session(key: "k1") == SessionRecord(key: "k1", user: "ann", createdAt: 1_000, lastSeenAt: 1_000))
        #expect(try await store.session(key: "nope") == nil)

        try await store.touchSession(key: "k1", at: 5_000)
        try await store.touchSession(key: "k1", at: 4_000)
        #expect(try await store.session(key: "k1")?.lastSeenAt == 5_000)

        try await store.noteSigning(key: "k1", user: "ann", at: 4_500)
        #expect(try await store.session(key: "k1")?.signingUser == "ann")
        #expect(try await store.session(key: "k1")?.lastSigningAt == 4_500)

        // A new sign-in replaces the caller's previous session in the same step.
        try await store.createSession(SessionRecord(key: "k3", user: "ann", createdAt: 6_000, lastSeenAt: 6_000), replacing: "k1")
        #expect(try await store.session(key: "k1") == nil)
        #expect(try await store.sessionCount() == 2)

        #expect(try await store.endSession(key: "k2"))
        #expect(try await store.endSession(key: "k2") == false)

        try await store.createSession(SessionRecord(key: "old", user: "cy", createdAt: 100, lastSeenAt: 9_000), replacing: nil)
        try await store.createSession(SessionRecord(key: "idle", user: "di", createdAt: 7_000, lastSeenAt: 7_000), replacing: nil)
        // Idle before 6,500 or created before 500: "old" (created at 100) goes; k3 (seen 6,000) goes; "idle" stays.
        try await store.endSessions(idleBefore: 6_500, createdBefore: 500)
        #expect(try await store.session(key: "old") == nil)
        #expect(try await store.session(key: "k3") == nil)
        #expect(try await store.session(key: "idle")?.user == "di")
        #expect(try await store.sessionCount() == 1)
    }

    @Test("attempts: a key admits its limit per window, a refusal records nothing and says how long to wait", arguments: Backend.allCases)
    func attempts(backend: Backend) async throws {
        let store = try await backend.make()
        let user = SessionAttemptKey("login|addr|ann", limit: 2)
        let address = SessionAttemptKey("login|addr", limit: 3)
        #expect(try await store.admitAttempt(keys: [user, address], at: 10_000, window: 60_000) == nil)
        #expect(try await store.admitAttempt(keys: [user, address], at: 20_000, window: 60_000) == nil)
        // The user key is full: wait until the first attempt leaves the window, 10,000 + 60,000 − 30,000 ms.
        #expect(try await store.admitAttempt(keys: [user, address], at: 30_000, window: 60_000) == 40_000)
        // The refusal was not recorded under the address key, which still admits one.
        #expect(try await store.admitAttempt(keys: [address], at: 31_000, window: 60_000) == nil)
        #expect(try await store.admitAttempt(keys: [address], at: 32_000, window: 60_000) == 38_000)
        // Once the first attempt is more than a window old the user key admits again.
        #expect(try await store.admitAttempt(keys: [user], at: 70_001, window: 60_000) == nil)
        #expect(try await store.admitAttempt(keys: [user], at: 70_002, window: 60_000) == 9_998)
    }
}
