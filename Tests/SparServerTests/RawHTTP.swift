import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One exchange over a real TCP connection to 127.0.0.1, with bytes no HTTP client library would send (a body cut
/// short of its Content-Length, any Host header). Runs on its own thread, so its blocking socket calls never hold a
/// thread of the cooperative pool that the server under test needs; every receive gives up after 10 seconds.
enum RawHTTP {
    /// How the client ends its side after sending.
    enum Ending: Sendable {
        /// Half-closes (`shutdown(SHUT_WR)`) and reads the answer until the server closes.
        case halfClose
        /// Reads one answer with the connection left open (the answer must carry Content-Length).
        case keepOpen
        /// Closes the socket at once; nothing is read.
        case close
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// A parsed answer.
    struct Answer: Sendable {
        var status: Int
        var head: String
        var body: String

        func header(_ name: String) -> String? {
            for line in head.components(separatedBy: "\r\n").dropFirst() {
                let parts = line.split(separator: ":", maxSplits: 1)
                if parts.count == 2, parts[0].lowercased() == name.lowercased() {
                    return parts[1].trimmingCharacters(in: .whitespaces)
                }
            }
            return nil
        }
    }

    /// Sends `request` to `127.0.0.1:port`, ends as `ending` says and returns what the server answered (nil for
    /// `.close`).
    static func exchange(port: Int, _ request: String, ending: Ending) async throws -> Answer? {
        let bytes = Array(request.utf8)
        let raw: [UInt8]? = try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                continuation.resume(with: Result { try blockingExchange(port: port, bytes: bytes, ending: ending) })
            }
            thread.start()
        }
        guard let raw else { return nil }
        let text = String(decoding: raw, as: UTF8.self)
        guard let split = text.range(of: "\r\n\r\n") else { throw Failure(description: "no HTTP head in: \(text)") }
        let head = String(text[..<split.lowerBound])
        let statusLine = head.components(separatedBy: "\r\n").first ?? ""
        let fields = statusLine.split(separator: " ")
        guard fields.count >= 2, let status = Int(fields[1]) else {
            throw Failure(description: "no status line in: \(text)")
        }
        return Answer(status: status, head: head, body: String(text[split.upperBound...]))
    }

    /// A connected socket to the loopback address the server listens on (127.0.0.1, else ::1: the live test
    /// framework binds `localhost`).
    private static func connectLoopback(port: Int) throws -> Int32 {
        #if canImport(Glibc)
        let stream = Int32(SOCK_STREAM.rawValue)
        #else
        let stream = SOCK_STREAM
        #endif
        // Generous: on a loaded 2-core machine (builds beside the tests) an answer has been seen to take over 10 s.
        var timeout = timeval(tv_sec: 30, tv_usec: 0)
        let v4 = socket(AF_INET, stream, 0)
        guard v4 >= 0 else { throw Failure(description: "socket: errno \(errno)") }
        _ = setsockopt(v4, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected4 = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(v4, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        if connected4 == 0 { return v4 }
        _ = close(v4)
        let v6 = socket(AF_INET6, stream, 0)
        guard v6 >= 0 else { throw Failure(description: "socket: errno \(errno)") }
        _ = setsockopt(v6, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address6 = sockaddr_in6()
        address6.sin6_family = sa_family_t(AF_INET6)
        address6.sin6_port = in_port_t(UInt16(port).bigEndian)
        address6.sin6_addr = in6addr_loopback
        let connected6 = withUnsafePointer(to: &address6) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(v6, $0, socklen_t(MemoryLayout<sockaddr_in6>.size))
            }
        }
        guard connected6 == 0 else {
            _ = close(v6)
            throw Failure(description: "connect to port \(port) on 127.0.0.1 or ::1: errno \(errno)")
        }
        return v6
    }

    private static func blockingExchange(port: Int, bytes: [UInt8], ending: Ending) throws -> [UInt8]? {
        let fd = try connectLoopback(port: port)
        defer { _ = close(fd) }
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { throw Failure(description: "send: errno \(errno)") }
            sent += n
        }
        switch ending {
        case .close:
            return nil
        case .halfClose:
            #if canImport(Glibc)
            _ = shutdown(fd, Int32(SHUT_WR))
            #else
            _ = shutdown(fd, SHUT_WR)
            #endif
            return try receive(fd, until: { _ in false })
        case .keepOpen:
            return try receive(fd, until: isComplete)
        }
    }

    /// Reads until the server closes or `done` says the bytes so far are a whole answer.
    private static func receive(_ fd: Int32, until done: ([UInt8]) -> Bool) throws -> [UInt8] {
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !done(out) {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n == 0 { break }
            guard n > 0 else { throw Failure(description: "recv: errno \(errno) after \(out.count) bytes") }
            out += buffer[0..<n]
        }
        return out
    }

    /// True once `bytes` hold a head and as many body bytes as its Content-Length says.
    private static func isComplete(_ bytes: [UInt8]) -> Bool {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let split = text.range(of: "\r\n\r\n") else { return false }
        let head = text[..<split.lowerBound].lowercased()
        guard let line = head.components(separatedBy: "\r\n").first(where: { $0.hasPrefix("content-length:") }),
            let length = Int(line.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces))
        else { return false }
        return text[split.upperBound...].utf8.count >= length
    }
}
