import Foundation
import Hummingbird
import SparCore

/// A small MTConnect agent for tests: a buffer of observations of one device that a test scripts (append, restart
/// with a new instance, overrun, go down), served as `/probe`, `/current` and `/sample?from=&count=` the way
/// cppagent answers, or recorded documents served as they are.
actor FakeAgent {
    struct Observation: Sendable {
        var sequence: Int64
        var time: String
        var element: String
        var item: String
        var value: String
    }

    var instanceId: String
    var device = "VMC-1"
    var buffer: [Observation] = []
    /// The latest observation of each data item, which `/current` serves even after the buffer dropped it.
    var latest: [String: Observation] = [:]
    var nextSequence: Int64 = 1
    var firstSequence: Int64 = 1
    /// Answer 503 to everything.
    var down = false
    /// Recorded documents served instead of the script, by path.
    var recorded: [String: Data] = [:]
    private(set) var requests: [String] = []

    init(instanceId: String) { self.instanceId = instanceId }

    func append(_ time: String, _ element: String, _ value: String, item: String? = nil) {
        let o = Observation(sequence: nextSequence, time: time, element: element, item: item ?? element.lowercased(), value: value)
        buffer.append(o)
        latest[o.item] = o
        nextSequence += 1
    }

    /// A new agent process: a new instance, sequences from 1, an empty buffer.
    func restart(instanceId: String) {
        self.instanceId = instanceId
        buffer = []
        latest = [:]
        nextSequence = 1
        firstSequence = 1
    }

    /// The buffer drops everything below `first`.
    func overrun(to first: Int64) {
        firstSequence = first
        buffer.removeAll { $0.sequence < first }
    }

    func setDown(_ value: Bool) { down = value }
    func serve(_ path: String, _ data: Data) { recorded[path] = data }

    func answer(path: String, query: [String: String]) -> (HTTPResponse.Status, String) {
        requests.append(query.isEmpty ? path : path + "?" + query.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "&"))
        if down { return (.serviceUnavailable, "agent down") }
        if let data = recorded[path] { return (.ok, String(decoding: data, as: UTF8.self)) }
        switch path {
        case "/probe":
            return (.ok, """
                <?xml version="1.0" encoding="UTF-8"?>
                <MTConnectDevices xmlns="urn:mtconnect.org:MTConnectDevices:2.0">
                <Header creationTime="2026-03-02T07:00:00Z" sender="fake" instanceId="\(instanceId)" version="2.0.0.1" bufferSize="1024" assetBufferSize="8" assetCount="0"/>
                <Devices><Device id="d1" name="\(device)" uuid="vmc-1"><DataItems><DataItem id="availability" type="AVAILABILITY" category="EVENT"/></DataItems>
                <Components><Controller id="c1"><DataItems><DataItem id="execution" type="EXECUTION" category="EVENT"/><DataItem id="partcount" type="PART_COUNT" category="EVENT"/></DataItems></Controller></Components></Device></Devices>
                </MTConnectDevices>
                """)
        case "/current":
            return (.ok, streams(latest.values.sorted { $0.sequence < $1.sequence }, next: nextSequence))
        case "/sample":
            let from = query["from"].flatMap { Int64($0) } ?? firstSequence
            let count = query["count"].flatMap { Int($0) } ?? 100
            if from < firstSequence || from > nextSequence {
                return (.notFound, """
                    <?xml version="1.0" encoding="UTF-8"?>
                    <MTConnectError xmlns="urn:mtconnect.org:MTConnectError:2.0">
                    <Header creationTime="2026-03-02T07:00:00Z" sender="fake" instanceId="\(instanceId)" version="2.0.0.1" bufferSize="1024"/>
                    <Errors><Error errorCode="OUT_OF_RANGE">'from' must be greater than or equal to \(firstSequence)</Error></Errors>
                    </MTConnectError>
                    """)
            }
            let page = Array(buffer.filter { $0.sequence >= from }.prefix(count))
            return (.ok, streams(page, next: page.last.map { $0.sequence + 1 } ?? from))
        default:
            return (.notFound, "no such path")
        }
    }

    func streams(_ observations: [Observation], next: Int64) -> String {
        let items = observations.map { o in
            #"<Events><\#(o.element) dataItemId="\#(o.item)" sequence="\#(o.sequence)" timestamp="\#(o.time)">\#(o.value)</\#(o.element)></Events>"#
        }.joined()
        return """
            <?xml version="1.0" encoding="UTF-8"?>
            <MTConnectStreams xmlns="urn:mtconnect.org:MTConnectStreams:2.0">
            <Header creationTime="2026-03-02T07:00:00Z" sender="fake" instanceId="\(instanceId)" version="2.0.0.1" bufferSize="1024" nextSequence="\(next)" firstSequence="\(firstSequence)" lastSequence="\(nextSequence - 1)"/>
            <Streams><DeviceStream name="\(device)" uuid="vmc-1"><ComponentStream component="Controller" name="controller" componentId="c1">\(items)</ComponentStream></DeviceStream></Streams>
            </MTConnectStreams>
            """
    }

    /// Runs the agent on a free loopback port for the duration of `body`.
    func run(_ body: @Sendable (URL) async throws -> Void) async throws {
        let router = Router()
        for path in ["/probe", "/current", "/sample"] {
            router.get(RouterPath(path)) { request, _ -> Response in
                var query: [String: String] = [:]
                for (k, v) in request.uri.queryParameters { query[String(k)] = String(v) }
                let (status, body) = await self.answer(path: path, query: query)
                return Response(
                    status: status, headers: [.contentType: "application/xml"],
                    body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
            }
        }
        let (stream, continuation) = AsyncStream<Int>.makeStream()
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) })
        try await withThrowingTaskGroup(of: Void.self) { group in
            // The agent answers on threads of its own: a test that waits for a `spar` process, or other suites
            // doing so, must not leave it without a thread of the concurrency pool.
            group.addTask { try await withTaskExecutorPreference(AgentExecutor.shared) { try await app.runService() } }
            var iterator = stream.makeAsyncIterator()
            guard let bound = await iterator.next() else { return }
            try await body(URL(string: "http://127.0.0.1:\(bound)")!)
            group.cancelAll()
        }
    }
}

/// Runs the fake agent's tasks on a Dispatch queue, outside the concurrency pool.
final class AgentExecutor: TaskExecutor {
    static let shared = AgentExecutor()
    let queue = DispatchQueue(label: "fake-agent", attributes: .concurrent)

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        queue.async { job.runSynchronously(on: executor) }
    }
}
