import Foundation

/// A one-line progress bar on standard error (rows/s and an estimate of the time left), drawn only when standard
/// error is a terminal and the work has run for half a second.
struct ProgressBar {
    let enabled: Bool
    let total: Int
    let start = ContinuousClock.now
    private var lastDraw: ContinuousClock.Instant?
    private var drawn = false

    /// A bar over `total` units of work (lines of a file), shown unless `quiet` or standard error is no terminal.
    init(total: Int, quiet: Bool) {
        enabled = !quiet && isatty(STDERR_FILENO) == 1
        self.total = total
    }

    /// Redraws the bar at `done` of `total`, `rows` rows handled, at most ten times a second.
    mutating func update(done: Int, rows: Int) {
        guard enabled else { return }
        let now = ContinuousClock.now
        guard now - start >= .milliseconds(500) else { return }
        if let lastDraw, now - lastDraw < .milliseconds(100) { return }
        lastDraw = now
        drawn = true
        let line = Self.render(done: done, total: total, rows: rows, elapsed: Self.seconds(now - start))
        FileHandle.standardError.write(Data(("\r" + line + "\u{1B}[K").utf8))
    }

    /// Clears the bar, if it was drawn.
    func finish() {
        if drawn { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    /// `[=======>            ]  35%  12000 rows  4000 rows/s  ETA 0:06`.
    static func render(done: Int, total: Int, rows: Int, elapsed: Double, width: Int = 24) -> String {
        let fraction = total > 0 ? min(1, max(0, Double(done) / Double(total))) : 0
        let filled = Int((fraction * Double(width)).rounded(.down))
        var bar = String(repeating: "=", count: filled)
        if filled < width { bar += ">" + String(repeating: " ", count: width - filled - 1) }
        let percent = Int((fraction * 100).rounded(.down))
        let rate = elapsed > 0 ? Int((Double(rows) / elapsed).rounded()) : 0
        var eta = "--:--"
        if fraction > 0, elapsed > 0 {
            let left = Int((elapsed * (1 - fraction) / fraction).rounded())
            eta =
                left >= 3600
                ? "\(left / 3600):\(pad(left / 60 % 60)):\(pad(left % 60))" : "\(left / 60):\(pad(left % 60))"
        }
        return
            "[\(bar)] \(String(repeating: " ", count: max(0, 3 - String(percent).count)))\(percent)%  \(rows) rows  \(rate) rows/s  ETA \(eta)"
    }

    private static func pad(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
}
