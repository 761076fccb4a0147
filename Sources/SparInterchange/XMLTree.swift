import Foundation

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// An XML document read into plain values (local names, namespaces, text, where each element was), for the
/// interchange importers (B2MML, KPI-ML) to walk. Parsing never resolves entities, never loads a DTD, and refuses
/// any document that declares one: interchange messages need neither, and both are the way in for entity
/// expansion and external-entity attacks.
public enum XMLTree {
    /// One element: its local name, namespace URI, attributes (by local name), child elements and direct text.
    public struct Element: Sendable, Hashable {
        /// The local name (`ProductionRequest`, without a prefix).
        public var name: String
        /// The namespace URI, nil when the element has none.
        public var namespace: String?
        /// Attributes by local name.
        public var attributes: [String: String]
        /// Child elements in document order.
        public var children: [Element]
        /// The element's own text (its text children joined), trimmed of surrounding white space.
        public var text: String
        /// The 1-based line the element starts on.
        public var line: Int
        /// Where the element is: `/ProcessProductionSchedule/DataArea/ProductionSchedule/ProductionRequest[2]`
        /// (an index only where siblings share the name).
        public var path: String

        /// Creates an element (tests and builders; the parser fills `line` and `path`).
        public init(
            name: String, namespace: String? = nil, attributes: [String: String] = [:], children: [Element] = [],
            text: String = "", line: Int = 0, path: String = ""
        ) {
            self.name = name
            self.namespace = namespace
            self.attributes = attributes
            self.children = children
            self.text = text
            self.line = line
            self.path = path
        }

        /// The first child called `name`.
        public func child(_ name: String) -> Element? { children.first { $0.name == name } }

        /// Every child called `name`.
        public func children(_ name: String) -> [Element] { children.filter { $0.name == name } }

        /// The text of the first child called `name`, nil when absent or empty.
        public func value(_ name: String) -> String? {
            guard let t = child(name)?.text, !t.isEmpty else { return nil }
            return t
        }

        /// The element reached by following `names` from this one, first match at each step.
        public func descendant(_ names: String...) -> Element? {
            var at: Element? = self
            for n in names { at = at?.child(n) }
            return at
        }
    }

    /// Why a document could not be read: where (line, column, element path when known) and why.
    public struct Problem: Error, Sendable, Hashable, CustomStringConvertible {
        public var line: Int?
        public var column: Int?
        public var path: String?
        public var reason: String

        /// A problem at the given place.
        public init(line: Int? = nil, column: Int? = nil, path: String? = nil, reason: String) {
            self.line = line
            self.column = column
            self.path = path
            self.reason = reason
        }

        public var description: String {
            var at: [String] = []
            if let line { at.append(column.map { "line \(line), column \($0)" } ?? "line \(line)") }
            if let path { at.append(path) }
            return at.isEmpty ? reason : at.joined(separator: ", ") + ": " + reason
        }
    }

    /// Limits that keep a hostile document from exhausting memory or the stack.
    public struct Limits: Sendable, Hashable {
        /// The largest document accepted, in bytes.
        public var maximumBytes: Int
        /// The deepest nesting accepted.
        public var maximumDepth: Int
        /// The most elements accepted.
        public var maximumElements: Int

        /// Limits with the given values.
        public init(maximumBytes: Int, maximumDepth: Int, maximumElements: Int) {
            self.maximumBytes = maximumBytes
            self.maximumDepth = maximumDepth
            self.maximumElements = maximumElements
        }

        /// 256 MiB, 128 levels, 10 million elements.
        public static let standard = Limits(maximumBytes: 256 << 20, maximumDepth: 128, maximumElements: 10_000_000)
    }

    /// Reads `data` as one XML document. A UTF-8 byte-order mark is skipped; UTF-16 (with its mark) and a declared
    /// ISO-8859-1, windows-1252 or US-ASCII are read as such. Refused before parsing: a DOCTYPE or ENTITY
    /// declaration, another declared encoding, bytes that are not UTF-8, and a processing instruction without data.
    public static func parse(_ data: Data, limits: Limits = .standard) throws(Problem) -> Element {
        guard data.count <= limits.maximumBytes else {
            throw Problem(reason: "the document is \(data.count) bytes; at most \(limits.maximumBytes) are accepted")
        }
        let utf8 = try utf8Bytes(data)
        if let (line, what) = declaration(in: utf8) {
            throw Problem(
                line: line,
                reason: "the document declares \(what); DTDs and entities are refused (interchange messages need neither)")
        }
        if let (line, target) = emptyProcessingInstruction(in: utf8) {
            throw Problem(
                line: line,
                reason: "the processing instruction <?\(target)?> has no data; FoundationXML's parser cannot read one")
        }
        let builder = TreeBuilder(limits: limits)
        let parser = XMLParser(data: utf8)
        parser.shouldProcessNamespaces = true
        parser.shouldReportNamespacePrefixes = false
        parser.shouldResolveExternalEntities = false
        parser.delegate = builder
        let ok = parser.parse()
        if let problem = builder.problem { throw problem }
        guard ok, let root = builder.root else {
            let error = parser.parserError as NSError?
            let line = parser.lineNumber > 0 ? parser.lineNumber : nil
            let column = parser.columnNumber > 0 ? parser.columnNumber : nil
            throw Problem(line: line, column: column, reason: reason(error, open: builder.openPath))
        }
        return root
    }

    private static func reason(_ error: NSError?, open: String?) -> String {
        let code = error.map { " (XML parser error \($0.code))" } ?? ""
        if let open { return "not well-formed XML inside \(open)\(code)" }
        return "not well-formed XML\(code)"
    }

    /// The document as UTF-8, the form FoundationXML's parser is given (it traps on an element name that is not
    /// UTF-8): a UTF-8 mark dropped, UTF-16 (with its mark) and a declared ISO-8859-1, windows-1252 or US-ASCII
    /// transcoded (the declaration then reads UTF-8), anything else checked to be UTF-8; another declared encoding
    /// is refused.
    private static func utf8Bytes(_ data: Data) throws(Problem) -> Data {
        let bytes = [UInt8](data.prefix(4))
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { return try validUTF8(data.dropFirst(3)) }
        let bigEndian = bytes.starts(with: [0xFE, 0xFF])
        if bigEndian || bytes.starts(with: [0xFF, 0xFE]) {
            guard let text = String(data: data, encoding: bigEndian ? .utf16BigEndian : .utf16LittleEndian) else {
                throw Problem(reason: "the document starts with a UTF-16 byte-order mark but is not valid UTF-16")
            }
            return Data(declaringUTF8(text.hasPrefix("\u{FEFF}") ? String(text.dropFirst()) : text).utf8)
        }
        guard let declared = declaredEncoding(data), !["utf-8", "utf8"].contains(declared.lowercased()) else {
            return try validUTF8(data)
        }
        let encodings: [String: String.Encoding] = [
            "iso-8859-1": .isoLatin1, "iso8859-1": .isoLatin1, "iso_8859-1": .isoLatin1, "latin1": .isoLatin1,
            "windows-1252": .windowsCP1252, "cp1252": .windowsCP1252, "us-ascii": .ascii, "ascii": .ascii,
        ]
        guard let encoding = encodings[declared.lowercased()] else {
            throw Problem(
                line: 1,
                reason: "the document declares encoding '\(declared)'; UTF-8, UTF-16, ISO-8859-1, windows-1252 and "
                    + "US-ASCII are read")
        }
        guard let text = String(data: data, encoding: encoding) else {
            throw Problem(line: 1, reason: "the document declares encoding '\(declared)' but is not valid \(declared)")
        }
        return Data(declaringUTF8(text).utf8)
    }

    /// `text` with the encoding of its XML declaration, if any, set to UTF-8.
    private static func declaringUTF8(_ text: String) -> String {
        guard text.hasPrefix("<?xml"), let end = text.range(of: "?>") else { return text }
        let decl = text[..<end.upperBound].replacingOccurrences(
            of: #"encoding\s*=\s*["'][^"']*["']"#, with: #"encoding="UTF-8""#, options: .regularExpression)
        return decl + text[end.upperBound...]
    }

    /// `data`, unless it holds a byte sequence that is not UTF-8 (then a problem with its line and first byte).
    private static func validUTF8(_ data: Data) throws(Problem) -> Data {
        if String(validating: data, as: UTF8.self) != nil { return data }
        var parser = Unicode.UTF8.ForwardParser()
        var bytes = data.makeIterator()
        var offset = 0
        while true {
            switch parser.parseScalar(from: &bytes) {
            case .valid(let scalar): offset += scalar.count
            case .emptyInput: return data
            case .error:
                let at = data.startIndex + offset
                let line = data[data.startIndex..<at].count { $0 == 0x0A } + 1
                throw Problem(
                    line: line,
                    reason: "invalid UTF-8 (byte 0x\(String(data[at], radix: 16, uppercase: true))); the document declares no other encoding")
            }
        }
    }

    /// The encoding the XML declaration names, if any.
    private static func declaredEncoding(_ data: Data) -> String? {
        let head = String(decoding: data.prefix(256), as: UTF8.self)
        guard head.hasPrefix("<?xml"), let end = head.range(of: "?>") else { return nil }
        let decl = head[..<end.lowerBound]
        guard let match = decl.range(of: #"encoding\s*=\s*["'][^"']*["']"#, options: .regularExpression) else {
            return nil
        }
        return decl[match].split(whereSeparator: { $0 == "\"" || $0 == "'" }).dropFirst().first.map(String.init)
    }

    /// The line and target of the first processing instruction without data (`<?pi?>`), if any: FoundationXML's
    /// parser reads its missing data as a C string and crashes.
    private static func emptyProcessingInstruction(in data: Data) -> (Int, String)? {
        func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0D || b == 0x0A }
        var line = 1
        var i = data.startIndex
        while i < data.endIndex {
            let b = data[i]
            if b == 0x0A { line += 1 }
            if b == 0x3C, i + 1 < data.endIndex, data[i + 1] == 0x3F {
                var j = i + 2
                while j < data.endIndex, !isSpace(data[j]), data[j] != 0x3F { j += 1 }
                let target = String(decoding: data[(i + 2)..<j], as: UTF8.self)
                while j < data.endIndex, isSpace(data[j]) { j += 1 }
                if data[j...].starts(with: [0x3F, 0x3E]) { return (line, target) }
            }
            i += 1
        }
        return nil
    }

    /// The line and kind of the first `<!DOCTYPE` or `<!ENTITY` in the bytes, if any.
    private static func declaration(in data: Data) -> (Int, String)? {
        let marks: [([UInt8], String)] = [(Array("<!DOCTYPE".utf8), "a DOCTYPE"), (Array("<!ENTITY".utf8), "an ENTITY")]
        var line = 1
        var i = data.startIndex
        while i < data.endIndex {
            let b = data[i]
            if b == 0x0A { line += 1 }
            if b == 0x3C, i + 1 < data.endIndex, data[i + 1] == 0x21 {
                for (mark, what) in marks where data[i...].starts(with: mark) { return (line, what) }
            }
            i += 1
        }
        return nil
    }
}

/// Builds `XMLTree.Element`s from parser callbacks, enforcing the limits.
private final class TreeBuilder: NSObject, XMLParserDelegate {
    private struct Open {
        var element: XMLTree.Element
        var text = ""
        var seen: [String: Int] = [:]
    }

    let limits: XMLTree.Limits
    private var stack: [Open] = []
    private var count = 0
    private(set) var root: XMLTree.Element?
    private(set) var problem: XMLTree.Problem?

    init(limits: XMLTree.Limits) { self.limits = limits }

    var openPath: String? { stack.last?.element.path }

    func parser(
        _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
        attributes: [String: String] = [:]
    ) {
        count += 1
        if stack.count >= limits.maximumDepth || count > limits.maximumElements {
            let what = stack.count >= limits.maximumDepth
                ? "nesting deeper than \(limits.maximumDepth) levels" : "more than \(limits.maximumElements) elements"
            problem = XMLTree.Problem(line: parser.lineNumber, path: openPath, reason: "the document has \(what)")
            parser.abortParsing()
            return
        }
        let local = elementName.split(separator: ":").last.map(String.init) ?? elementName
        var path = "/" + local
        if !stack.isEmpty {
            let n = (stack[stack.count - 1].seen[local] ?? 0) + 1
            stack[stack.count - 1].seen[local] = n
            path = stack[stack.count - 1].element.path + "/" + local + (n > 1 ? "[\(n)]" : "")
        }
        var attrs: [String: String] = [:]
        for (k, v) in attributes where !k.hasPrefix("xmlns") {
            attrs[k.split(separator: ":").last.map(String.init) ?? k] = v
        }
        let ns = namespaceURI.flatMap { $0.isEmpty ? nil : $0 }
        stack.append(Open(element: .init(name: local, namespace: ns, attributes: attrs, line: parser.lineNumber, path: path)))
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        guard !stack.isEmpty else { return }
        stack[stack.count - 1].text += string
    }

    func parser(_ parser: XMLParser, foundCDATA CDATABlock: Data) {
        guard !stack.isEmpty else { return }
        stack[stack.count - 1].text += String(decoding: CDATABlock, as: UTF8.self)
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
        guard var done = stack.popLast() else { return }
        done.element.text = done.text.trimmingCharacters(in: .whitespacesAndNewlines)
        if stack.isEmpty {
            root = done.element
        } else {
            stack[stack.count - 1].element.children.append(done.element)
        }
    }

    func parser(_ parser: XMLParser, foundInternalEntityDeclarationWithName name: String, value: String?) {
        problem = XMLTree.Problem(line: parser.lineNumber, reason: "entity declarations are refused")
        parser.abortParsing()
    }
}
