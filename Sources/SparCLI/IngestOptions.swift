import ArgumentParser
import Foundation
import SparCore
import SparEngine
import SparInterchange
import SparSQLite
import SparStorage

/// The options of every command that appends events through the governed ledger (`spar ingest`, `spar import`).
struct IngestOptions: ParsableArguments {
    @Option(name: [.customLong("db"), .customLong("database")], help: "Ledger: an SQLite file or a postgres:// address (created if missing).")
    var db: String = defaultLedger

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

    @OptionGroup var identity: IdentityOptions

    /// Opens (or creates) the ledger as the acting principal, records `--plant` when given, and returns the use
    /// case that appends events under the ledger's plant model.
    func openIngest() async throws -> IngestEvents { try await openIngestLedger().ingest }

    /// ``openIngest()`` and the governed ledger it opened (for commands that also propose changes).
    func openIngestLedger() async throws -> (ingest: IngestEvents, ledger: GovernedLedger) {
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
        return (ingest, ledger)
    }

    /// The plant model to check against without writing anything: `--plant`, else the ledger's when `--db` exists;
    /// nil when there is neither.
    func readOnlyModel() async throws -> PlantModel? {
        if let plant { return try PlantModelFile.load(path: plant) }
        guard FileManager.default.fileExists(atPath: db) else { return nil }
        let ledger = try await GovernedLedger.open(db: db, key: key, identity: identity)
        return try await LedgerPlantModel.latest(in: ledger.store)?.0
    }
}
