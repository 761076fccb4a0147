/// Checks JSON text against I-JSON (RFC 7493) before it is decoded, so that nothing a decoder would silently
/// change reaches the ledger: the text must be UTF-8 (no invalid bytes, no lone surrogate escapes), no object may
/// repeat a member name (a decoder keeps one of them), and every number must be one a binary64 holds: finite, and
/// an integer literal within ±2^53 (beyond it, digits are lost).
///
/// The check is one pass over the bytes and allocates only the member names of the object it is in.
public enum StrictJSON {
    /// The first place the text breaks the rules.
    public struct Problem: Error, Sendable, Hashable, CustomStringConvertible {
        /// Member path of the value at fault (`replacement.kwh`, `[3].id`), nil at the top level.
        public var path: String?
        /// Byte offset into the text.
        public var offset: Int
        public var reason: String
        /// Whether the text is not JSON at all (RFC 8259), rather than JSON that I-JSON refuses.
        public var isSyntax: Bool

        public var description: String {
            (path.map { "field '\($0)': " } ?? "") + reason + " (byte \(offset))"
        }
    }

    /// Nesting deeper than this is refused (a shop-floor record is a few levels deep).
    public static let maximumDepth = 64

    /// The first problem with `bytes` as one JSON text, or nil when it is I-JSON.
    public static func problem(_ bytes: some Collection<UInt8>) -> Problem? {
        let result: Problem?? = bytes.withContiguousStorageIfAvailable { buffer in
            var scanner = Scanner(buffer)
            return scanner.document()
        }
        if let result { return result }
        let copy = Array(bytes)
        return copy.withUnsafeBufferPointer { buffer in
            var scanner = Scanner(buffer)
            return scanner.document()
        }
    }

    /// The byte ranges of the elements of a top-level JSON array, found by structure alone (strings, brackets and
    /// commas), so that one element with bad content does not hide the others. Nil when `bytes` is not an array
    /// whose brackets, strings and commas are well formed.
    public static func arrayElements(_ bytes: [UInt8]) -> [Range<Int>]? {
        var i = 0
        func skipSpace() { while i < bytes.count, isSpace(bytes[i]) { i += 1 } }
        skipSpace()
        guard i < bytes.count, bytes[i] == UInt8(ascii: "[") else { return nil }
        i += 1
        var out: [Range<Int>] = []
        skipSpace()
        if i < bytes.count, bytes[i] == UInt8(ascii: "]") {
            i += 1
            skipSpace()
            return i == bytes.count ? [] : nil
        }
        while true {
            skipSpace()
            let start = i
            var depth = 0
            scan: while i < bytes.count {
                switch bytes[i] {
                case UInt8(ascii: "\""):
                    i += 1
                    while i < bytes.count, bytes[i] != UInt8(ascii: "\"") {
                        i += bytes[i] == UInt8(ascii: "\\") ? 2 : 1
                    }
                    guard i < bytes.count else { return nil }
                    i += 1
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    depth += 1
                    guard depth <= maximumDepth else { return nil }
                    i += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    if depth == 0 { break scan }
                    depth -= 1
                    i += 1
                case UInt8(ascii: ","):
                    if depth == 0 { break scan }
                    i += 1
                default:
                    i += 1
                }
            }
            guard i < bytes.count, depth == 0 else { return nil }
            var end = i
            while end > start, isSpace(bytes[end - 1]) { end -= 1 }
            guard end > start else { return nil }
            out.append(start..<end)
            if bytes[i] == UInt8(ascii: "]") {
                i += 1
                skipSpace()
                return i == bytes.count ? out : nil
            }
            guard bytes[i] == UInt8(ascii: ",") else { return nil }
            i += 1
        }
    }

    /// JSON white space (RFC 8259 §2).
    public static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 }

    struct Scanner {
        let b: UnsafeBufferPointer<UInt8>
        var i = 0
        var path: [PathComponent] = []

        enum PathComponent {
            case key(String)
            case index(Int)
        }

        init(_ b: UnsafeBufferPointer<UInt8>) { self.b = b }

        var pathText: String? {
            guard !path.isEmpty else { return nil }
            var out = ""
            for c in path {
                switch c {
                case .key(let k): out += out.isEmpty ? k : "." + k
                case .index(let n): out += "[\(n)]"
                }
            }
            return out
        }

        func fail(_ reason: String, at offset: Int? = nil, syntax: Bool = true) -> Problem {
            Problem(path: pathText, offset: offset ?? i, reason: reason, isSyntax: syntax)
        }

        mutating func skipSpace() { while i < b.count, StrictJSON.isSpace(b[i]) { i += 1 } }

        mutating func document() -> Problem? {
            skipSpace()
            if let p = value(depth: 0) { return p }
            skipSpace()
            guard i == b.count else { return fail("unexpected text after the JSON value") }
            return nil
        }

        mutating func value(depth: Int) -> Problem? {
            guard i < b.count else { return fail("the text ends where a value is expected") }
            switch b[i] {
            case UInt8(ascii: "{"): return object(depth: depth + 1)
            case UInt8(ascii: "["): return array(depth: depth + 1)
            case UInt8(ascii: "\""):
                var ignored: [UInt8]? = nil
                return string(into: &ignored)
            case UInt8(ascii: "t"): return literal("true")
            case UInt8(ascii: "f"): return literal("false")
            case UInt8(ascii: "n"): return literal("null")
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return number()
            default: return fail("not a JSON value (unexpected byte 0x\(hex(b[i])))")
            }
        }

        mutating func literal(_ word: StaticString) -> Problem? {
            let n = word.utf8CodeUnitCount
            guard i + n <= b.count else { return fail("not a JSON value") }
            for k in 0..<n where b[i + k] != word.utf8Start[k] { return fail("not a JSON value") }
            i += n
            return nil
        }

        mutating func object(depth: Int) -> Problem? {
            guard depth <= StrictJSON.maximumDepth else {
                return fail("nested deeper than \(StrictJSON.maximumDepth) levels", syntax: false)
            }
            i += 1
            skipSpace()
            if i < b.count, b[i] == UInt8(ascii: "}") {
                i += 1
                return nil
            }
            var names = Set<[UInt8]>()
            while true {
                skipSpace()
                guard i < b.count, b[i] == UInt8(ascii: "\"") else { return fail("expected a member name in quotes") }
                let nameStart = i
                var name: [UInt8]? = []
                if let p = string(into: &name) { return p }
                let key = name ?? []
                let keyText = String(decoding: key, as: UTF8.self)
                guard names.insert(key).inserted else {
                    path.append(.key(keyText))
                    defer { path.removeLast() }
                    return fail("the member name '\(keyText)' appears twice in one object", at: nameStart, syntax: false)
                }
                skipSpace()
                guard i < b.count, b[i] == UInt8(ascii: ":") else { return fail("expected ':' after a member name") }
                i += 1
                skipSpace()
                path.append(.key(keyText))
                if let p = value(depth: depth) { return p }
                path.removeLast()
                skipSpace()
                guard i < b.count else { return fail("the text ends inside an object") }
                if b[i] == UInt8(ascii: ",") {
                    i += 1
                    continue
                }
                guard b[i] == UInt8(ascii: "}") else { return fail("expected ',' or '}' in an object") }
                i += 1
                return nil
            }
        }

        mutating func array(depth: Int) -> Problem? {
            guard depth <= StrictJSON.maximumDepth else {
                return fail("nested deeper than \(StrictJSON.maximumDepth) levels", syntax: false)
            }
            i += 1
            skipSpace()
            if i < b.count, b[i] == UInt8(ascii: "]") {
                i += 1
                return nil
            }
            var n = 0
            while true {
                skipSpace()
                path.append(.index(n))
                if let p = value(depth: depth) { return p }
                path.removeLast()
                n += 1
                skipSpace()
                guard i < b.count else { return fail("the text ends inside an array") }
                if b[i] == UInt8(ascii: ",") {
                    i += 1
                    continue
                }
                guard b[i] == UInt8(ascii: "]") else { return fail("expected ',' or ']' in an array") }
                i += 1
                return nil
            }
        }

        /// Scans a string at `i` (its opening quote), checking UTF-8 and escapes; appends its unescaped bytes to
        /// `out` when given.
        mutating func string(into out: inout [UInt8]?) -> Problem? {
            i += 1
            while i < b.count {
                let c = b[i]
                switch c {
                case UInt8(ascii: "\""):
                    i += 1
                    return nil
                case UInt8(ascii: "\\"):
                    if let p = escape(into: &out) { return p }
                case 0..<0x20:
                    return fail("control character 0x\(hex(c)) inside a string (escape it)")
                case 0x20..<0x80:
                    out?.append(c)
                    i += 1
                default:
                    let start = i
                    guard let n = utf8SequenceLength(at: i) else {
                        return fail("invalid UTF-8 (byte 0x\(hex(b[start])))", at: start, syntax: false)
                    }
                    if out != nil { out!.append(contentsOf: b[i..<(i + n)]) }
                    i += n
                }
            }
            return fail("the text ends inside a string")
        }

        mutating func escape(into out: inout [UInt8]?) -> Problem? {
            let start = i
            guard i + 1 < b.count else { return fail("the text ends inside an escape") }
            let e = b[i + 1]
            i += 2
            let simple: UInt8?
            switch e {
            case UInt8(ascii: "\""): simple = 0x22
            case UInt8(ascii: "\\"): simple = 0x5C
            case UInt8(ascii: "/"): simple = 0x2F
            case UInt8(ascii: "b"): simple = 0x08
            case UInt8(ascii: "f"): simple = 0x0C
            case UInt8(ascii: "n"): simple = 0x0A
            case UInt8(ascii: "r"): simple = 0x0D
            case UInt8(ascii: "t"): simple = 0x09
            case UInt8(ascii: "u"): simple = nil
            default: return fail("invalid escape '\\\(Character(Unicode.Scalar(e)))'", at: start)
            }
            if let simple {
                out?.append(simple)
                return nil
            }
            guard let unit = hex4() else { return fail("\\u must be followed by four hex digits", at: start) }
            var scalar = UInt32(unit)
            if (0xD800..<0xDC00).contains(unit) {
                guard i + 1 < b.count, b[i] == UInt8(ascii: "\\"), b[i + 1] == UInt8(ascii: "u") else {
                    return fail("lone surrogate \\u\(hex16(unit)) (not a Unicode character)", at: start, syntax: false)
                }
                i += 2
                guard let low = hex4(), (0xDC00..<0xE000).contains(low) else {
                    return fail("lone surrogate \\u\(hex16(unit)) (not a Unicode character)", at: start, syntax: false)
                }
                scalar = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
            } else if (0xDC00..<0xE000).contains(unit) {
                return fail("lone surrogate \\u\(hex16(unit)) (not a Unicode character)", at: start, syntax: false)
            }
            if out != nil, let s = Unicode.Scalar(scalar) { out!.append(contentsOf: Array(String(s).utf8)) }
            return nil
        }

        mutating func hex4() -> UInt16? {
            guard i + 4 <= b.count else { return nil }
            var v: UInt16 = 0
            for k in 0..<4 {
                let c = b[i + k]
                let d: UInt16
                switch c {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt16(c - UInt8(ascii: "0"))
                case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt16(c - UInt8(ascii: "a") + 10)
                case UInt8(ascii: "A")...UInt8(ascii: "F"): d = UInt16(c - UInt8(ascii: "A") + 10)
                default: return nil
                }
                v = v << 4 | d
            }
            i += 4
            return v
        }

        /// The length of the well-formed UTF-8 sequence starting at `k` (Unicode Table 3-7), nil if ill-formed.
        func utf8SequenceLength(at k: Int) -> Int? {
            let c0 = b[k]
            func cont(_ j: Int, _ range: ClosedRange<UInt8> = 0x80...0xBF) -> Bool { j < b.count && range.contains(b[j]) }
            switch c0 {
            case 0xC2...0xDF: return cont(k + 1) ? 2 : nil
            case 0xE0: return cont(k + 1, 0xA0...0xBF) && cont(k + 2) ? 3 : nil
            case 0xE1...0xEC, 0xEE...0xEF: return cont(k + 1) && cont(k + 2) ? 3 : nil
            case 0xED: return cont(k + 1, 0x80...0x9F) && cont(k + 2) ? 3 : nil
            case 0xF0: return cont(k + 1, 0x90...0xBF) && cont(k + 2) && cont(k + 3) ? 4 : nil
            case 0xF1...0xF3: return cont(k + 1) && cont(k + 2) && cont(k + 3) ? 4 : nil
            case 0xF4: return cont(k + 1, 0x80...0x8F) && cont(k + 2) && cont(k + 3) ? 4 : nil
            default: return nil
            }
        }

        mutating func number() -> Problem? {
            let start = i
            if b[i] == UInt8(ascii: "-") { i += 1 }
            func digits() -> Int {
                let s = i
                while i < b.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b[i]) { i += 1 }
                return i - s
            }
            guard i < b.count else { return fail("a number needs digits", at: start) }
            if b[i] == UInt8(ascii: "0") {
                i += 1
                if i < b.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b[i]) {
                    return fail("a number cannot have a leading zero", at: start)
                }
            } else if digits() == 0 {
                return fail("a number needs digits", at: start)
            }
            var integer = true
            if i < b.count, b[i] == UInt8(ascii: ".") {
                integer = false
                i += 1
                guard digits() > 0 else { return fail("a number needs digits after '.'", at: start) }
            }
            if i < b.count, b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E") {
                integer = false
                i += 1
                if i < b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") { i += 1 }
                guard digits() > 0 else { return fail("a number needs digits in its exponent", at: start) }
            }
            let length = i - start
            // Short literals are always finite and exact: only long ones or exponents need a look.
            guard length > 15 || !integer else { return nil }
            let text = String(decoding: UnsafeBufferPointer(rebasing: b[start..<i]), as: UTF8.self)
            guard let v = Double(text), v.isFinite else {
                return fail("the number \(text.prefix(40)) is out of range (not a finite binary64)", at: start, syntax: false)
            }
            if integer, Self.beyondExactRange(text) {
                return fail(
                    "the integer \(text.prefix(40)) is beyond ±2^53 and cannot be kept exactly; send it as a string",
                    at: start, syntax: false)
            }
            return nil
        }

        /// Whether an integer literal's magnitude exceeds 2^53, judged on its digits (a binary64 would round it).
        static func beyondExactRange(_ literal: String) -> Bool {
            let digits = literal.hasPrefix("-") ? literal.dropFirst() : Substring(literal)
            let limit = "9007199254740992"
            return digits.count > limit.count || (digits.count == limit.count && digits > limit)
        }

        func hex(_ byte: UInt8) -> String {
            let s = String(byte, radix: 16, uppercase: true)
            return s.count == 1 ? "0" + s : s
        }

        func hex16(_ v: UInt16) -> String {
            let s = String(v, radix: 16, uppercase: true)
            return String(repeating: "0", count: 4 - s.count) + s
        }
    }
}
