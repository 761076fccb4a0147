import ArgumentParser
import Foundation
import SparCore
import SparInterchange
import SparSQLite

/// `spar connect`: machine connectors.
struct ConnectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "connect",
        abstract: "Machine connectors: check a connectors file, run its MTConnect connectors, show their health.",
        subcommands: [Check.self, MTConnect.self, Status.self])

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate a connectors file against the plant model and print the mapping, without connecting.")

        @Argument(help: "The connectors file (connectors.yaml).")
        var file: String

        @Option(help: "Plant model (plant.yaml or plant.json). Optional with --db: the ledger's model is used.")
        var plant: String?

        @Option(help: "SQLite ledger whose plant model the file is checked against.")
        var db: String?

        @OptionGroup var identity: IdentityOptions

        func run() async throws {
            do {
                var store: SQLiteLedgerStore?
                if let db { store = try await openAuthorizedLedger(db, identity: identity, .read) }
                let model = try await MapCommand.plantModel(path: plant, store: store)
                let data: Data
                do {
                    data = try Data(contentsOf: URL(fileURLWithPath: file))
                } catch {
                    throw CLIError("cannot read \(file) (\(error.localizedDescription))")
                }
                let connectors = try ConnectorsFile.decode(data, name: file, plant: model)
                Console.out(connectors.describe())
            } catch let e as ExitCodeError {
                throw ExitCode(e.code)
            } catch {
                throw ExitCode(Console.fail(error).code)
            }
        }
    }
}
