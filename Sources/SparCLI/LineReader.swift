import Foundation

/// Reads a file or standard input line by line, in chunks, keeping line numbers.
struct LineReader {
    let handle: FileHandle
    private var buffer = Data()
    private var lineNumber = 0
    private var finished = false

    init(path: String?) throws {
        if let path, path != "-" {
            guard let h = FileHandle(forReadingAtPath: path) else {
                throw CLIError("cannot open \(path) for reading")
            }
            handle = h
        } else {
            handle = FileHandle.standardInput
        }
    }

    /// The next up to `max` lines, numbered from 1; empty when the input is exhausted.
    mutating func next(max: Int) -> [(Int, Substring)] {
        var out: [(Int, Substring)] = []
        while out.count < max {
            if let nl = buffer.firstIndex(of: 10) {
                let lineData = buffer[buffer.startIndex..<nl]
                buffer = buffer[(nl + 1)...]
                lineNumber += 1
                out.append((lineNumber, Substring(decodeLine(lineData))))
                continue
            }
            if finished {
                if !buffer.isEmpty {
                    lineNumber += 1
                    out.append((lineNumber, Substring(decodeLine(buffer))))
                    buffer = Data()
                }
                break
            }
            let chunk = handle.readData(ofLength: 1 << 20)
            if chunk.isEmpty { finished = true } else { buffer = Data(buffer) + chunk }
        }
        return out
    }

    private func decodeLine(_ d: Data) -> String {
        var s = String(decoding: d, as: UTF8.self)
        if s.hasSuffix("\r") { s.removeLast() }
        return s
    }
}

struct CLIError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}
