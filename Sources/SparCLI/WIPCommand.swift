import ArgumentParser
import Foundation
import SparCore
import SparEngine
import SparInterchange

struct WIPCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wip",
        abstract: "Work in progress: where every serial and lot is, in what state, for how long, blocked by what.")
    @OptionGroup var options: ExecutionOptions
    @Option(help: "Output: text or json.")
    var format: AuditCommand.Format = .text

    func run() async throws {
        try await reportingFailure {
            let (ledger, execution) = try await options.open()
            try ledger.authorize(.read)
            let rows = try await execution.wip()
            let now = Timestamp.now
            if format == .json {
                Console.out(JSONValue.array(rows.map { ExecutionReportJSON.wip($0, at: now) }).canonical)
                return
            }
            for r in rows {
                Console.out(
                    [
                        r.traveler, r.item.description, r.step.map { "step \($0)" } ?? "-",
                        r.workCenter?.description ?? "-", r.status.description,
                        "since \(r.since.rfc3339) (\(ExecutionText.age(r.age(at: now))))",
                    ].joined(separator: "\t"))
            }
        }
    }
}
