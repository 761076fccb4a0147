import ArgumentParser
import Foundation
import SparCore
import SparEngine
import SparGovernance
import SparInterchange

struct RoutingCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "routing",
        abstract: "Routings: propose a revision (under change control), list and show released revisions.",
        discussion: """
            A routing revision is master data: spar routing propose records a change request; it is released
            once engineering and quality approved it (spar change approve CR-…), effective at the requested time
            or at the last approval when that is later. A traveler binds to the revision in force at its release
            and keeps it.
            """,
        subcommands: [Propose.self, List.self, Show.self]
    )

    struct Propose: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Propose a routing revision (JSON or YAML file).")
        @OptionGroup var options: ExecutionOptions
        @Argument(help: "The routing file.")
        var file: String
        @Option(help: "Why the revision is needed.")
        var reason: String
        @Option(help: "Requested effective time, RFC 3339 (default: now).")
        var effective: String?

        func run() async throws {
            try await reportingFailure {
                let (ledger, _) = try await options.open()
                let data: Data
                do { data = try Data(contentsOf: URL(fileURLWithPath: file)) } catch {
                    throw CLIError("cannot read \(file)")
                }
                let routing = try ExecutionRecordJSON.routing(file: data, name: file)
                let at = try effective.map { try parseTime($0, option: "--effective") } ?? .now
                let cr = try await ledger.governance.propose(
                    .routing(routing), reason: reason, effectiveAt: at, by: ledger.principal)
                Console.out("\(cr.id) proposed: routing \(cr.baseVersion ?? "none") → \(cr.proposedVersion)")
                ChangeCommand.printDetail(cr)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List released routing revisions and their status now.")
        @OptionGroup var options: ExecutionOptions
        @Option(help: "Output: text or json.")
        var format: AuditCommand.Format = .text

        func run() async throws {
            try await reportingFailure {
                let (ledger, execution) = try await options.open()
                try ledger.authorize(.read)
                let state = try await execution.current()
                let now = Timestamp.now
                let all = state.routings.keys.sorted().flatMap { state.routings[$0] ?? [] }
                if format == .json {
                    Console.out(
                        JSONValue.array(all.map { ExecutionReportJSON.routing($0, status: state.status(of: $0.id, at: now)) })
                            .canonical)
                    return
                }
                for r in all {
                    let status = state.status(of: r.id, at: now)?.rawValue ?? "draft"
                    Console.out(
                        "\(r.id)\t\(status)\teffective \(r.effectiveFrom?.rfc3339 ?? "-")\t\(r.operations.count) operations")
                }
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a routing revision: operations, steps, data items.")
        @OptionGroup var options: ExecutionOptions
        @Argument(help: "Part number.")
        var part: String
        @Option(help: "Revision (default: the one in force now).")
        var revision: String?
        @Option(help: "Output: text or json.")
        var format: AuditCommand.Format = .text

        func run() async throws {
            try await reportingFailure {
                let (ledger, execution) = try await options.open()
                try ledger.authorize(.read)
                let state = try await execution.current()
                let now = Timestamp.now
                let found =
                    revision.map { state.routing(RoutingID(partNumber: part, revision: $0)) }
                    ?? state.routing(inForceFor: part, at: now)
                guard let r = found else {
                    throw CLIError("no released routing of \(part)\(revision.map { " rev \($0)" } ?? " in force now")")
                }
                if format == .json {
                    Console.out(ExecutionReportJSON.routing(r, status: state.status(of: r.id, at: now)).canonical)
                    return
                }
                Console.out(
                    "\(r.id) (\(state.status(of: r.id, at: now)?.rawValue ?? "draft"), effective \(r.effectiveFrom?.rfc3339 ?? "-"))")
                for op in r.operations {
                    Console.out("  operation \(op.sequence) \(op.title) at \(op.workCenter)")
                    for s in op.steps {
                        var line = "    \(op.sequence).\(s.sequence) \(s.instruction)"
                        if let d = s.document { line += " [\(d)]" }
                        if let h = s.holdPoint { line += " — \(h.phrase)" }
                        Console.out(line)
                        for d in s.dataItems {
                            Console.out("      \(d.id): \(d.name) (\(d.type.rawValue)) \(d.requirement)\(d.mandatory ? "" : ", optional")")
                        }
                    }
                }
            }
        }
    }
}
