import ArgumentParser
import Foundation
import SparCore
import SparEngine
import SparGovernance
import SparInterchange

/// `spar import b2mml FILE… --source SYSTEM [--preview]`.
struct ImportB2MMLCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "b2mml",
        abstract: "Import ISA-95 B2MML messages (V0401, V0600, V0700): orders, performance, equipment, materials, lots.",
        discussion: """
            The version is read from each file's namespace. OperationsSchedule/ProductionSchedule requests become \
            order starts; OperationsPerformance/ProductionPerformance segment responses become counts and order \
            ends; both are appended like any ingest, with ids derived from the message (re-importing stores \
            nothing new). Equipment, MaterialDefinition and MaterialLot become one plant model change request per \
            file, which takes effect only when approved (spar change approve). Every element that could not be \
            mapped is named with its line and path; elements Spar does not keep are listed as "not kept". \
            Exits 1 when anything was refused. README, "B2MML import and export".
            """
    )

    @OptionGroup var options: IngestOptions

    @Option(help: "The system that sent the messages (a system id of the plant model, e.g. erp-sap).")
    var source: String

    @Option(help: "Why the master data changes (default: the import's file name and the changes).")
    var reason: String?

    @Option(help: "Requested effective time of the master data change, RFC 3339 (default: now).")
    var effective: String?

    @Flag(help: "Print what each file maps to (events as JSON Lines on stdout, problems on stderr); store nothing.")
    var preview = false

    @Flag(help: "Do not list the elements that are not kept.")
    var quiet = false

    @Argument(help: "B2MML files ('-' reads standard input).")
    var files: [String]

    func run() async throws {
        var failed = false
        do {
            guard !files.isEmpty else { throw CLIError("name at least one B2MML file") }
            let effectiveAt = try effective.map { try parseTime($0, option: "--effective") }
            if preview {
                guard let model = try await options.readOnlyModel() else {
                    throw CLIError("B2MML names equipment by id: pass --plant plant.yaml or a --db that holds one")
                }
                for file in files { failed = try previewFile(file, model: model) || failed }
            } else {
                let (ingest, ledger) = try await options.openIngestLedger()
                let importer = ImportB2MML(ingest: ingest, governance: ledger.governance, principal: ledger.principal)
                // Several files' master data is read cumulatively and proposed as one change request, so that no
                // request undoes another when both are approved.
                var model = ingest.model
                var changed: [String] = []
                for file in files {
                    let data = try read(file)
                    do {
                        let outcome = try await importer.run(
                            data, file: name(file), source: source, reason: reason, effectiveAt: effectiveAt,
                            recordedAt: .now, readAgainst: model, propose: files.count == 1)
                        report(outcome)
                        failed = failed || outcome.refused > 0
                        if files.count > 1, let m = outcome.reading.proposedModel {
                            model = m
                            changed.append(name(file))
                        }
                    } catch let e as B2MML.DocumentError {
                        Console.err("\(name(file)): error: \(e)")
                        failed = true
                    }
                }
                if model != ingest.model {
                    failed = try await proposeTogether(model, files: changed, ledger: ledger, effectiveAt: effectiveAt) || failed
                }
            }
        } catch let e as ExitCode {
            throw e
        } catch {
            throw ExitCode(Console.fail(error).code)
        }
        if failed { throw ExitCode(1) }
    }

    /// Proposes the master data of several files as one plant model change; true when it could not be proposed.
    func proposeTogether(_ model: PlantModel, files: [String], ledger: GovernedLedger, effectiveAt: Timestamp?) async throws
        -> Bool
    {
        var reading = B2MML.Reading(version: "", root: "")
        reading.proposedModel = model
        reading.masterDataChanges = ChangeImpact(from: try await ledger.ingestModel(), to: model).changes
        let (cr, open, problem) = try await ImportB2MML.proposeMasterData(
            reading, file: files.joined(separator: ", "), governance: ledger.governance, principal: ledger.principal,
            reason: reason, effectiveAt: effectiveAt ?? .now)
        if let cr {
            for c in cr.impact.changes { Console.out("  \(c)") }
            Console.out("master data of \(files.joined(separator: ", ")): \(cr.id) proposed (\(cr.impact.changes.count) changes)")
        } else if let open {
            Console.out("master data of \(files.joined(separator: ", ")): already proposed as \(open)")
        } else if let problem {
            Console.err("master data not proposed: \(problem)")
            return true
        }
        return false
    }

    func name(_ file: String) -> String { file == "-" ? "(standard input)" : (file as NSString).lastPathComponent }

    func read(_ file: String) throws -> Data {
        if file == "-" { return FileHandle.standardInput.readDataToEndOfFile() }
        guard let data = FileManager.default.contents(atPath: file) else {
            throw CLIError("cannot open \(file) for reading")
        }
        return data
    }

    func previewFile(_ file: String, model: PlantModel) throws -> Bool {
        let reading: B2MML.Reading
        do {
            reading = try B2MML.read(read(file), model: model, source: source)
        } catch let e as B2MML.DocumentError {
            Console.err("\(name(file)): error: \(e)")
            return true
        }
        for e in reading.events { Console.out(EventCoding.canonical(e.event)) }
        for p in reading.problems { Console.err("\(name(file)): refused: \(p)") }
        if !quiet { for p in reading.notKept { Console.err("\(name(file)): not kept: \(p)") } }
        for c in reading.masterDataChanges { Console.err("\(name(file)): master data: \(c)") }
        let records = reading.records.sorted { $0.key < $1.key }.map { B2MML.Reading.counted($0.value, $0.key) }.joined(separator: ", ")
        Console.err(
            "preview: \(name(file)) (B2MML \(reading.version) \(reading.root)): \(records.isEmpty ? "no records" : records); "
                + "\(reading.events.count) events, \(reading.masterDataChanges.count) master data changes, "
                + "\(reading.problems.count) refused; nothing stored")
        return !reading.problems.isEmpty
    }

    func report(_ o: ImportB2MML.Outcome) {
        for p in o.reading.problems { Console.err("\(o.file): refused: \(p)") }
        for r in o.rejections {
            let at = r.line > 0 ? "line \(r.line), \(r.path)" : r.path
            Console.err("\(o.file): rejected: \(at): event \(r.rejection.id ?? "?"): \(r.rejection.reason)")
        }
        if !quiet { for p in o.reading.notKept { Console.err("\(o.file): not kept: \(p)") } }
        if let why = o.proposalProblem { Console.err("\(o.file): master data not proposed: \(why)") }
        if let cr = o.changeRequest {
            for c in cr.impact.changes { Console.out("  \(c)") }
        }
        Console.out(o.summary)
    }
}
