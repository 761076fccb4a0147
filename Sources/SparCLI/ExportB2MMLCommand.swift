import ArgumentParser
import Foundation
import SparCore
import SparEngine
import SparInterchange

/// `spar export b2mml equipment|performance`.
struct ExportB2MMLCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "b2mml",
        abstract: "Export ISA-95 B2MML V0700 documents (they validate against the MESA schemas).",
        subcommands: [Equipment.self, Performance.self]
    )

    struct Common: ParsableArguments {
        @Option(name: [.customLong("db"), .customLong("database")], help: "Ledger: an SQLite file or a postgres:// address.")
        var db: String = defaultLedger
        @Option(help: "Write the document to this file (default: standard output).")
        var out: String?
        @OptionGroup var identity: IdentityOptions

        func write(_ data: Data) throws {
            guard let out else {
                FileHandle.standardOutput.write(data)
                return
            }
            guard FileManager.default.createFile(atPath: out, contents: data) else {
                throw CLIError("cannot write \(out)")
            }
        }

        /// The ledger, the plant model in force and the reader's authority over `sites`.
        func open() async throws -> (GovernedLedger, PlantModel) {
            let ledger = try await GovernedLedger.open(db: db, identity: identity)
            guard let (model, _) = try await LedgerPlantModel.inForce(in: ledger.store, at: .now) else {
                throw CLIError("the ledger \(db) holds no plant model yet")
            }
            return (ledger, model)
        }
    }

    struct Equipment: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The equipment hierarchy in force (EquipmentInformation): sites with their time zones, areas, work centers, units.")
        @OptionGroup var common: Common

        func run() async throws {
            try await reportingFailure {
                let (ledger, model) = try await common.open()
                let readable = model.sites.map(\.id).filter { (try? ledger.authorize(.read, sites: [$0])) != nil }
                guard !readable.isEmpty else { throw CLIError("\(ledger.principal.id) may read no site of this ledger") }
                try common.write(ExportB2MML.equipment(model: model, sites: Set(readable)))
            }
        }
    }

    struct Performance: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Orders' performance under a scope over a window (OperationsPerformance): per order and unit, good, scrap and rework.")
        @OptionGroup var common: Common
        @Option(help: "Equipment path: enterprise, site, area, work center or work unit.")
        var scope: String
        @Option(help: "Window start, RFC 3339.")
        var from: String
        @Option(help: "Window end, RFC 3339.")
        var to: String

        func run() async throws {
            try await reportingFailure {
                let start = try parseTime(from, option: "--from")
                let end = try parseTime(to, option: "--to")
                guard start < end else { throw CLIError("--from must be before --to") }
                let (ledger, model) = try await common.open()
                let path = EquipmentPath(scope)
                guard path.components.first == model.enterprise,
                    model.resolvedWorkUnits.contains(where: { path.isPrefix(of: $0.path) })
                else { throw CLIError("--scope \(scope) is not equipment of the plant model") }
                try ledger.authorize(.read, sites: model.sites(readBy: scope))
                try common.write(
                    try await ExportB2MML.performance(
                        store: ledger.store, model: model, scope: path, window: Interval(start, end)))
            }
        }
    }
}
