import ArgumentParser
import Foundation
import SparCore
import SparEngine
import SparSQLite

struct RebuildCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rebuild",
        abstract: "Rebuild the KPI projection from the ledger's events and report what it holds."
    )

    @Option(help: "SQLite ledger file.")
    var db: String = "spar-data/spar.sqlite"

    @OptionGroup var identity: IdentityOptions

    func run() async throws {
        do {
            let store = try await openAuthorizedLedger(db, identity: identity, .read)
            guard let (model, version) = try await LedgerPlantModel.latest(in: store) else {
                throw CLIError("the ledger \(db) holds no plant model")
            }
            let started = Date()
            let engine = try await LedgerProjection.load(store: store, model: model, plantModelVersion: version)
            let seconds = Date().timeIntervalSince(started)
            let stats = engine.statistics
            Console.out(
                "rebuilt from \(stats.events) events over \(stats.units) units in \(String(format: seconds, digits: 3)) s (plant model \(version))")
        } catch {
            throw ExitCode(Console.fail(error).code)
        }
    }
}
