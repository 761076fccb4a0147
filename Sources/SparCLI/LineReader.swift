import Foundation

/// Reads a file or standard input line by line, in chunks, keeping line numbers.
struct LineReader {
    let handle: FileHandle
    private var buffer: [UInt8] = []
    private var offset = 0
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
        out.reserveCapacity(Swift.min(max, 65_536))
        while out.count < max {
            let found: Int? = buffer.withUnsafeBufferPointer { b in
                guard offset < b.count, let base = b.baseAddress,
                    let hit = memchr(base + offset, 10, b.count - offset)
                else { return nil }
                return base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
            }
            if let nl = found {
                lineNumber += 1
                out.append((lineNumber, line(offset..<nl)))
                offset = nl + 1
                continue
            }
            if finished {
                if offset < buffer.count {
                    lineNumber += 1
                    out.append((lineNumber, line(offset..<buffer.count)))
                    offset = buffer.count
                }
                break
            }
            let chunk = handle.readData(ofLength: 1 << 20)
            buffer.removeSubrange(0..<offset)
            offset = 0
            if chunk.isEmpty { finished = true } else { buffer.append(contentsOf: chunk) }
        }
        return out
    }

    private func line(_ range: Range<Int>) -> Data {
        var r = range
        if lineNumber == 1, r.count >= 3, buffer[r.lowerBound..<r.lowerBound + 3].elementsEqual([0xEF, 0xBB, 0xBF]) {
            r = r.lowerBound + 3..<r.upperBound
        }
        if let last = r.last, buffer[last] == 0x0D { r = r.lowerBound..<last }
        return buffer.withUnsafeBufferPointer { Data(buffer: UnsafeBufferPointer(rebasing: $0[r])) }
    }
}

struct CLIError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}
