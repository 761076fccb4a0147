import ArgumentParser
import Foundation
import SparCSV
import SparCore
import SparEngine
import SparInterchange

/// `spar import`: events from other formats, through the same checks and ledger as `spar ingest`.
struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import events (csv, b2mml: an ingest, same checks, idempotent; b2mml master data and kpi-ml definitions: a change request).",
        subcommands: [ImportCSVCommand.self, ImportB2MMLCommand.self, ImportKPIMLCommand.self]
    )
}

/// `spar import csv FILE --map MAP.yaml [--preview N]`.
struct ImportCSVCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "csv",
        abstract: "Map the rows of a CSV export to events with a column map and append them to the ledger.",
        discussion: """
            Every rejected row is reported with its line, column and why; good rows are kept. \
            Exits 1 when any row was rejected. Re-importing the same file stores nothing new: rows without an id \
            column get an id derived from their content (README, "CSV import"). --preview prints the first N events \
            as JSON Lines and every problem, and stores nothing.
            """
    )

    @OptionGroup var options: IngestOptions

    @Option(help: "The column map (YAML): source, time, unit, type, fields, reasons.")
    var map: String

    @Option(help: "Print the first N mapped events (JSON Lines) and every problem; store nothing.")
    var preview: Int?

    @Flag(help: "No progress bar.")
    var quiet = false

    @Argument(help: "CSV file; '-' reads standard input.")
    var file: String

    func run() async throws {
        let outcome: (problems: [CSVProblem], summary: String)
        do {
            let map = try CSVMap.load(path: map)
            let data = try read()
            if let preview {
                guard preview >= 0 else { throw CLIError("--preview must not be negative") }
                outcome = try await self.preview(data, map: map, count: preview)
            } else {
                outcome = try await ingest(data, map: map)
            }
        } catch let e as CSVFileError {
            for p in e.problems { Console.err("error: \(p)") }
            throw ExitCode(2)
        } catch {
            throw ExitCode(Console.fail(error).code)
        }
        let label = preview == nil ? "rejected" : "problem"
        for p in outcome.problems { Console.err("\(label): \(p)") }
        if preview == nil { Console.out(outcome.summary) } else { Console.err(outcome.summary) }
        if !outcome.problems.isEmpty { throw ExitCode(1) }
    }

    func read() throws -> Data {
        if file == "-" { return FileHandle.standardInput.readDataToEndOfFile() }
        guard let data = FileManager.default.contents(atPath: file) else {
            throw CLIError("cannot open \(file) for reading")
        }
        return data
    }

    func preview(_ data: Data, map: CSVMap, count: Int) async throws -> ([CSVProblem], String) {
        let model = try await options.readOnlyModel()
        let rows = try CSVImport(map: map, model: model).reader(data)
        var problems: [CSVProblem] = []
        var mapped = 0
        var rejected = 0
        while let row = rows.next() {
            switch row {
            case .event(let e):
                if mapped < count { Console.out(EventCoding.canonical(e.event)) }
                mapped += 1
            case .rejected(_, let p):
                problems += p
                rejected += 1
            }
        }
        var summary = "preview: \(rows.rows) rows: \(mapped) mapped, \(rejected) rejected; nothing stored"
        if model == nil { summary += " (no plant model: units, sources and reason codes were not checked)" }
        return (problems, summary)
    }

    func ingest(_ data: Data, map: CSVMap) async throws -> ([CSVProblem], String) {
        _ = try CSVImport(map: map).reader(data)
        let ingest = try await options.openIngest()
        let importer = CSVImport(map: map, model: ingest.model)
        let rows = try importer.reader(data)
        var progress = ProgressBar(total: rows.lineCount, quiet: quiet)
        defer { progress.finish() }
        var problems: [CSVProblem] = []
        var rejected = 0
        var accepted = 0
        var duplicates = 0
        var batch: [CSVMappedEvent] = []
        func flush() async throws {
            guard !batch.isEmpty else { return }
            let types = Dictionary(batch.map { ($0.line, $0.event.type) }, uniquingKeysWith: { a, _ in a })
            let report = try await ingest.ingest(events: batch.map { (line: $0.line, event: $0.event) })
            accepted += report.accepted
            duplicates += report.duplicates
            for r in report.rejections {
                let line = r.line ?? 0
                problems.append(importer.problem(for: r, line: line, type: types[line] ?? ""))
                rejected += 1
            }
            batch.removeAll(keepingCapacity: true)
        }
        while let row = rows.next() {
            switch row {
            case .event(let e):
                batch.append(e)
                if batch.count >= options.batchSize { try await flush() }
            case .rejected(_, let p):
                problems += p
                rejected += 1
            }
            if rows.rows % 1000 == 0 { progress.update(done: rows.line, rows: rows.rows) }
        }
        try await flush()
        try await LedgerImportRecord.record(
            LedgerImportRecord.Summary(
                format: "csv", file: file == "-" ? "(standard input)" : (file as NSString).lastPathComponent, data: data,
                rows: rows.rows, accepted: accepted, duplicates: duplicates, rejected: rejected),
            enterprise: ingest.model.enterprise, in: ingest.store, recordedAt: .now, recordedBy: ingest.recordedBy)
        problems = problems.enumerated().sorted { ($0.element.line, $0.offset) < ($1.element.line, $1.offset) }.map(
            \.element)
        return (problems, "\(rows.rows) rows: \(accepted) accepted, \(duplicates) duplicate, \(rejected) rejected")
    }
}
