import Foundation
import Synchronization
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
            (data, response) = try await fetch(request)
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

    /// Runs `request` without ever cancelling its `URLSessionTask`: FoundationNetworking can crash the process when a
    /// task is cancelled as it completes ("a task that is not in the registry"). A cancelled caller is answered at
    /// once with `CancellationError`; the request then runs out on its own, within `timeout`.
    func fetch(_ request: URLRequest) async throws -> (Data, URLResponse) {
        let answer = OneAnswer()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<(Data, URLResponse), any Error>) in
                answer.wait(continuation)
                if Task.isCancelled {
                    answer.give(.failure(CancellationError()))
                    return
                }
                session.dataTask(with: request) { data, response, error in
                    if let data, let response {
                        answer.give(.success((data, response)))
                    } else {
                        answer.give(.failure(error ?? URLError(.badServerResponse)))
                    }
                }.resume()
            }
        } onCancel: {
            answer.give(.failure(CancellationError()))
        }
    }
}

/// A continuation resumed by whichever answer comes first: the response or the caller's cancellation.
private final class OneAnswer: Sendable {
    typealias Answer = Result<(Data, URLResponse), any Error>
    private let state = Mutex<(continuation: CheckedContinuation<(Data, URLResponse), any Error>?, early: Answer?, done: Bool)>(
        (nil, nil, false))

    func wait(_ continuation: CheckedContinuation<(Data, URLResponse), any Error>) {
        let early: Answer? = state.withLock { s in
            if let e = s.early, !s.done {
                s.done = true
                return e
            }
            s.continuation = continuation
            return nil
        }
        if let early { continuation.resume(with: early) }
    }

    func give(_ result: Answer) {
        let continuation: CheckedContinuation<(Data, URLResponse), any Error>? = state.withLock { s in
            guard !s.done else { return nil }
            guard let c = s.continuation else {
                if s.early == nil { s.early = result }
                return nil
            }
            s.done = true
            s.continuation = nil
            return c
        }
        continuation?.resume(with: result)
    }
}
