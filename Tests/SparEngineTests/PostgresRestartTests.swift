import Foundation
import SparCore
import SparLedgerIntegrity
import SparPostgres
import SparStorage
import SparTestSupport
import Synchronization
import Testing

/// A PostgreSQL server restarted (immediate shutdown, as a crash) under a store that is reading and appending.
@Suite("PostgreSQL restart")
struct PostgresRestartTests {
    /// What one operation did.
    enum Outcome: Sendable, Equatable {
        case answered, failed, unanswered
    }

    /// Runs `body`, or gives up waiting for it after `seconds` (leaving it running).
    static func within(_ seconds: Double, _ body: @escaping @Sendable () async throws -> Void) async -> Outcome {
        let done = Mutex(false)
        return await withCheckedContinuation { (continuation: CheckedContinuation<Outcome, Never>) in
            let claim: @Sendable () -> Bool = { done.withLock { was in defer { was = true }; return !was } }
            Task {
                try? await Task.sleep(for: .seconds(seconds))
                if claim() { continuation.resume(returning: .unanswered) }
            }
            Task {
                let outcome: Outcome
                do {
                    try await body()
                    outcome = .answered
                } catch {
                    outcome = .failed
                }
                if claim() { continuation.resume(returning: outcome) }
            }
        }
    }

    /// The state the workers share.
    final class Probe: Sendable {
        let counter = Mutex(0)
        let outcomes = Mutex<[Outcome]>([])
        /// Ids of the events of every append that answered.
        let acknowledged = Mutex<[String]>([])
        let stop = Mutex(false)

        /// Fifty new count events over seven units.
        func batch() -> [PendingEntry] {
            (0..<50).map { _ in
                let n = counter.withLock { $0 += 1; return $0 }
                return LedgerStoreContractTests.entry("e\(n)", Int64(n) * 1_000, unit: "e/s/a/w/u\(n % 7)")
            }
        }
    }

    @Test("operations in flight when the server restarts each end with an answer or an error within seconds; afterwards appends continue the chain")
    func restartUnderLoad() async throws {
        let server = try PostgresServer.privateCluster()
        defer { server.stop() }
        let restart = try #require(server.restartCommand)
        let url = try server.freshDatabase()
        let key = StoreBackend.temporaryPath(".key")
        let store = try await PostgresLedgerStore(url: url, signingKeyPath: key, maximumConnections: 4)
        let probe = Probe()
        @Sendable func batch() -> [PendingEntry] { probe.batch() }
        _ = try await store.append(batch(), recordedAt: Timestamp(milliseconds: 1), recordedBy: "t")

        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<4 {
                group.addTask {
                    while !probe.stop.withLock({ $0 }) {
                        let entries = batch()
                        let outcome = await Self.within(20) {
                            if worker % 2 == 0 {
                                let out = try await store.append(entries, recordedAt: Timestamp(milliseconds: 2), recordedBy: "t")
                                #expect(out.allSatisfy { if case .accepted = $0 { true } else { false } })
                                probe.acknowledged.withLock { $0 += entries.map(\.id) }
                            } else {
                                _ = try await store.ledgerSize()
                                _ = try await store.latestCheckpoint()
                            }
                        }
                        probe.outcomes.withLock { $0.append(outcome) }
                        if outcome != .answered { try await Task.sleep(for: .milliseconds(100)) }
                    }
                }
            }
            group.addTask {
                try await Task.sleep(for: .seconds(1))
                #expect(system(restart) == 0)
                try await Task.sleep(for: .seconds(4))
                probe.stop.withLock { $0 = true }
            }
            try await group.waitForAll()
        }
        let seen = probe.outcomes.withLock { $0 }
        let unanswered = seen.filter { $0 == .unanswered }.count
        #expect(unanswered == 0, "\(unanswered) of \(seen.count) operations were not answered within 20 s")
        #expect(seen.contains(.answered))
        // The restart caught operations in flight (each worker is always inside one), and they failed rather than hung.
        #expect(seen.contains(.failed), "\(seen.count) operations, none in flight at the restart")

        // The server ran durable (fsync, synchronous commit): nothing an append acknowledged was lost in the crash.
        let ids = probe.acknowledged.withLock { $0 }
        let stored = try await store.bodies(ids: ids)
        #expect(ids.count > 100 && stored.count == ids.count, "\(ids.count - stored.count) of \(ids.count) acknowledged events lost")
        let size = try await store.ledgerSize()
        let after = await Self.within(20) {
            let out = try await store.append(batch(), recordedAt: Timestamp(milliseconds: 3), recordedBy: "t")
            #expect(out.first == .accepted(seq: size + 1))
        }
        #expect(after == .answered)
        let report = try await store.audit(publicKey: try store.checkpointPublicKey())
        #expect(report.isIntact, "\(report.findings)")
    }
}
