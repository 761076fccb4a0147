import SparCore

/// How the columns of a CSV export become events of the interchange contract (events.md §2).
///
/// A map names the source system, the columns that carry the time, the work unit, the event type and each
/// contract field, how cells are written (separator, decimal mark, encoding) and how local codes translate to
/// Spar's. It is read from YAML by ``CSVMap/decode(yaml:name:)``.
public struct CSVMap: Sendable, Hashable {
    /// The source system id (from the plant model) every event carries.
    public var source: String
    /// The field separator; nil detects it from the header row (the one of `,` `;` tab `|` that yields every
    /// column the map names).
    public var separator: Unicode.Scalar?
    /// How fractional numbers are written in the file.
    public var decimalMark: DecimalMark
    /// The file's character encoding.
    public var encoding: TextEncoding
    /// Where each row's time comes from.
    public var time: TimeSource
    /// Where each row's work unit comes from.
    public var unit: UnitSource
    /// Where each row's event type comes from.
    public var type: TypeSource
    /// Where each row's event id comes from.
    public var id: IDSource
    /// For each event type the map can produce, where each contract field comes from.
    public var fields: [String: [String: FieldSource]]
    /// For a `correction` row, the event type its replacement is built as (from the same row); nil voids.
    public var replacementType: String?
    /// Local reason code → Spar reason code, applied to the `reason` field of state events. When present, a code
    /// missing from it rejects the row.
    public var reasons: [String: String]?

    /// A map; ``CSVMap/decode(yaml:name:)`` reads one from YAML and checks it.
    public init(
        source: String, separator: Unicode.Scalar? = nil, decimalMark: DecimalMark = .point,
        encoding: TextEncoding = .utf8, time: TimeSource, unit: UnitSource, type: TypeSource, id: IDSource = .content,
        fields: [String: [String: FieldSource]], replacementType: String? = nil, reasons: [String: String]? = nil
    ) {
        self.source = source
        self.separator = separator
        self.decimalMark = decimalMark
        self.encoding = encoding
        self.time = time
        self.unit = unit
        self.type = type
        self.id = id
        self.fields = fields
        self.replacementType = replacementType
        self.reasons = reasons
    }

    /// The character between a number's whole part and its fraction.
    public enum DecimalMark: String, Sendable, Hashable, CaseIterable {
        case point = "."
        case comma = ","
    }

    /// A file's character encoding.
    public enum TextEncoding: String, Sendable, Hashable, CaseIterable {
        case utf8 = "utf-8"
        case windows1252 = "windows-1252"
        case latin1 = "iso-8859-1"
    }

    /// The column (or columns, joined with one space) holding a row's time, and how to read it.
    public struct TimeSource: Sendable, Hashable {
        /// The column, or the columns whose cells are joined with one space (a date and a time).
        public var columns: [String]
        public var format: CSVTimeFormat
        /// The IANA zone of times written without an offset; without it such a time rejects its row.
        public var timeZone: String?
        /// How a local time that occurs twice (clocks set back) is read.
        public var ambiguous: AmbiguousTime

        /// Times from `columns` in `format`, local ones in `timeZone`.
        public init(
            columns: [String], format: CSVTimeFormat, timeZone: String? = nil, ambiguous: AmbiguousTime = .reject
        ) {
            self.columns = columns
            self.format = format
            self.timeZone = timeZone
            self.ambiguous = ambiguous
        }
    }

    /// What to do with a local time inside the hour that clocks set back repeat.
    public enum AmbiguousTime: String, Sendable, Hashable, CaseIterable {
        /// Reject the row, naming both instants it could be.
        case reject
        /// The first occurrence (the offset before the change).
        case earlier
        /// The second occurrence (the offset after the change).
        case later
    }

    /// Where a row's work unit path comes from.
    public enum UnitSource: Sendable, Hashable {
        /// Every row is of this unit.
        case path(EquipmentPath)
        /// A column holding a unit path, or a unit id turned into a path by `prefix` + id, or a local name looked
        /// up in `values` (a name missing from it rejects the row).
        case column(String, prefix: String, values: [String: String]?)
    }

    /// Where a row's event type comes from.
    public enum TypeSource: Sendable, Hashable {
        /// Every row is of this type.
        case fixed(String)
        /// A column holding the type, optionally translated from local names by `values`.
        case column(String, values: [String: String]?)
    }

    /// Where a row's event id comes from.
    public enum IDSource: Sendable, Hashable {
        /// Derived from the event's content (``CSVEventID``): the same row imported again is the same event.
        case content
        /// A column holding the source's own record id, with a prefix put before it.
        case column(String, prefix: String)
    }

    /// Where one contract field comes from.
    public enum FieldSource: Sendable, Hashable {
        /// A column; `default` stands for an empty cell, and `values` translates local words (a word missing from
        /// it rejects the row).
        case column(String, default: String?, values: [String: String]?)
        /// The same value on every row, written as in the contract (a number with a `.` decimal point).
        case value(String)

        /// The column read, if any.
        public var column: String? {
            if case .column(let c, _, _) = self { return c }
            return nil
        }
    }

    /// The columns the map reads, in a stable order: time, unit, type, id, then every field.
    public var columns: [String] {
        var out: [String] = []
        func add(_ c: String?) { if let c, !out.contains(c) { out.append(c) } }
        time.columns.forEach(add)
        if case .column(let c, _, _) = unit { add(c) }
        if case .column(let c, _) = type { add(c) }
        if case .column(let c, _) = id { add(c) }
        for type in fields.keys.sorted() {
            for field in fields[type, default: [:]].keys.sorted() { add(fields[type]?[field]?.column) }
        }
        return out
    }
}
