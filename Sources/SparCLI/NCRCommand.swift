import ArgumentParser
import Foundation
import SparCore
import SparEngine
import SparGovernance
import SparInterchange

struct NCRCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ncr",
        abstract: "Nonconformances: open (containment), MRB disposition with signatures, close, list, aging.",
        discussion: """
            An NCR holds its serial or lot and blocks its traveler until the disposition. The MRB disposition
            (useAsIs, rework, repair, scrap, returnToVendor) needs quality and engineering signatures, each by a
            different person: name each signer with --signer USER (role USER:ROLE), each re-authenticating with
            SPAR_PASSWORD_<USER>, SPAR_PASSWORD or a prompt. Rework and repair add operations to the traveler
            (--operations FILE: a JSON or YAML list of operations, as in a routing file).
            """,
        subcommands: [Open.self, Disposition.self, Close.self, List.self, Show.self, Aging.self]
    )

    struct Open: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Open an NCR on a serial or lot (it is contained).")
        @OptionGroup var options: ExecutionOptions
        @OptionGroup var time: ExecutionTime
        @Argument(help: "NCR id.")
        var ncr: String
        @Option(help: "The traveler it stops (its serial or lot is the nonconforming item).")
        var traveler: String?
        @Option(help: "The nonconforming serial (without --traveler).")
        var serial: String?
        @Option(help: "The nonconforming lot (without --traveler).")
        var lot: String?
        @Option(help: "Part number (default: the traveler's).")
        var part: String?
        @Option(help: "Quantity nonconforming.")
        var quantity: Int = 1
        @Option(help: "The characteristic.")
        var characteristic: String
        @Option(help: "What was found.")
        var found: String
        @Option(help: "What was required.")
        var requirement: String
        @Option(help: "Cause code, for aging by cause.")
        var cause: String

        func run() async throws {
            try await reportingFailure {
                let (ledger, execution) = try await options.open()
                let state = try await execution.current()
                let item: GenealogyNode
                var partNumber = part
                switch (traveler, serial, lot) {
                case (let t?, nil, nil):
                    guard let rec = state.travelers[t] else { throw CLIError("no traveler \(t)") }
                    item = rec.item.node
                    partNumber = partNumber ?? rec.partNumber
                case (nil, let s?, nil): item = .serial(s)
                case (nil, nil, let l?): item = .lot(l)
                default: throw CLIError("give --traveler T, --serial SN or --lot LOT")
                }
                guard let partNumber else { throw CLIError("give --part PN") }
                let r = try await execution.openNCR(
                    NCROpened(
                        ncr: ncr, traveler: traveler, item: item, partNumber: partNumber, quantity: quantity,
                        characteristic: characteristic, foundValue: found, requirement: requirement, cause: cause),
                    by: ledger.principal, at: time.time)
                Console.out("\(ncr) opened on \(item): \(characteristic) \(found), requirement \(requirement) (\(r.entryID))")
            }
        }
    }

    struct Disposition: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Record the MRB disposition with its signatures.")
        @OptionGroup var options: ExecutionOptions
        @Argument(help: "NCR id.")
        var ncr: String
        @Option(help: "useAsIs, rework, repair, scrap or returnToVendor.")
        var disposition: SparCore.Disposition
        @Option(help: "Why.")
        var rationale: String
        @Option(name: .customLong("signer"), help: "An MRB member signing, USER or USER:ROLE (repeatable).")
        var signers: [String]
        @Option(help: "Operations rework or repair adds (JSON or YAML list of operations).")
        var operations: String?

        func run() async throws {
            try await reportingFailure {
                let (governance, execution) = try options.openForSigning()
                var added: [RoutingOperation] = []
                if let operations {
                    let data: Data
                    do { data = try Data(contentsOf: URL(fileURLWithPath: operations)) } catch {
                        throw CLIError("cannot read \(operations)")
                    }
                    added = try NCRCommand.operations(data, name: operations)
                }
                let signing = try signers.map { text in
                    let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
                    var role: Role?
                    if parts.count == 2 {
                        guard let r = Role(rawValue: parts[1]) else { throw CLIError("'\(parts[1])' is not a role") }
                        role = r
                    }
                    return try ExecutionOptions.signer(parts[0], "dispositioning \(ncr)", role: role)
                }
                let s = try await governance.disposition(
                    ncr: ncr, disposition, addedOperations: added, rationale: rationale, signers: signing,
                    station: IdentityOptions.station, in: execution)
                Console.out("\(ncr) dispositioned \(disposition.rawValue) (\(s.receipt.entryID))")
                if !added.isEmpty {
                    Console.out("  added operations \(added.map { String($0.sequence) }.joined(separator: ", "))")
                }
                ExecutionText.signed(s)
            }
        }
    }

    /// Operations from a file: a list, or an object with `operations`.
    static func operations(_ data: Data, name: String) throws -> [RoutingOperation] {
        let text = String(decoding: data, as: UTF8.self)
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        let wrapped: String
        if trimmed.hasPrefix("[") {
            wrapped = #"{"partNumber":"-","revision":"-","operations":"# + trimmed + "}"
        } else if trimmed.hasPrefix("{") {
            guard let v = try? JSONValue.parse(data), let ops = v["operations"] else {
                throw CLIError("\(name): give a list of operations")
            }
            wrapped = JSONValue.object(["partNumber": .string("-"), "revision": .string("-"), "operations": ops]).canonical
        } else {
            wrapped = "partNumber: '-'\nrevision: '-'\noperations:\n" + text.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n")
        }
        return try ExecutionRecordJSON.routing(file: Data(wrapped.utf8), name: name).operations
    }

    struct Close: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Close a dispositioned NCR with a quality signature (meaning verified).")
        @OptionGroup var options: ExecutionOptions
        @Argument(help: "NCR id.")
        var ncr: String
        @Option(help: "An optional comment shown with the signature.")
        var reason: String?

        func run() async throws {
            try await reportingFailure {
                let (governance, execution) = try options.openForSigning()
                let s = try await governance.closeNCR(
                    ncr: ncr, signer: try options.signer("closing \(ncr)"), reason: reason,
                    station: IdentityOptions.station, in: execution)
                Console.out("\(ncr) closed (\(s.receipt.entryID))")
                ExecutionText.signed(s)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The NCR queue: every NCR, oldest first.")
        @OptionGroup var options: ExecutionOptions
        @Option(help: "Output: text or json.")
        var format: AuditCommand.Format = .text

        func run() async throws {
            try await reportingFailure {
                let (ledger, execution) = try await options.open()
                try ledger.authorize(.read)
                let state = try await execution.current()
                let now = Timestamp.now
                let all = state.ncrs.values.sorted { ($0.openedAt, $0.id) < ($1.openedAt, $1.id) }
                if format == .json {
                    Console.out(JSONValue.array(all.map { ExecutionReportJSON.ncr($0, at: now) }).canonical)
                    return
                }
                for n in all {
                    Console.out(
                        [
                            n.id, n.status.rawValue, n.item.description, "\(n.characteristic) \(n.foundValue) (req. \(n.requirement))",
                            n.disposition?.rawValue ?? "-", ExecutionText.age(n.age(at: now)),
                        ].joined(separator: "\t"))
                }
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one NCR, as JSON.")
        @OptionGroup var options: ExecutionOptions
        @Argument(help: "NCR id.")
        var ncr: String

        func run() async throws {
            try await reportingFailure {
                let (ledger, execution) = try await options.open()
                try ledger.authorize(.read)
                guard let n = try await execution.current().ncrs[ncr] else { throw CLIError("no NCR \(ncr)") }
                Console.out(ExecutionReportJSON.ncr(n, at: .now).canonical)
            }
        }
    }

    struct Aging: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "NCR aging by cause: open, closed, oldest, means.")
        @OptionGroup var options: ExecutionOptions

        func run() async throws {
            try await reportingFailure {
                let (ledger, execution) = try await options.open()
                try ledger.authorize(.read)
                for a in try await execution.current().ncrAging(at: .now) {
                    Console.out(
                        "\(a.cause)\topen \(a.open)\tclosed \(a.closed)\toldest open \(a.oldestOpenAge.map(ExecutionText.age) ?? "-")"
                            + "\tmean time to close \(a.meanTimeToClose.map(ExecutionText.age) ?? "-")")
                }
            }
        }
    }
}
