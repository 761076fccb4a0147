import ArgumentParser
import Foundation
import SparCore
import SparEngine
import SparInterchange
import SparSQLite
import SparStorage

struct IngestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Validate JSON Lines events and append the valid ones to the ledger.",
        discussion: """
            Every rejected line is reported with its line number, id and field; valid lines are kept.
            Exits 1 when anything was rejected. Re-ingesting the same events is harmless (idempotent by id).
            """
    )

    @Option(help: "SQLite ledger file (created if missing).")
    var db: String = "spar-data/spar.sqlite"

    @Option(help: "Checkpoint signing key file (default: $SPAR_LEDGER_KEY, else <db>.key; created with mode 0600).")
    var key: String?

    @Option(help: "Plant model (plant.yaml or plant.json). Optional once the ledger holds one.")
    var plant: String?

    @Flag(help: "Record --plant as a new plant model version when it differs from the ledger's.")
    var updatePlant = false

    @Option(help: "Lines per ledger transaction.")
    var batchSize = 5000

    @Option(help: "Refuse events more than this many seconds ahead of the server clock.")
    var maxFutureSeconds = 300

    @Flag(help: "No progress lines.")
    var quiet = false

    @Argument(help: "Events file (JSON Lines); '-' or nothing reads standard input.")
    var file: String?

    @OptionGroup var identity: IdentityOptions

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
        guard batchSize > 0 else { throw CLIError("--batch-size must be positive") }
        let ledger = try await GovernedLedger.open(db: db, key: key, create: true, identity: identity)
        let store = ledger.store
        let principal = ledger.principal
        let model: PlantModel
        if let plant {
            model = try PlantModelFile.load(path: plant)
            if try await LedgerPlantModel.latest(in: store) == nil { try ledger.authorize(.proposeChange) }
            _ = try await LedgerPlantModel.record(
                model, in: store, allowNewVersion: updatePlant, recordedAt: .now, recordedBy: principal.recordedBy)
        } else if let (stored, _) = try await LedgerPlantModel.latest(in: store) {
            model = stored
        } else {
            throw CLIError("the ledger \(db) holds no plant model yet: pass --plant plant.yaml")
        }
        let ingest = IngestEvents(
            model: model, store: store, recordedBy: principal.recordedBy,
            principal: principal.kind == .local ? nil : principal, maxFutureSkew: Int64(maxFutureSeconds) * 1000,
            now: { .now })
        var reader = try LineReader(path: file)
        var total = IngestReport()
        var batches = 0
        while true {
            let lines = reader.next(max: batchSize)
            if lines.isEmpty { break }
            total.add(try await ingest.ingest(records: lines))
            batches += 1
            if !quiet, batches % 20 == 0 {
                Console.err("… \(total.lines) lines, \(total.accepted) accepted, \(total.rejections.count) rejected")
            }
        }
        return total
    }
}
