import CSV
import Foundation

/// Tables as CSV text for spreadsheets (exports of the blueprint analysis and of KPI lineage).
///
/// RFC 4180 through CSV.swift's `CSVWriter`: a header row first, records separated and ended by CRLF, a field quoted
/// when it holds a comma, a double quote, CR or LF, quotes inside doubled.
///
/// CSV injection guard: a field beginning with `=`, `+`, `-`, `@`, tab or CR is prefixed with a single quote (`'`)
/// so that a spreadsheet shows it as text instead of evaluating it as a formula (OWASP "CSV Injection"). Such a
/// field no longer reads back byte for byte: strip one leading `'` to recover it. Negative numbers are written by
/// the callers without the guard (``table(_:numeric:)``).
public enum CSVText {
    /// The rows (the first is the header) as CSV; fields at the `numeric` column indexes are written as they are.
    public static func table(_ rows: [[String]], numeric: Set<Int> = []) -> String {
        let stream = OutputStream(toMemory: ())
        do {
            let writer = try CSVWriter(stream: stream, newline: .crlf)
            for row in rows {
                try writer.write(row: row.enumerated().map { numeric.contains($0.offset) ? $0.element : guarded($0.element) })
            }
            writer.stream.close()
        } catch {
            return ""
        }
        guard let data = stream.property(forKey: .dataWrittenToMemoryStreamKey) as? Data else { return "" }
        return rows.isEmpty ? "" : String(decoding: data, as: UTF8.self) + "\r\n"
    }

    /// The field with the formula guard applied.
    public static func guarded(_ value: String) -> String {
        guard let first = value.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) else { return value }
        return "'" + value
    }
}
