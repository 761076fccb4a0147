import ArgumentParser

/// `spar`: the command-line shell over Spar's engine.
public struct SparCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "spar",
        abstract: "Spar: ISO 22400 KPIs and an append-only ledger for manufacturing operations.",
        subcommands: [
            DemoCommand.self, IngestCommand.self, ImportCommand.self, ExportCommand.self, KPICommand.self, RebuildCommand.self, BenchCommand.self, MapCommand.self,
            VerifyCommand.self, CheckpointCommand.self, ProofCommand.self, ServeCommand.self, AuditCommand.self,
            UserCommand.self, SignCommand.self, ChangeCommand.self, OQCommand.self, ConnectCommand.self,
            RoutingCommand.self, TravelerCommand.self, WIPCommand.self, TraceCommand.self, NCRCommand.self, MigrateCommand.self,
        ]
    )

    public init() {}
}
