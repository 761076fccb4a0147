/// Why a CSV row (or the whole file) could not become an event: the line, the column, the contract field, why.
public struct CSVProblem: Error, Sendable, Hashable, CustomStringConvertible {
    /// The 1-based line of the file the row starts on (the header is line 1).
    public var line: Int
    /// The column at fault, as the header names it (`Date+Time` for a time read from two columns).
    public var column: String?
    /// The contract field the column fills (`good`, `ts`), when there is one.
    public var field: String?
    public var reason: String

    /// A problem of the row at `line`, in `column` (which fills `field`).
    public init(line: Int, column: String? = nil, field: String? = nil, reason: String) {
        self.line = line
        self.column = column
        self.field = field
        self.reason = reason
    }

    public var description: String {
        var head = "line \(line)"
        if let column { head += ", column '\(column)'" }
        if let field { head += column == nil ? ", field '\(field)'" : " (\(field))" }
        return "\(head): \(reason)"
    }
}

/// Why a CSV file could not be read at all (its encoding, or a header that lacks a column the map names).
public struct CSVFileError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Every problem found, the header's missing columns all listed.
    public var problems: [CSVProblem]

    /// The file-level `problems`.
    public init(_ problems: [CSVProblem]) { self.problems = problems }

    public var description: String { problems.map(\.description).joined(separator: "\n") }
}
