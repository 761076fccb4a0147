import ArgumentParser
import Foundation
import SparEngine

struct IngestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Validate JSON Lines events and append the valid ones to the ledger.",
        discussion: """
            Every rejected line is reported with its line number, id and field; valid lines are kept.
            Exits 1 when anything was rejected. Re-ingesting the same events is harmless (idempotent by id).
            """
    )

    @OptionGroup var options: IngestOptions

    @Flag(help: "No progress lines.")
    var quiet = false

    @Argument(help: "Events file (JSON Lines); '-' or nothing reads standard input.")
    var file: String?

    func run() async throws {
        let report: IngestReport
        do {
            report = try await ingest()
        } catch {
            throw ExitCode(Console.fail(error).code)
        }
        for r in report.rejections { Console.err("rejected: \(r)") }
        Console.out(
            "\(report.lines) lines: \(report.accepted) accepted, \(report.duplicates) duplicate, \(report.rejections.count) rejected")
        if !report.rejections.isEmpty { throw ExitCode(1) }
    }

    func ingest() async throws -> IngestReport {
        let ingest = try await options.openIngest()
        var reader = try LineReader(path: file)
        var total = IngestReport()
        var batches = 0
        let batchSize = options.batchSize
        var next = reader.next(max: batchSize)
        guard !next.isEmpty else { return total }
        var prepared = ingest.prepare(records: next)
        // While one batch is appended, the next is read and prepared on another core.
        while true {
            next = reader.next(max: batchSize)
            let lines = next
            async let following = lines.isEmpty ? nil : ingest.prepare(records: lines)
            total.add(try await ingest.commit(prepared))
            batches += 1
            if !quiet, batches % 20 == 0 {
                Console.err("… \(total.lines) lines, \(total.accepted) accepted, \(total.rejections.count) rejected")
            }
            guard let p = await following else { break }
            prepared = p
        }
        return total
    }
}
