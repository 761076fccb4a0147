import Foundation
import Hummingbird
import HummingbirdTesting
import Synchronization
import Testing

@testable import SparServer

@Suite("Request deadlines")
struct QueryDeadlineTests {
    /// A router with the deadline middleware in front of a read that never finishes by itself and one that does.
    final class Flag: Sendable {
        let value = Mutex(false)
    }

    static func router(cancelled: Flag) -> Router<BasicRequestContext> {
        let router = Router()
        router.middlewares.add(ProblemMiddleware())
        router.middlewares.add(QueryDeadlineMiddleware(deadline: .milliseconds(50), cancelWhenClientLeaves: false))
        router.get("/slow") { _, _ -> String in
            do {
                try await Task.sleep(for: .seconds(3_600))
            } catch {
                cancelled.value.withLock { $0 = true }
                throw error
            }
            return "late"
        }
        router.get("/fast") { _, _ in "done" }
        router.post("/slow-write") { _, _ -> String in
            try await Task.sleep(for: .milliseconds(200))
            return "written"
        }
        return router
    }

    @Test("a read past its deadline is answered 503 and its work is cancelled; quick reads and writes are untouched")
    func deadline() async throws {
        let cancelled = Flag()
        let app = Application(router: Self.router(cancelled: cancelled))
        try await app.test(.router) { client in
            let slow = try await client.execute(uri: "/slow", method: .get)
            #expect(slow.status == .serviceUnavailable)
            #expect(slow.headers[.contentType] == "application/problem+json")
            let body = String(buffer: slow.body)
            #expect(body.contains(#""code":"deadline-exceeded""#))
            #expect(cancelled.value.withLock { $0 })
            let fast = try await client.execute(uri: "/fast", method: .get)
            #expect(fast.status == .ok)
            #expect(String(buffer: fast.body) == "done")
            // Writes are not cut short: an append that has begun finishes and is acknowledged.
            let write = try await client.execute(uri: "/slow-write", method: .post)
            #expect(write.status == .ok)
            #expect(String(buffer: write.body) == "written")
        }
    }

    @Test("a read whose client closes the connection is cancelled, on a served connection")
    func clientLeaves() async throws {
        let cancelled = Flag()
        let router = Router()
        router.middlewares.add(ProblemMiddleware())
        router.middlewares.add(QueryDeadlineMiddleware(deadline: .seconds(3_600), cancelWhenClientLeaves: true))
        router.get("/slow") { _, _ -> String in
            do {
                try await Task.sleep(for: .seconds(3_600))
            } catch {
                cancelled.value.withLock { $0 = true }
                throw error
            }
            return "late"
        }
        try await Application(router: router).test(.live) { client in
            let port = try #require(client.port)
            _ = try await RawHTTP.exchange(port: port, "GET /slow HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", ending: .close)
            // The server notices the closed connection and cancels the handler; wait up to 60 s for it (the
            // tests run in parallel on a loaded machine).
            for _ in 0..<600 where !cancelled.value.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(100)) }
            #expect(cancelled.value.withLock { $0 })
        }
    }
}
