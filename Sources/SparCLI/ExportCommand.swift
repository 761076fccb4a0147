import ArgumentParser

/// `spar export`: KPI definitions and values in interchange formats.
struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export KPI definitions and values in interchange formats.",
        subcommands: [ExportKPIMLCommand.self]
    )
}
