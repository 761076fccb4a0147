import Foundation
import SparInterchange
import Testing

@testable import SparServer

@Suite("OpenAPI document")
struct OpenAPITests {
    @Test("openapi.json is OpenAPI 3.1 and lists every route the router serves")
    func everyRoute() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        let served = try await fixture.run { client in try await client.get("/openapi.json") }
        #expect(served.status == .ok)
        let doc = try served.json()
        #expect(doc["openapi"]?.string == "3.1.0")
        guard case .object(let paths)? = doc["paths"] else {
            Issue.record("no paths")
            return
        }
        let again = try ServerFixture()
        defer { again.remove() }
        let live = try await loadLiveLedger(again.configuration)
        let router = try buildRouter(live: live, configuration: again.configuration)
        var routes: [String] = []
        for route in router.routes {
            // Hummingbird writes captures as {id} and the catch-all as **; the document names it {path}.
            let path = route.path.description.replacingOccurrences(of: "**", with: "{path}")
            routes.append(path)
            let operation = paths[path]?[route.method.rawValue.lowercased()]
            #expect(operation != nil, "\(route.method) \(path) is not in openapi.json")
        }
        #expect(routes.count >= 16)
        // And nothing documented that is not served.
        for path in paths.keys {
            #expect(routes.contains(path), "\(path) is documented but not served")
        }
    }

    @Test("openapi.json documents the host check on every operation, the new problem codes and the public /health")
    func hardening() throws {
        let doc = try JSONValue.parse(Data(PackageResources.openapi_json))
        guard case .object(let paths)? = doc["paths"] else {
            Issue.record("no paths")
            return
        }
        for (path, item) in paths {
            guard case .object(let operations) = item else { continue }
            for (method, operation) in operations {
                #expect(
                    operation["responses"]?["421"]?["$ref"]?.string == "#/components/responses/MisdirectedRequest",
                    "\(method) \(path)")
            }
        }
        let codes = doc["components"]?["schemas"]?["Problem"]?["properties"]?["code"]?["enum"]?.array?.compactMap(\.string)
        #expect(codes?.contains("incomplete-body") == true)
        #expect(codes?.contains("misdirected-request") == true)
        for (path, method) in [("/api/events", "post"), ("/api/session", "post"), ("/login", "post"), ("/api/signatures", "post")] {
            #expect(paths[path]?[method]?["responses"]?["400"]?["description"]?.string?.contains("incomplete-body") == true, "\(path)")
        }
        let health = paths["/health"]?["get"]
        #expect(health?["security"]?.array?.first == .object([:]), "anonymous allowed")
        #expect(health?["responses"]?["401"] == nil)
        #expect(paths["/api/stream"]?["get"]?["description"]?.string?.contains("numbers the batches of this stream") == true)
    }
}
