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

    /// The next up to `max` lines as read, numbered from 1, without their line ending (and without a UTF-8 byte
    /// order mark on line 1); empty when the input is exhausted. Bytes are not decoded here: a line that is not
    /// UTF-8 is rejected by the decoder, naming its field.
    mutating func next(max: Int) -> [(Int, Data)] {
        var out: [(Int, Data)] = []
        while out.count < max {
            if let nl = buffer.firstIndex(of: 10) {
                let lineData = buffer[buffer.startIndex..<nl]
                buffer = buffer[(nl + 1)...]
                lineNumber += 1
                out.append((lineNumber, trimmed(lineData)))
                continue
            }
            if finished {
                if !buffer.isEmpty {
                    lineNumber += 1
                    out.append((lineNumber, trimmed(buffer)))
                    buffer = Data()
                }
                break
            }
            let chunk = handle.readData(ofLength: 1 << 20)
            if chunk.isEmpty { finished = true } else { buffer = Data(buffer) + chunk }
        }
        return out
    }

    private func trimmed(_ d: Data) -> Data {
        var d = d
        if lineNumber == 1, d.starts(with: [0xEF, 0xBB, 0xBF]) { d = d.dropFirst(3) }
        if d.last == 0x0D { d = d.dropLast() }
        return Data(d)
    }
}

struct CLIError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}
