import Foundation
import SparTestSupport
import Testing

/// Repros of a hostile test campaign through the real `spar` binary.
@Suite("Hostile input through the CLI")
struct HostileCLITests {
    @Test("a line with bytes that are not UTF-8 is rejected by line and field; the valid lines are kept")
    func invalidUTF8Line() throws {
        let dir = try SparProcess.temporaryDirectory()
        let plant = try #require(IngestCommandTests.pressCase).appendingPathComponent("plant.yaml").path
        let db = dir.appendingPathComponent("ledger.sqlite").path
        var bytes = Data([0xEF, 0xBB, 0xBF])  // a UTF-8 byte order mark, as spreadsheet tools write it
        bytes += Data((IngestCommandTests.line("ok1", "2026-06-10T00:00:00Z", #""type":"state","reason":"run""#) + "\n").utf8)
        bytes += Data(#"{"id":"bad"#.utf8) + Data([0xC3, 0x28]) + Data(#"","ts":"2026-06-10T00:10:00Z","source":"scada","unit":"\#(IngestCommandTests.unit)","type":"state","reason":"run"}"#.utf8)
        bytes += Data("\r\n".utf8)
        bytes += Data(IngestCommandTests.line("ok2", "2026-06-10T00:20:00Z", #""type":"state","reason":"jam""#).utf8)
        let file = dir.appendingPathComponent("events.jsonl")
        try bytes.write(to: file)
        let run = try SparProcess.run(["ingest", "--db", db, "--plant", plant, file.path])
        #expect(run.status == 1)
        #expect(run.stdout.contains("3 lines: 2 accepted, 0 duplicate, 1 rejected"), "\(run.stdout)")
        #expect(run.stderr.contains("line 2, field 'id': invalid UTF-8 (byte 0xC3)"), "\(run.stderr)")
    }

    @Test("a 500-year KPI window is refused at once, naming the limit")
    func unboundedWindow() throws {
        let root = try #require(IngestCommandTests.pressCase)
        let run = try SparProcess.run([
            "kpi", "--plant", root.appendingPathComponent("plant.yaml").path, "--events",
            root.appendingPathComponent("events.jsonl").path, "--scope", IngestCommandTests.unit, "--from",
            "1600-01-01T00:00:00Z", "--to", "2100-01-01T00:00:00Z",
        ])
        #expect(run.status != 0)
        // 1600-01-01 to 2100-01-01: 500 years with 122 leap days = 182,622 days.
        #expect(run.stderr.contains("the window spans 182622 days; a query may span at most 3660 days"), "\(run.stderr)")
    }

    @Test("spar demo --help names the files --export writes")
    func demoHelp() throws {
        let run = try SparProcess.run(["demo", "--help"])
        #expect(run.status == 0)
        #expect(run.stdout.contains("plant.json"))
        #expect(!run.stdout.contains("plant.yaml"))
    }

    @Test("SIGTERM stops spar serve while a live stream is open")
    func sigtermWithOpenStream() throws {
        let dir = try SparProcess.temporaryDirectory()
        let root = try #require(IngestCommandTests.pressCase)
        let db = dir.appendingPathComponent("ledger.sqlite").path
        let ingest = try SparProcess.run([
            "ingest", "--db", db, "--plant", root.appendingPathComponent("plant.yaml").path,
            root.appendingPathComponent("events.jsonl").path,
        ])
        #expect(ingest.status == 0, "\(ingest.stderr)")
        let exe = try #require(SparProcess.executable)
        let p = Process()
        p.executableURL = exe
        p.arguments = ["serve", "--db", db, "--port", "0"]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        var text = ""
        var port: UInt16?
        while port == nil, p.isRunning {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            text += String(decoding: chunk, as: UTF8.self)
            if let r = text.range(of: "http://127.0.0.1:"), let end = text[r.upperBound...].firstIndex(of: "/") {
                port = UInt16(text[r.upperBound..<end])
            }
        }
        let bound = try #require(port, "no port in: \(text)")
        // A read through the deadline and client-watch path of the served connection answers.
        let reader = try Self.connect(port: bound)
        let kpi = "GET /api/kpi?scope=\(IngestCommandTests.unit)&from=2026-06-09T22:00:00Z&to=2026-06-10T02:00:00Z "
            + "HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
        #expect(kpi.withCString { send(reader, $0, strlen($0), 0) } > 0)
        var answer = [UInt8](repeating: 0, count: 256)
        let got = recv(reader, &answer, answer.count, 0)
        #expect(String(decoding: answer.prefix(max(0, got)), as: UTF8.self).hasPrefix("HTTP/1.1 200"))
        close(reader)
        let socket = try Self.connect(port: bound)
        defer { close(socket) }
        let request = "GET /api/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n"
        #expect(request.withCString { send(socket, $0, strlen($0), 0) } > 0)
        var head = [UInt8](repeating: 0, count: 512)
        let received = recv(socket, &head, head.count, 0)
        #expect(received > 0)
        #expect(String(decoding: head.prefix(max(0, received)), as: UTF8.self).hasPrefix("HTTP/1.1 200"))
        kill(p.processIdentifier, SIGTERM)
        // Graceful shutdown gives open streams 5 s, cancellation 5 s more; wait up to 60 s before calling it hung.
        var waited = 0
        while p.isRunning, waited < 600 {
            usleep(100_000)
            waited += 1
        }
        #expect(!p.isRunning, "spar serve was still running 60 s after SIGTERM")
        if p.isRunning { kill(p.processIdentifier, SIGKILL) }
        p.waitUntilExit()
    }

    static func connect(port: UInt16) throws -> Int32 {
        let s = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Foundation.connect(s, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else { throw POSIXError(.ECONNREFUSED) }
        return s
    }
}
