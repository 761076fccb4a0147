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
}
