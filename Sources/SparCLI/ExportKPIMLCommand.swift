import ArgumentParser
import Foundation
import SparCore
import SparEngine
import SparInterchange

/// `spar export kpi-ml definitions|values`: MESA KPI-ML V01 documents.
struct ExportKPIMLCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kpi-ml",
        abstract: "MESA KPI-ML V01 documents: the KPI definitions of a version, or the KPI values of a scope.",
        discussion: "The KPI Markup Language (KPI-ML) is used courtesy of MESA International.",
        subcommands: [Definitions.self, Values.self]
    )

    struct Output: ParsableArguments {
        @Option(help: "Write the document to this file (default: standard output).")
        var out: String?

        func write(_ data: Data, summary: String) throws {
            guard let out else {
                FileHandle.standardOutput.write(data)
                return
            }
            do { try data.write(to: URL(fileURLWithPath: out), options: .atomic) } catch {
                throw CLIError("cannot write \(out): \(error.localizedDescription)")
            }
            Console.out("\(summary) written to \(out)")
        }
    }

    /// `spar export kpi-ml definitions [--definition V] [--out FILE]`.
    struct Definitions: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A SyncKPIDefinition document with the 34 KPIs of a definition version.")

        @Option(help: "KPI definition version (spar-kpi-1, spar-kpi-2; default spar-kpi-2).")
        var definition: String = KPICatalogue.defaultVersion

        @OptionGroup var output: Output

        func run() async throws {
            try await reportingFailure {
                guard let version = KPICatalogue.version(definition) else {
                    throw CLIError(
                        "--definition '\(definition)' is not a KPI definition version; known: "
                            + KPICatalogue.versions.map(\.id).joined(separator: ", "))
                }
                try output.write(
                    KPIML.definitionsDocument(version, createdAt: .now),
                    summary: "\(version.kpis.count) KPI definitions (\(version.id))")
            }
        }
    }

    /// `spar export kpi-ml values --db DB --scope S --from T --to T [--shift N] [--definition V] [--out FILE]`.
    struct Values: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A SyncKPIValue document with every KPI of a scope and window that has a value, with its lineage.",
            discussion: "The same values as spar kpi --db for the same query; KPIs without a value (null) are left out.")

        @Option(help: "Ledger: an SQLite file or a postgres:// address.")
        var db: String

        @Option(help: "Equipment path: enterprise[/site[/area[/workCenter[/workUnit]]]].")
        var scope: String

        @Option(help: "Window start, RFC 3339 with offset (inclusive).")
        var from: String

        @Option(help: "Window end, RFC 3339 with offset (exclusive).")
        var to: String

        @Option(help: "Restrict the window to one shift's windows.")
        var shift: String?

        @Option(
            help: """
                KPI definition version (spar-kpi-1, spar-kpi-2). Default: the version in force in the ledger (or the \
                site's pinned one).
                """)
        var definition: String?

        @OptionGroup var output: Output

        @OptionGroup var identity: IdentityOptions

        func run() async throws {
            try await reportingFailure {
                let query = KPIQuery(
                    scope: EquipmentPath(scope), from: try parseTime(from, option: "--from"),
                    to: try parseTime(to, option: "--to"), shift: shift)
                let result = try await Self.result(query, db: db, definition: definition, identity: identity)
                let count = result.kpis.count { $0.1 != .null }
                try output.write(
                    KPIML.valuesDocument(result, createdAt: .now),
                    summary: "the values of \(count) KPIs of \(scope) (\(result.definition.id))")
            }
        }

        /// The KPI result `spar kpi --db` gives for `query`, read by the acting principal.
        static func result(
            _ query: KPIQuery, db: String, definition: String?, identity: IdentityOptions
        ) async throws -> KPIResult {
            let ledger = try await GovernedLedger.open(db: db, identity: identity)
            guard let (model, version) = try await LedgerPlantModel.inForce(in: ledger.store, at: .now) else {
                throw CLIError("the ledger \(db) holds no plant model yet; run spar ingest --plant first")
            }
            try ledger.authorize(.read, sites: model.sites(readBy: query.scope.description))
            let reader = try await LedgerProjection.reader(store: ledger.store, model: model, plantModelVersion: version)
            let policy = try await LedgerKPIDefinition.policy(in: ledger.store, at: .now)
            var result = try await reader.result(query, definition: try policy.definition(for: query.scope, requested: definition))
            result.lineage.blueprintVersion = try await LedgerBlueprint.asOf(.now, in: ledger.store)?.version
            return result
        }
    }
}
