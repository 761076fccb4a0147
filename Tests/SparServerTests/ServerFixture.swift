import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Prometheus
import SparCore
import SparInterchange
import SparTestSupport

@testable import SparServer

/// A temporary ledger with the one-unit fixture plant (`e/s/a/w/u1`, UTC, no calendar: scheduled around the clock),
/// served by the real `buildApplication` with a fixed clock.
struct ServerFixture {
    let folder: URL
    let configuration: ServerConfiguration
    let registry: PrometheusCollectorRegistry

    static let unit = "e/s/a/w/u1"
    /// The server clock: a day after the events, so none is refused as clock skew.
    static let clock = t("2026-06-11T00:00:00Z")

    init(plant: PlantModel = Fixtures.plant(), now: @escaping @Sendable () -> Timestamp = { ServerFixture.clock }) throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("spar-server-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let plantFile = folder.appendingPathComponent("plant.json").path
        try PlantModelFile.canonicalJSON(plant).write(toFile: plantFile, atomically: true, encoding: .utf8)
        registry = PrometheusCollectorRegistry()
        var logger = Logger(label: "spar.server.test")
        logger.logLevel = .warning
        configuration = ServerConfiguration(
            port: 0, database: folder.appendingPathComponent("ledger.sqlite").path, plantPath: plantFile,
            recordedBy: "test", metrics: registry, now: now, logger: logger)
    }

    func remove() { try? FileManager.default.removeItem(at: folder) }

    /// Runs `test` against the application in process (Hummingbird's router test framework).
    func run<Value: Sendable>(_ test: @Sendable (any TestClientProtocol) async throws -> Value) async throws -> Value {
        defer { remove() }
        let app = try await buildApplication(configuration)
        return try await app.test(.router) { client in try await test(client) }
    }

    /// One event line of the contract.
    static func state(_ id: String, _ ts: String, _ state: String, reason: String? = nil, unit: String = unit) -> String {
        var o: [String: JSONValue] = [
            "id": .string(id), "ts": .string(ts), "source": .string("mes"), "unit": .string(unit),
            "type": .string("state"), "state": .string(state),
        ]
        if let reason { o["reason"] = .string(reason) }
        return JSONValue.object(o).canonical
    }

    /// The hand-worked day: run 00:00–01:00, down (`stuck`, not a failure) 01:00–…, and an energy reading at
    /// 01:59:30 so that the latest event makes pages end their "today" at 02:00.
    static let day: [String] = [
        state("r1", "2026-06-10T00:00:00Z", "production", reason: "run"),
        state("d1", "2026-06-10T01:00:00Z", "down", reason: "stuck"),
        #"{"id":"k1","kwh":12.5,"source":"mes","ts":"2026-06-10T01:59:30Z","type":"energy","unit":"e/s/a/w/u1"}"#,
    ]
}

extension TestClientProtocol {
    func post(json body: String) async throws -> TestResponse {
        try await execute(
            uri: "/api/events", method: .post, headers: [.contentType: "application/json"],
            body: ByteBuffer(string: body))
    }

    func post(ndjson body: String) async throws -> TestResponse {
        try await execute(
            uri: "/api/events", method: .post, headers: [.contentType: "application/x-ndjson"],
            body: ByteBuffer(string: body))
    }

    func get(_ uri: String, accept: String? = nil) async throws -> TestResponse {
        var headers: HTTPFields = [:]
        if let accept { headers[.accept] = accept }
        return try await execute(uri: uri, method: .get, headers: headers)
    }
}

extension TestResponse {
    var text: String { String(buffer: body) }

    func json() throws -> JSONValue { try JSONValue.parse(Data(text.utf8)) }
}

extension JSONValue {
    var number: Double? {
        if case .number(let n) = self { n } else { nil }
    }
    var string: String? {
        if case .string(let s) = self { s } else { nil }
    }
    var array: [JSONValue]? {
        if case .array(let a) = self { a } else { nil }
    }
}
