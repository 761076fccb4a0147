import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The HTTP requests an MTConnect connector makes of an agent: `/probe`, `/current` and `/sample?from=&count=`.
public struct MTConnectAgent: Sendable {
    public let base: URL
    /// Seconds a request may take before it fails.
    public let timeout: Double
    let session: URLSession

    public init(base: URL, timeout: Double = 10) {
        self.base = base
        self.timeout = timeout
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.timeoutIntervalForResource = timeout
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        session = URLSession(configuration: configuration)
    }

    /// A request that got no MTConnect document: the agent could not be reached, or answered with an HTTP error.
    public struct Unreachable: Error, Sendable, CustomStringConvertible {
        public var url: String
        public var reason: String
        public var description: String { "\(url): \(reason)" }
    }

    public func probe() async throws -> Data { try await get("probe", []) }

    public func current() async throws -> Data { try await get("current", []) }

    public func sample(from: Int64, count: Int) async throws -> Data {
        try await get("sample", [URLQueryItem(name: "from", value: String(from)), URLQueryItem(name: "count", value: String(count))])
    }

    func get(_ path: String, _ query: [URLQueryItem]) async throws -> Data {
        var components = URLComponents(url: base.appendingPathComponent(path), resolvingAgainstBaseURL: false)
        if !query.isEmpty { components?.queryItems = query }
        guard let url = components?.url else { throw Unreachable(url: base.absoluteString + "/" + path, reason: "not a URL") }
        var request = URLRequest(url: url)
        request.timeoutInterval = timeout
        request.setValue("application/xml", forHTTPHeaderField: "Accept")
        let (data, response): (Data, URLResponse)
        do {
            (data, response) = try await session.data(for: request)
        } catch {
            throw Unreachable(url: url.absoluteString, reason: error.localizedDescription)
        }
        // Agents answer errors such as OUT_OF_RANGE with an MTConnectError document and a 4xx status; the caller
        // reads the document.
        if let http = response as? HTTPURLResponse, !(200..<300).contains(http.statusCode),
            !String(decoding: data.prefix(512), as: UTF8.self).contains("MTConnectError")
        {
            throw Unreachable(url: url.absoluteString, reason: "HTTP \(http.statusCode)")
        }
        return data
    }
}
