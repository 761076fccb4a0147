import ArgumentParser
import Foundation
import SparCore
import SparEngine
import SparInterchange

struct TraceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trace",
        abstract: "Genealogy: which serials contain a lot (forward), everything behind a serial (backward).",
        subcommands: [Forward.self, Backward.self]
    )

    struct Target: ParsableArguments {
        @Option(help: "A serial.")
        var serial: String?
        @Option(help: "A lot or heat.")
        var lot: String?
        @Option(help: "Output: text or json.")
        var format: AuditCommand.Format = .text

        var node: GenealogyNode {
            get throws {
                switch (serial, lot) {
                case (let s?, nil): return .serial(s)
                case (nil, let l?): return .lot(l)
                default: throw CLIError("give --serial SN or --lot LOT")
                }
            }
        }
    }

    struct Forward: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every serial and lot a lot (or serial) went into.")
        @OptionGroup var options: ExecutionOptions
        @OptionGroup var target: Target

        func run() async throws {
            try await reportingFailure {
                let (ledger, execution) = try await options.open()
                try ledger.authorize(.read)
                let trace = try await execution.traceForward(try target.node)
                if target.format == .json {
                    Console.out(ExecutionReportJSON.forward(trace).canonical)
                    return
                }
                Console.out("\(trace.origin) went into \(trace.reached.count) serials and lots")
                for e in trace.edges { Console.out("  \(e)" + (e.quantity.map { " (\(JSONValue.format($0)))" } ?? "")) }
                Console.out("serials: \(trace.serials.joined(separator: ", "))")
            }
        }
    }

    struct Backward: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Everything behind a serial: lots, serials, operations, people, measurements, NCRs.")
        @OptionGroup var options: ExecutionOptions
        @OptionGroup var target: Target

        func run() async throws {
            try await reportingFailure {
                let (ledger, execution) = try await options.open()
                try ledger.authorize(.read)
                let t = try await execution.traceBackward(try target.node)
                if target.format == .json {
                    Console.out(ExecutionReportJSON.backward(t).canonical)
                    return
                }
                Console.out("behind \(t.origin): \(t.ancestors.count) serials and lots")
                for e in t.edges { Console.out("  \(e)" + (e.quantity.map { " (\(JSONValue.format($0)))" } ?? "")) }
                Console.out("lots: \(t.lots.joined(separator: ", "))")
                Console.out("serials: \(t.serials.joined(separator: ", "))")
                Console.out("travelers: \(t.travelers.joined(separator: ", "))")
                for s in t.steps {
                    var line = "  \(s.traveler) \(s.step) at \(s.workCenter?.description ?? "-"): started by \(s.startedBy)"
                    if let c = s.completion { line += ", performed by \(c.signer)" }
                    if let h = s.holdPointSignature { line += ", \(h.meaning.rawValue) by \(h.signer)" }
                    Console.out(line)
                }
                for m in t.measurements {
                    Console.out(
                        "  \(m.traveler) \(m.step) \(m.characteristic) = \(m.entry.value)"
                            + (m.entry.withinLimits ? "" : " (out of limits)") + (m.entry.isCurrent ? "" : " [superseded]"))
                }
                Console.out("people: \(t.people.joined(separator: ", "))")
                Console.out("NCRs: \(t.ncrs.isEmpty ? "none" : t.ncrs.joined(separator: ", "))")
            }
        }
    }
}
