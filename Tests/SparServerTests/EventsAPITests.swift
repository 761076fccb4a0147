import Foundation
import Hummingbird
import HummingbirdTesting
import SparInterchange
import Testing

@testable import SparServer

@Suite("POST /api/events")
struct EventsAPITests {
    @Test("a JSON array is answered line by line: accepted, rejected with reason and field, then duplicate on repeat")
    func jsonArray() async throws {
        try await ServerFixture().run { client in
            let bad = ServerFixture.state("x1", "2026-06-10T00:30:00Z", "production", unit: "e/s/a/w/nope")
            let body = "[" + (ServerFixture.day + [bad]).joined(separator: ",") + "]"
            let first = try await client.post(json: body)
            #expect(first.status == .ok)
            let a = try first.json()
            #expect(a["accepted"]?.number == 3)
            #expect(a["rejected"]?.number == 1)
            #expect(a["duplicates"]?.number == 0)
            let results = try #require(a["results"]?.array)
            #expect(results.map { $0["status"]?.string } == ["accepted", "accepted", "accepted", "rejected"])
            #expect(results.map { $0["line"]?.number } == [1, 2, 3, 4])
            #expect(results[3]["id"]?.string == "x1")
            #expect(results[3]["field"]?.string == "unit")
            #expect(results[3]["reason"]?.string?.contains("unknown work unit") == true)

            // The same body again: idempotent, nothing new stored.
            let again = try await client.post(json: body).json()
            #expect(again["accepted"]?.number == 0)
            #expect(again["duplicates"]?.number == 3)
            #expect(again["rejected"]?.number == 1)
        }
    }

    @Test("JSON Lines keep their physical line numbers; a malformed line is rejected alone, blank lines are skipped")
    func ndjson() async throws {
        try await ServerFixture().run { client in
            let body = [
                ServerFixture.day[0], "", "{not json", ServerFixture.day[1],
                ServerFixture.state("m1", "2026-06-10T01:30:00Z", "down", reason: "no-such-reason"),
            ].joined(separator: "\n") + "\n"
            let r = try await client.post(ndjson: body).json()
            let results = try #require(r["results"]?.array)
            #expect(results.map { $0["line"]?.number } == [1, 3, 4, 5])
            #expect(results.map { $0["status"]?.string } == ["accepted", "rejected", "accepted", "rejected"])
            #expect(results[1]["reason"]?.string?.hasPrefix("malformed JSON") == true)
            #expect(results[3]["field"]?.string == "reason")
            #expect(r["lines"]?.number == 4)
        }
    }

    @Test("a bad body is a problem with a stable code, never a 500", arguments: [
        ("application/json", "[{\"id\":", 400, "malformed-json"),
        ("application/json", "{\"id\":\"e1\"}", 400, "not-an-array"),
        ("application/json", "  \n", 400, "empty-body"),
        ("application/x-ndjson", "", 400, "empty-body"),
        ("text/csv", "id,ts\n", 415, "unsupported-media-type"),
    ])
    func badBodies(contentType: String, body: String, status: Int, code: String) async throws {
        try await ServerFixture().run { client in
            let r = try await client.execute(
                uri: "/api/events", method: .post, headers: [.contentType: contentType], body: ByteBuffer(string: body))
            #expect(Int(r.status.code) == status)
            #expect(r.headers[.contentType] == "application/problem+json")
            let p = try r.json()
            #expect(p["code"]?.string == code)
            #expect(p["type"]?.string == "urn:spar:problem:\(code)")
            #expect(p["status"]?.number == Double(status))
            #expect(p["detail"]?.string?.isEmpty == false)
        }
    }

    @Test("/metrics counts accepted, duplicate and rejected events and times requests")
    func metrics() async throws {
        try await ServerFixture().run { client in
            let body = "[" + ServerFixture.day.joined(separator: ",") + "]"
            _ = try await client.post(json: body)
            _ = try await client.post(json: body)
            _ = try await client.post(ndjson: "oops\n")
            let m = try await client.get("/metrics")
            #expect(m.status == .ok)
            let text = m.text
            #expect(text.contains(#"spar_ingest_events_total{outcome="accepted"} 3"#))
            #expect(text.contains(#"spar_ingest_events_total{outcome="duplicate"} 3"#))
            #expect(text.contains(#"spar_ingest_events_total{outcome="rejected"} 1"#))
            #expect(text.contains("spar_ingest_batches_total 3"))
            #expect(text.contains(#"spar_http_request_duration_seconds_count{route="/api/events",method="POST",status="200"} 3"#))
            #expect(text.contains("# TYPE spar_http_request_duration_seconds histogram"))
        }
    }

    @Test("the stream sends a batch event after a post")
    func stream() async throws {
        enum Outcome: Sendable {
            case stream(String)
            case poster
        }
        try await ServerFixture().run { client in
            let body = "[" + ServerFixture.day.joined(separator: ",") + "]"
            let streamed = try await withThrowingTaskGroup(of: Outcome.self) { group in
                group.addTask { .stream(try await client.get("/api/stream?max=1").text) }
                // The stream subscribes when its request is handled, which the test cannot see: post (duplicates after
                // the first time) until the stream has seen a batch and ended. Bounded, no sleeps.
                group.addTask {
                    var posts = 0
                    while !Task.isCancelled, posts < 10_000 {
                        _ = try await client.post(json: body)
                        posts += 1
                        await Task.yield()
                    }
                    return .poster
                }
                while let outcome = try await group.next() {
                    if case .stream(let text) = outcome {
                        group.cancelAll()
                        return text
                    }
                }
                return ""
            }
            #expect(streamed.contains("event: hello"))
            #expect(streamed.contains("event: batch"))
            // The stream numbers its own batches (the first it sends is 1, its SSE id too) and carries no generation.
            #expect(streamed.contains("id: 1\nevent: batch\ndata: {\"accepted\""))
            #expect(streamed.contains(#""batch":1"#))
            #expect(!streamed.contains("generation"))
        }
    }
}
