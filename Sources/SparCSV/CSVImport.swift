import CSV
import Foundation
import SparCore
import SparInterchange

/// One event mapped from a CSV row, with the line the row starts on.
public struct CSVMappedEvent: Sendable, Hashable {
    /// The line the row starts on.
    public var line: Int
    public var event: Event

    /// An event mapped from the row at `line`.
    public init(line: Int, event: Event) {
        self.line = line
        self.event = event
    }
}

/// What a whole file maps to: the events of the good rows and the problems of the others.
public struct CSVImportResult: Sendable, Hashable {
    /// Data rows read (blank rows are not counted).
    public var rows = 0
    /// The events of the good rows, in file order.
    public var events: [CSVMappedEvent] = []
    /// The problems of the other rows, in file order.
    public var problems: [CSVProblem] = []

    /// An empty result.
    public init() {}
}

/// The outcome of one data row.
public enum CSVRow: Sendable, Hashable {
    case event(CSVMappedEvent)
    /// Every problem found in the row (one per bad cell where the cells can be judged apart).
    case rejected(line: Int, [CSVProblem])
}

/// Maps CSV bytes to contract events with a ``CSVMap``: a pure adapter, no I/O.
///
/// Each row becomes an event through the same decoder as JSON Lines (``EventCoding``), so the contract's rules
/// (non-negative counts, known choices, `usl` above `lsl`) hold alike; with a plant model the row is also checked
/// against it (``EventValidator``: unknown units, sources and reason codes). Problems name the line, the column and
/// the contract field.
public struct CSVImport: Sendable {
    /// The column map rows are read with.
    public let map: CSVMap
    let validator: EventValidator?
    let resolver: ZoneResolver?

    /// An importer for `map`; with `model`, rows are also checked against the plant model.
    public init(map: CSVMap, model: PlantModel? = nil) {
        self.map = map
        validator = model.map { EventValidator(model: $0) }
        resolver = map.time.timeZone.flatMap { TimeZone(identifier: $0) }.map {
            ZoneResolver(zone: $0, ambiguous: map.time.ambiguous)
        }
    }

    /// A reader over the rows of `data`. Throws when the file cannot be read at all: bytes that are not in the map's
    /// encoding, no header, or a header that lacks a column the map names.
    public func reader(_ data: Data) throws(CSVFileError) -> CSVRowReader {
        try CSVRowReader(importer: self, text: try decodeText(data))
    }

    /// Maps every row of `data`.
    public func read(_ data: Data) throws(CSVFileError) -> CSVImportResult {
        let rows = try reader(data)
        var result = CSVImportResult()
        while let row = rows.next() {
            result.rows += 1
            switch row {
            case .event(let e): result.events.append(e)
            case .rejected(_, let p): result.problems += p
            }
        }
        return result
    }

    /// The file as text; a UTF-8 byte order mark is dropped, and bytes are never replaced.
    func decodeText(_ data: Data) throws(CSVFileError) -> String {
        switch map.encoding {
        case .utf8:
            let bytes = data.starts(with: [0xEF, 0xBB, 0xBF]) ? data.dropFirst(3) : data[...]
            if let text = String(data: bytes, encoding: .utf8) { return text }
            var line = 1
            var iterator = bytes.makeIterator()
            var parser = Unicode.UTF8.ForwardParser()
            var offset = 0
            while true {
                switch parser.parseScalar(from: &iterator) {
                case .valid(let s):
                    if s.count == 1, s.first == 10 { line += 1 }
                    offset += s.count
                    continue
                case .error:
                    let byte = bytes[bytes.startIndex + offset]
                    throw CSVFileError([
                        CSVProblem(
                            line: line,
                            reason:
                                "invalid UTF-8 (byte 0x\(String(byte, radix: 16, uppercase: true))); declare the file's encoding in the map (encoding: windows-1252) or export as UTF-8"
                        )
                    ])
                case .emptyInput:
                    throw CSVFileError([CSVProblem(line: line, reason: "invalid UTF-8")])
                }
            }
        case .windows1252:
            guard let text = String(data: data, encoding: .windowsCP1252) else {
                throw CSVFileError([
                    CSVProblem(line: 1, reason: "the file holds bytes that windows-1252 does not define")
                ])
            }
            return text
        case .latin1:
            guard let text = String(data: data, encoding: .isoLatin1) else {
                throw CSVFileError([CSVProblem(line: 1, reason: "the file is not ISO 8859-1 text")])
            }
            return text
        }
    }
}

extension CSVImport {
    /// The problem for a rejection of the event mapped from the row at `line` (by the decoder, the plant model or
    /// the ledger), naming the column that fed the rejected field.
    public func problem(for rejection: EventRejection, line: Int, type: String) -> CSVProblem {
        guard let field = rejection.field else { return CSVProblem(line: line, reason: rejection.reason) }
        return CSVProblem(line: line, column: column(for: field, type: type), field: field, reason: rejection.reason)
    }

    /// The column that fills contract field `field` of a `type` event, if a column does.
    public func column(for field: String, type: String) -> String? {
        switch field {
        case "ts": return map.time.columns.joined(separator: "+")
        case "unit": if case .column(let c, _, _) = map.unit { return c } else { return nil }
        case "type": if case .column(let c, _) = map.type { return c } else { return nil }
        case "id": if case .column(let c, _) = map.id { return c } else { return nil }
        case "source": return nil
        default: break
        }
        if field.hasPrefix("replacement."), let r = map.replacementType {
            return column(for: String(field.dropFirst("replacement.".count)), type: r)
        }
        let fields = map.fields[type] ?? [:]
        if let c = fields[field]?.column { return c }
        if field == "state" { return fields["reason"]?.column }
        return nil
    }
}

/// Reads a CSV file row by row, turning each data row into an event or its problems.
///
/// Line numbers are the file's: a quoted cell that spans lines moves the next row's line on, and blank rows
/// (every cell empty, as spreadsheets write at the end of an export) are skipped.
public final class CSVRowReader {
    let importer: CSVImport
    let csv: CSVReader
    /// The header's cells, trimmed.
    public let header: [String]
    /// The file's number of lines, for progress.
    public let lineCount: Int
    /// The line the next row starts on.
    public private(set) var line = 2
    /// Data rows read so far.
    public private(set) var rows = 0
    let index: [String: Int]
    let separator: Unicode.Scalar
    var occurrences: [String: Int] = [:]

    init(importer: CSVImport, text: String) throws(CSVFileError) {
        self.importer = importer
        let map = importer.map
        lineCount = text.utf8.reduce(into: 1) { n, b in if b == 10 { n += 1 } }
        let wanted = map.columns
        func headerRow(_ sep: Unicode.Scalar) -> [String]? {
            guard let reader = try? CSVReader(string: text, delimiter: sep), let row = reader.next() else { return nil }
            return row.map { $0.trimmingCharacters(in: .whitespaces) }
        }
        let separator: Unicode.Scalar
        if let s = map.separator {
            separator = s
        } else {
            let candidates: [Unicode.Scalar] = [",", ";", "\t", "|"]
            let fitting = candidates.filter { c in
                guard let h = headerRow(c) else { return false }
                return wanted.allSatisfy { h.contains($0) }
            }
            guard fitting.count == 1 else {
                let found = headerRow(",").map { $0.joined(separator: ",") } ?? ""
                throw CSVFileError([
                    CSVProblem(
                        line: 1,
                        reason: fitting.isEmpty
                            ? "no separator (',', ';', tab, '|') splits the header '\(found)' into the columns the map names (\(wanted.joined(separator: ", ")))"
                            : "the header splits into the map's columns with more than one separator; declare separator in the map"
                    )
                ])
            }
            separator = fitting[0]
        }
        self.separator = separator
        guard let csv = try? CSVReader(string: text, delimiter: separator), let first = csv.next(),
            first.contains(where: { !$0.trimmingCharacters(in: .whitespaces).isEmpty })
        else {
            throw CSVFileError([
                CSVProblem(line: 1, reason: "the file has no header row (the first line names the columns)")
            ])
        }
        self.csv = csv
        header = first.map { $0.trimmingCharacters(in: .whitespaces) }
        line = 2 + CSVRowReader.lineBreaks(first)
        var index: [String: Int] = [:]
        var problems: [CSVProblem] = []
        for (i, name) in header.enumerated() {
            if let j = index[name], wanted.contains(name) {
                problems.append(
                    CSVProblem(
                        line: 1, column: name, reason: "appears twice in the header (cells \(j + 1) and \(i + 1))"))
            }
            if index[name] == nil { index[name] = i }
        }
        for c in wanted where index[c] == nil {
            problems.append(
                CSVProblem(
                    line: 1, column: c, reason: "missing from the header (it has: \(header.joined(separator: ", ")))"))
        }
        if !problems.isEmpty { throw CSVFileError(problems) }
        self.index = index
    }

    static func lineBreaks(_ cells: [String]) -> Int {
        var n = 0
        for cell in cells where cell.utf8.contains(where: { $0 == 10 || $0 == 13 }) {
            var previous: UInt8 = 0
            for b in cell.utf8 {
                if b == 10, previous != 13 { n += 1 }
                if b == 13 { n += 1 }
                previous = b
            }
        }
        return n
    }

    /// The next data row's outcome, or nil at the end of the file.
    public func next() -> CSVRow? {
        while let cells = csv.next() {
            let start = line
            line += 1 + Self.lineBreaks(cells)
            if cells.allSatisfy({ $0.allSatisfy(\.isWhitespace) }) { continue }
            rows += 1
            if cells.count != header.count {
                let sep = separator == "\t" ? "tab" : "'\(separator)'"
                var reason = "the row has \(cells.count) cells, the header \(header.count)"
                if cells.count > header.count {
                    reason += "; a \(sep) inside a cell splits it unless the cell is quoted"
                    if separator == ",", importer.map.decimalMark == .comma {
                        reason += " (a decimal comma such as 12,5 must be written \"12,5\")"
                    }
                }
                return .rejected(line: start, [CSVProblem(line: start, reason: reason)])
            }
            return mapRow(cells, line: start)
        }
        return nil
    }

    func cell(_ cells: [String], _ column: String) -> String {
        guard let i = index[column] else { return "" }
        return cells[i].trimmingCharacters(in: .whitespaces)
    }

    func mapRow(_ cells: [String], line: Int) -> CSVRow {
        let map = importer.map
        var problems: [CSVProblem] = []
        func problem(_ column: String?, _ field: String?, _ reason: String) {
            problems.append(CSVProblem(line: line, column: column, field: field, reason: reason))
        }

        let timeColumn = map.time.columns.joined(separator: "+")
        let timeText = map.time.columns.map { cell(cells, $0) }.filter { !$0.isEmpty }.joined(separator: " ")
        var ts: Timestamp?
        if timeText.isEmpty {
            problem(timeColumn, "ts", "empty")
        } else {
            switch timestamp(timeText) {
            case .success(let t): ts = t
            case .failure(let why): problem(timeColumn, "ts", why.reason)
            }
        }

        var unit: String?
        switch map.unit {
        case .path(let p):
            unit = p.description
        case .column(let c, let prefix, let values):
            let text = cell(cells, c)
            if text.isEmpty {
                problem(c, "unit", "empty")
            } else if let values {
                if let path = values[text] {
                    unit = path
                } else {
                    problem(c, "unit", "'\(text)' is not in the map's unit values")
                }
            } else {
                unit = prefix + text
            }
        }

        var type: String?
        switch map.type {
        case .fixed(let t):
            type = t
        case .column(let c, let values):
            let text = cell(cells, c)
            let name = values.map { $0[text] } ?? text
            if text.isEmpty {
                problem(c, "type", "empty")
            } else if let name, ContractFields.byType[name] != nil {
                if map.fields[name] == nil {
                    problem(c, "type", "'\(text)' is a \(name) event, but the map has no fields.\(name)")
                } else {
                    type = name
                }
            } else if values != nil, name == nil {
                problem(c, "type", "'\(text)' is not in the map's type values")
            } else {
                problem(c, "type", "'\(text)' is not an event type (\(ContractFields.types.joined(separator: ", ")))")
            }
        }

        var sourceID: String?
        if case .column(let c, let prefix) = map.id {
            let text = cell(cells, c)
            if text.isEmpty { problem(c, "id", "empty") } else { sourceID = prefix + text }
        }

        guard let type else { return .rejected(line: line, problems) }
        var object = fields(of: type, cells, problem: problem)
        if type == "correction" {
            if let r = map.replacementType {
                var replacement = fields(of: r, cells, problem: problem)
                replacement["type"] = .string(r)
                if let ts { replacement["ts"] = .string(ts.rfc3339) }
                if let unit { replacement["unit"] = .string(unit) }
                replacement["source"] = .string(map.source)
                object["replacement"] = .object(replacement)
            } else {
                object["void"] = .bool(true)
            }
        }
        guard problems.isEmpty, let ts, let unit else { return .rejected(line: line, problems) }
        object["id"] = .string(sourceID ?? "csv:pending")
        object["ts"] = .string(ts.rfc3339)
        object["unit"] = .string(unit)
        object["type"] = .string(type)
        object["source"] = .string(map.source)

        var event: Event
        switch EventCoding.decode(.object(object), lineNumber: line) {
        case .success(let e): event = e
        case .failure(let r): return .rejected(line: line, [importer.problem(for: r, line: line, type: type)])
        }
        if sourceID == nil {
            let key = CSVEventID.contentKey(event)
            let digest = CSVEventID.hex(Data(key.utf8))
            let n = occurrences[digest, default: 0] + 1
            occurrences[digest] = n
            event = CSVEventID.withID(CSVEventID.content(key: key, source: event.source, occurrence: n), event)
        }
        if let validator = importer.validator, let r = validator.problem(with: event, line: line) {
            return .rejected(line: line, [importer.problem(for: r, line: line, type: type)])
        }
        return .event(CSVMappedEvent(line: line, event: event))
    }

    func timestamp(_ text: String) -> Result<Timestamp, CellError> {
        let time = importer.map.time
        switch time.format.read(text) {
        case .failure(let why):
            return .failure(why)
        case .success(.instant(let t)):
            return .success(t)
        case .success(.local(let seconds, let ms, let offset?)):
            return .success(Timestamp(milliseconds: (seconds - offset) * 1000 + ms))
        case .success(.local(let seconds, let ms, nil)):
            guard let resolver = importer.resolver else {
                return .failure(
                    CellError(
                        "'\(text)' has no offset and the map names no time zone; add time.timeZone (e.g. Europe/Paris) or export with offsets"
                    ))
            }
            return resolver.instant(localSeconds: seconds, cell: text).map { Timestamp(milliseconds: $0 * 1000 + ms) }
        }
    }

    /// The contract fields of a `type` event read from the row, as JSON values; empty cells leave a field out.
    func fields(of type: String, _ cells: [String], problem: (String?, String?, String) -> Void) -> [String: JSONValue]
    {
        let map = importer.map
        var out: [String: JSONValue] = [:]
        let kinds = ContractFields.byType[type] ?? [:]
        for (field, source) in map.fields[type] ?? [:] {
            var text: String
            var column: String?
            var decimal = map.decimalMark
            switch source {
            case .value(let v):
                text = v
                decimal = .point
            case .column(let c, let fallback, let values):
                column = c
                text = cell(cells, c)
                if text.isEmpty {
                    guard let fallback else { continue }
                    text = fallback
                    decimal = .point
                } else if let values {
                    guard let v = values[text] else {
                        problem(
                            c, field,
                            "'\(text)' is not in the map's values for \(field) (\(values.keys.sorted().joined(separator: ", ")))"
                        )
                        continue
                    }
                    text = v
                }
            }
            if field == "reason", type == "state", let reasons = map.reasons {
                guard let code = reasons[text] else {
                    problem(column, field, "local reason code '\(text)' is not in the map's reasons table")
                    continue
                }
                text = code
            }
            switch kinds[field] ?? .text {
            case .text:
                out[field] = .string(text)
            case .number:
                switch CSVNumber.parse(text, decimal: decimal) {
                case .success(let n): out[field] = .number(n)
                case .failure(let why): problem(column, field, why.reason)
                }
            }
        }
        return out
    }
}
