import ArgumentParser
import Foundation
import SparCore
import SparEngine
import SparGovernance
import SparInterchange

struct TravelerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "traveler",
        abstract: "Electronic travelers: release, start and complete steps, record values, sign hold points.",
        discussion: """
            Every command records one execution fact in the ledger after the execution record accepted it: steps
            in sequence, values within limits (a value outside opens an NCR), hold points signed by an inspector,
            nothing while an NCR holds the part. A refusal names its rule and records nothing. Completing a step,
            signing a hold point and correcting an entry are electronic signatures: the signer re-authenticates
            (--as or SPAR_USER, and SPAR_PASSWORD or a prompt).
            """,
        subcommands: [
            Release.self, Start.self, Record.self, Complete.self, Sign.self, Show.self, List.self, Consume.self,
            Assemble.self, SplitLot.self, MergeLots.self, Correct.self, AsBuilt.self, VerifyAsBuilt.self,
        ]
    )

    struct Release: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Release a traveler for a work order and a serial or lot (bound to the routing in force).")
        @OptionGroup var options: ExecutionOptions
        @OptionGroup var time: ExecutionTime
        @Argument(help: "Traveler id.")
        var traveler: String
        @Option(help: "Work order.")
        var workOrder: String
        @Option(help: "Part number.")
        var part: String
        @Option(help: "The serial it makes.")
        var serial: String?
        @Option(help: "The lot it makes (with --quantity).")
        var lot: String?
        @Option(help: "The lot's quantity.")
        var quantity: Int?

        func run() async throws {
            try await reportingFailure {
                let item: TravelerItem
                switch (serial, lot, quantity) {
                case (let s?, nil, nil): item = .serial(s)
                case (nil, let l?, let q?): item = .lot(l, quantity: q)
                default: throw CLIError("give --serial SN, or --lot LOT and --quantity N")
                }
                let (ledger, execution) = try await options.open()
                let r = try await execution.releaseTraveler(
                    traveler, workOrder: workOrder, partNumber: part, item: item, by: ledger.principal, at: time.time)
                let t = try await execution.current().travelers[traveler]
                Console.out(
                    "\(traveler) released: work order \(workOrder), \(item), routing \(t?.routing.description ?? part) (\(r.entryID))")
            }
        }
    }

    struct Start: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Start a step (operation.step, like 10.20).")
        @OptionGroup var options: ExecutionOptions
        @OptionGroup var time: ExecutionTime
        @Argument(help: "Traveler id.")
        var traveler: String
        @Argument(help: "Step, like 10.20.")
        var step: StepRef
        @Option(name: .customLong("qualification"), help: "A qualification the operator holds (repeatable).")
        var qualifications: [String] = []
        @Option(name: .customLong("tool"), help: "A tool or gauge used (repeatable).")
        var tools: [String] = []

        func run() async throws {
            try await reportingFailure {
                let (ledger, execution) = try await options.open()
                let r = try await execution.startStep(
                    traveler: traveler, step: step, qualifications: qualifications, tools: tools, by: ledger.principal,
                    at: time.time)
                Console.out("\(traveler) step \(step) started by \(r.event.actor) at \(r.event.time.rfc3339) (\(r.entryID))")
            }
        }
    }

    struct Record: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record a data value of a started step; a value outside its limits opens an NCR.")
        @OptionGroup var options: ExecutionOptions
        @OptionGroup var time: ExecutionTime
        @Argument(help: "Traveler id.")
        var traveler: String
        @Argument(help: "Step, like 10.20.")
        var step: StepRef
        @Argument(help: "Data item id.")
        var item: String
        @Argument(help: "The value (a number, text, true/false, pass/fail).")
        var value: String

        func run() async throws {
            try await reportingFailure {
                let (ledger, execution) = try await options.open()
                let state = try await execution.current()
                guard let t = state.travelers[traveler] else { throw CLIError("no traveler \(traveler)") }
                guard let d = t.step(step)?.dataItems.first(where: { $0.id == item }) else {
                    throw CLIError("step \(step) of traveler \(traveler) has no data item '\(item)'")
                }
                let v = try ExecutionText.value(value, for: d.type)
                let r = try await execution.recordValue(
                    traveler: traveler, step: step, item: item, value: v, by: ledger.principal, at: time.time)
                let shown = if case .number(let n) = v { d.show(n) + (d.unit.map { " \($0)" } ?? "") } else { v.description }
                let verdict = r.consequences.isEmpty ? "within \(d.requirement)" : "outside \(d.requirement)"
                Console.out("\(traveler) step \(step) \(item) = \(shown): \(verdict) (\(r.entryID))")
                ExecutionText.consequences(r)
            }
        }
    }

    struct Complete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Complete a step with your signature (meaning performed; user id and password).")
        @OptionGroup var options: ExecutionOptions
        @Argument(help: "Traveler id.")
        var traveler: String
        @Argument(help: "Step, like 10.20.")
        var step: StepRef

        func run() async throws {
            try await reportingFailure {
                let (governance, execution) = try options.openForSigning()
                let s = try await governance.completeStep(
                    traveler: traveler, step: step, signer: try options.signer("completing \(traveler) \(step)"),
                    station: IdentityOptions.station, in: execution)
                let t = try await execution.current().travelers[traveler]
                let done = if case .complete? = t?.status { "; traveler \(traveler) is complete" } else { "" }
                Console.out("\(traveler) step \(step) completed (\(s.receipt.entryID))\(done)")
                ExecutionText.signed(s)
            }
        }
    }

    struct Sign: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Sign the hold point of a completed step as inspector (meaning inspected or approved).")
        @OptionGroup var options: ExecutionOptions
        @Argument(help: "Traveler id.")
        var traveler: String
        @Argument(help: "Step, like 10.20.")
        var step: StepRef
        @Option(help: "inspected or approved.")
        var meaning: ExecutionSignatureMeaning = .inspected
        @Option(help: "An optional comment shown with the signature.")
        var reason: String?

        func run() async throws {
            try await reportingFailure {
                let (governance, execution) = try options.openForSigning()
                let s = try await governance.signHoldPoint(
                    traveler: traveler, step: step, meaning: meaning,
                    signer: try options.signer("signing the hold point of \(traveler) \(step)"), reason: reason,
                    station: IdentityOptions.station, in: execution)
                let t = try await execution.current().travelers[traveler]
                let done = if case .complete? = t?.status { "; traveler \(traveler) is complete" } else { "" }
                Console.out("\(traveler) hold point \(step) signed (\(s.receipt.entryID))\(done)")
                ExecutionText.signed(s)
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a traveler: steps, values, signatures, NCRs.")
        @OptionGroup var options: ExecutionOptions
        @Argument(help: "Traveler id.")
        var traveler: String
        @Option(help: "Output: text or json.")
        var format: AuditCommand.Format = .text

        func run() async throws {
            try await reportingFailure {
                let (ledger, execution) = try await options.open()
                try ledger.authorize(.read)
                guard let t = try await execution.current().travelers[traveler] else {
                    throw CLIError("no traveler \(traveler)")
                }
                if format == .json {
                    Console.out(ExecutionReportJSON.traveler(t).canonical)
                    return
                }
                TravelerCommand.print(t)
            }
        }
    }

    static func print(_ t: TravelerRecord) {
        let status: String
        switch t.status {
        case .active: status = "active"
        case .complete(let at): status = "complete at \(at.rfc3339)"
        case .scrapped(let at): status = "scrapped at \(at.rfc3339)"
        }
        Console.out("\(t.id): work order \(t.workOrder), \(t.item), part \(t.partNumber), routing \(t.routing); \(status)")
        for ref in t.orderedSteps {
            guard let s = t.step(ref) else { continue }
            let added = t.operation(ref.operation)?.addedBy.map { " (added by \($0))" } ?? ""
            var line = "  \(ref) \(s.instruction)\(added)"
            if let h = s.holdPoint { line += " — \(h.phrase)" }
            guard let e = t.steps[ref] else {
                Console.out(line + ": not started")
                continue
            }
            line += ": started \(e.startedAt.rfc3339) by \(e.startedBy)"
            if let c = e.completion, let d = e.duration { line += "; completed by \(c.signer) after \(ExecutionText.age(d))" }
            Console.out(line)
            for d in e.data {
                let name = s.dataItems.first { $0.id == d.item }?.name ?? d.item
                var v = "    \(d.item) (\(name)) = \(d.value) by \(d.recordedBy)"
                if !d.withinLimits { v += ", out of limits" }
                if let n = d.ncr { v += ", \(n)" }
                if let r = d.correctionReason { v += ", correction: \(r)" }
                if d.supersededBy != nil { v += " [superseded]" }
                Console.out(v)
            }
            if let h = e.holdPointSignature { Console.out("    hold point: \(h)") }
        }
        if !t.ncrs.isEmpty { Console.out("  NCRs: \(t.ncrs.joined(separator: ", "))") }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List travelers and their status.")
        @OptionGroup var options: ExecutionOptions
        @Option(help: "Output: text or json.")
        var format: AuditCommand.Format = .text

        func run() async throws {
            try await reportingFailure {
                let (ledger, execution) = try await options.open()
                try ledger.authorize(.read)
                let state = try await execution.current()
                let all = state.travelers.keys.sorted().compactMap { state.travelers[$0] }
                if format == .json {
                    Console.out(JSONValue.array(all.map(ExecutionReportJSON.traveler)).canonical)
                    return
                }
                for t in all {
                    let status =
                        switch t.status {
                        case .active: "active"
                        case .complete: "complete"
                        case .scrapped: "scrapped"
                        }
                    Console.out("\(t.id)\t\(t.workOrder)\t\(t.item)\t\(t.routing)\t\(status)")
                }
            }
        }
    }

    struct Consume: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Record a material lot consumed into a traveler.")
        @OptionGroup var options: ExecutionOptions
        @OptionGroup var time: ExecutionTime
        @Argument(help: "Traveler id.")
        var traveler: String
        @Option(help: "The lot (or heat) consumed.")
        var lot: String
        @Option(help: "Its material.")
        var material: String
        @Option(help: "Quantity consumed.")
        var quantity: Double
        @Option(help: "The step it was consumed at.")
        var step: StepRef?

        func run() async throws {
            try await reportingFailure {
                let (ledger, execution) = try await options.open()
                let r = try await execution.consume(
                    MaterialConsumed(traveler: traveler, step: step, lot: lot, material: material, quantity: quantity),
                    by: ledger.principal, at: time.time)
                Console.out("\(traveler) consumed \(JSONValue.format(quantity)) of lot \(lot) (\(r.entryID))")
            }
        }
    }

    struct Assemble: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Record a serial assembled into a parent serial.")
        @OptionGroup var options: ExecutionOptions
        @OptionGroup var time: ExecutionTime
        @Argument(help: "Parent serial.")
        var parent: String
        @Argument(help: "Component serial.")
        var component: String
        @Option(help: "Where it went (find number, position).")
        var position: String?

        func run() async throws {
            try await reportingFailure {
                let (ledger, execution) = try await options.open()
                let r = try await execution.assemble(
                    SerialAssembled(parent: parent, component: component, position: position), by: ledger.principal,
                    at: time.time)
                Console.out("serial \(component) assembled into \(parent) (\(r.entryID))")
            }
        }
    }

    struct SplitLot: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "split-lot", abstract: "Record a lot split into new lots.")
        @OptionGroup var options: ExecutionOptions
        @OptionGroup var time: ExecutionTime
        @Argument(help: "The lot split.")
        var source: String
        @Option(help: "The source lot's quantity, when not known yet.")
        var sourceQuantity: Double?
        @Option(help: "A new lot and its quantity, LOT=QUANTITY (repeatable).")
        var into: [String]

        func run() async throws {
            try await reportingFailure {
                let (ledger, execution) = try await options.open()
                let portions = try into.map(TravelerCommand.portion)
                let r = try await execution.split(
                    LotSplit(source: source, sourceQuantity: sourceQuantity, into: portions), by: ledger.principal,
                    at: time.time)
                Console.out("lot \(source) split into \(portions.map(\.lot).joined(separator: ", ")) (\(r.entryID))")
            }
        }
    }

    struct MergeLots: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "merge-lots", abstract: "Record lots merged into a new lot.")
        @OptionGroup var options: ExecutionOptions
        @OptionGroup var time: ExecutionTime
        @Argument(help: "The new lot.")
        var into: String
        @Option(help: "A source lot and the quantity taken, LOT=QUANTITY (repeatable).")
        var source: [String]

        func run() async throws {
            try await reportingFailure {
                let (ledger, execution) = try await options.open()
                let portions = try source.map(TravelerCommand.portion)
                let r = try await execution.merge(LotsMerged(sources: portions, into: into), by: ledger.principal, at: time.time)
                Console.out("lots \(portions.map(\.lot).joined(separator: ", ")) merged into \(into) (\(r.entryID))")
            }
        }
    }

    static func portion(_ text: String) throws -> LotPortion {
        let parts = text.split(separator: "=", maxSplits: 1)
        guard parts.count == 2, let q = Double(parts[1]) else { throw CLIError("'\(text)' is not LOT=QUANTITY") }
        return LotPortion(lot: String(parts[0]), quantity: q)
    }

    struct Correct: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Correct a recorded value or consumption with a reason (quality or supervisor signature).")
        @OptionGroup var options: ExecutionOptions
        @Argument(help: "The execution entry corrected (execution:12 or 12).")
        var entry: String
        @Option(help: "The value it should have had.")
        var value: String?
        @Option(help: "The lot it should have consumed (with --quantity).")
        var lot: String?
        @Option(help: "The quantity it should have consumed.")
        var quantity: Double?
        @Flag(help: "The entry should not have been made.")
        var void = false
        @Option(help: "Why.")
        var reason: String

        func run() async throws {
            try await reportingFailure {
                let (governance, execution) = try options.openForSigning()
                let id = EventID(entry.hasPrefix("execution:") ? String(entry.dropFirst("execution:".count)) : entry)
                let replacement: EntryCorrected.Replacement
                switch (value, lot, quantity, void) {
                case (let v?, nil, nil, false):
                    let state = try await execution.current()
                    let type = state.travelers.values.lazy.compactMap { t -> DataItemType? in
                        for (ref, e) in t.steps {
                            if let d = e.data.first(where: { $0.event == id }) {
                                return t.step(ref)?.dataItems.first { $0.id == d.item }?.type
                            }
                        }
                        return nil
                    }.first
                    guard let type else { throw CLIError("\(ExecutionLedger.entryID(id)) is not a recorded value") }
                    replacement = .value(try ExecutionText.value(v, for: type))
                case (nil, let l?, let q?, false): replacement = .consumption(lot: l, quantity: q)
                case (nil, nil, nil, true): replacement = .void
                default: throw CLIError("give one of --value V, --lot LOT --quantity Q, or --void")
                }
                let s = try await governance.correctExecutionEntry(
                    id, replacement: replacement, reason: reason,
                    signer: try options.signer("correcting \(ExecutionLedger.entryID(id))"),
                    station: IdentityOptions.station, in: execution)
                Console.out("\(ExecutionLedger.entryID(id)) corrected (\(s.receipt.entryID)): \(reason)")
                ExecutionText.consequences(s.receipt)
                ExecutionText.signed(s)
            }
        }
    }

    struct AsBuilt: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "as-built",
            abstract: "The as-built record of a serial, as JSON; with --sign, the signed as-built document.",
            discussion: """
                --sign signs the record as quality (re-authenticating: --as or SPAR_USER, SPAR_PASSWORD or a prompt) \
                once the serial's traveler is complete and no NCR of it is open, and prints the spar-as-built-1 \
                document: the record, its SHA-256, the ledger entry carrying that digest with the signature, and the \
                signature's manifestation. spar traveler verify-as-built checks such a document against a ledger.
                """)
        @OptionGroup var options: ExecutionOptions
        @Argument(help: "Serial.")
        var serial: String
        @Flag(help: "Sign the record as quality and print the signed document.")
        var sign = false
        @Option(help: "With --sign: approved or verified.")
        var meaning: ExecutionSignatureMeaning = .approved
        @Option(help: "Output file (default: standard output).")
        var out: String?

        func run() async throws {
            try await reportingFailure {
                let text: String
                if sign {
                    let (governance, execution) = try options.openForSigning()
                    let d = try await governance.signAsBuilt(
                        serial: serial, meaning: meaning,
                        signer: try options.signer("signing the as-built record of \(serial)"),
                        station: IdentityOptions.station, in: execution)
                    text = d.json.canonical
                    if out != nil { ExecutionText.signed(d.receipt) }
                } else {
                    let (ledger, execution) = try await options.open()
                    try ledger.authorize(.read)
                    guard let a = try await execution.asBuilt(serial: serial) else {
                        throw CLIError("serial \(serial) has no traveler")
                    }
                    text = ExecutionReportJSON.asBuilt(a, at: .now).canonical
                }
                if let out {
                    try Data((text + "\n").utf8).write(to: URL(fileURLWithPath: out))
                    Console.out("wrote \(out)")
                } else {
                    Console.out(text)
                }
            }
        }
    }

    struct VerifyAsBuilt: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify-as-built",
            abstract: "Check a signed as-built document against the ledger: digest, entry, chain hash, signature.")
        @OptionGroup var options: ExecutionOptions
        @Argument(help: "The spar-as-built-1 document (JSON).")
        var file: String

        func run() async throws {
            try await reportingFailure {
                let document = try JSONValue.parse(try Data(contentsOf: URL(fileURLWithPath: file)))
                let (ledger, _) = try await options.open()
                try ledger.authorize(.read)
                let findings = try await Governance(store: ledger.store).verifyAsBuilt(document)
                guard findings.isEmpty else {
                    for f in findings { Console.err("\(file): \(f)") }
                    throw CLIError("\(file) does not match the ledger (\(findings.count) finding(s))")
                }
                if case .object(let o) = document {
                    let serial = o["serial"]?.stringValue ?? "?", entry = o["ledgerEntry"]?.stringValue ?? "?"
                    Console.out("\(file): the as-built record of \(serial) is the one signed in \(entry)")
                }
            }
        }
    }
}
