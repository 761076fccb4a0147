import ArgumentParser

/// `spar export`: the ledger's data in interchange formats.
struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export master data, performance and KPIs in interchange formats (B2MML, KPI-ML).",
        subcommands: [ExportB2MMLCommand.self, ExportKPIMLCommand.self]
    )
}
