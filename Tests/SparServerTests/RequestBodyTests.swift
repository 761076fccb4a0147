import Foundation
import Hummingbird
import HummingbirdTesting
import SparInterchange
import Testing

@testable import SparServer

/// Bodies cut short of their Content-Length, over a real TCP connection to the server on a free port.
@Suite("Request bodies")
struct RequestBodyTests {
    /// A POST announcing 100 body bytes and sending 10.
    static func truncated(_ path: String, port: Int, contentType: String) -> String {
        "POST \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nContent-Type: \(contentType)\r\nContent-Length: 100\r\n\r\n"
            + #"{"user":"a"#
    }

    @Test(
        "a body shorter than its Content-Length is the client's error: 400 incomplete-body, and the server keeps serving",
        arguments: [
            ("/api/events", "application/x-ndjson"), ("/api/session", "application/json"),
            ("/login", "application/x-www-form-urlencoded"),
        ])
    func truncatedBody(path: String, contentType: String) async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        let app = try await buildApplication(fixture.configuration)
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let answer = try #require(
                try await RawHTTP.exchange(
                    port: port, Self.truncated(path, port: port, contentType: contentType), ending: .halfClose))
            #expect(answer.status == 400, "\(path): \(answer.head)")
            #expect(answer.header("Content-Type") == "application/problem+json")
            let problem = try JSONValue.parse(Data(answer.body.utf8))
            #expect(problem["code"]?.string == "incomplete-body")
            #expect(problem["status"]?.number == 400)
            #expect(problem["title"]?.string == "The body is incomplete")
            #expect(problem["instance"]?.string == path)

            // A client that closes outright gets no answer, and the server serves the next one.
            _ = try await RawHTTP.exchange(
                port: port, Self.truncated(path, port: port, contentType: contentType), ending: .close)
            let health = try await client.execute(uri: "/health", method: .get)
            #expect(health.status == .ok)
            #expect(try JSONValue.parse(Data(String(buffer: health.body).utf8))["status"]?.string == "ok")
        }
    }

    @Test("signed-in mode: sign-in with a cut-short body is 400 too, and nothing is recorded for it")
    func truncatedSignIn() async throws {
        let fixture = try await GovernedFixture.make()
        defer { fixture.remove() }
        let identityBefore = try await fixture.governance().store.count(kind: .identity)
        let app = try await buildApplication(fixture.configuration)
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let answer = try #require(
                try await RawHTTP.exchange(
                    port: port, Self.truncated("/api/session", port: port, contentType: "application/json"),
                    ending: .halfClose))
            #expect(answer.status == 400)
            #expect(try JSONValue.parse(Data(answer.body.utf8))["code"]?.string == "incomplete-body")
            #expect(try await client.execute(uri: "/login", method: .get).status == .ok)
        }
        #expect(try await fixture.governance().store.count(kind: .identity) == identityBefore)
    }
}
