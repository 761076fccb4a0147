/// Reads numbers as spreadsheets write them, with a declared decimal mark and nothing guessed.
enum CSVNumber {
    /// The number in `text`: an optional sign, digits, optionally the decimal mark and more digits, optionally an
    /// exponent (`1,5E+03`). The other mark, thousands separators and spaces are refused, so `1.250` under a decimal
    /// comma is never read as 1.25 or as 1250.
    static func parse(_ text: String, decimal: CSVMap.DecimalMark) -> Result<Double, CellError> {
        let mark = UInt8(ascii: decimal == .comma ? "," : ".")
        let other = UInt8(ascii: decimal == .comma ? "." : ",")
        var ascii: [UInt8] = []
        var i = 0
        let b = Array(text.utf8)
        func digits() -> Int {
            let start = i
            while i < b.count, b[i] >= 48, b[i] <= 57 {
                ascii.append(b[i])
                i += 1
            }
            return i - start
        }
        if i < b.count, b[i] == 43 || b[i] == 45 {
            ascii.append(b[i])
            i += 1
        }
        var count = digits()
        if i < b.count, b[i] == mark {
            ascii.append(46)
            i += 1
            count += digits()
        }
        var valid = count > 0
        if valid, i < b.count, b[i] == 69 || b[i] == 101 {
            ascii.append(101)
            i += 1
            if i < b.count, b[i] == 43 || b[i] == 45 {
                ascii.append(b[i])
                i += 1
            }
            valid = digits() > 0
        }
        guard valid, i == b.count, let value = Double(String(decoding: ascii, as: UTF8.self)), value.isFinite else {
            let hint =
                b.contains(other)
                ? " with the decimal mark '\(decimal.rawValue)' (the map's decimal; thousands separators are not read)"
                : ""
            return .failure(CellError("'\(text)' is not a number\(hint)"))
        }
        return .success(value)
    }
}
