import ArgumentParser
import Foundation
import SparCore
import SparEngine
import SparGovernance
import SparInterchange

/// `spar import kpi-ml FILE --site SITE --reason TEXT [--effective T]`: a partner's KPI definitions proposed as local
/// KPI extensions of the blueprint in force.
struct ImportKPIMLCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kpi-ml",
        abstract: "Propose a partner's KPI-ML KPI definitions as local KPI extensions (local.<site>.<name>) of the blueprint.",
        discussion: """
            Reads the KPIDefinition elements of a MESA KPI-ML V01 document and proposes a blueprint change (change \
            control: it takes effect once approved) that adds each as a local KPI of the site, its formula text kept \
            verbatim. A definition that cannot be read, names no ISO element or whose id the blueprint already has is \
            reported with its line and element path and left out; the others are proposed. Exits 1 when any was left \
            out. The import (file name, SHA-256, counts) is recorded in the audit trail. \
            The KPI Markup Language (KPI-ML) is used courtesy of MESA International.
            """
    )

    @OptionGroup var common: ChangeCommand.Common

    @Option(help: "The site the KPIs are local to (a site of the blueprint).")
    var site: String

    @Option(help: "Why the KPIs are added.")
    var reason: String

    @Option(help: "Requested effective time, RFC 3339 (default: now).")
    var effective: String?

    @Argument(help: "KPI-ML document; '-' reads standard input.")
    var file: String

    func run() async throws {
        var refused: [XMLTree.Problem] = []
        try await reportingFailure {
            let data: Data
            if file == "-" {
                data = FileHandle.standardInput.readDataToEndOfFile()
            } else {
                guard let d = FileManager.default.contents(atPath: file) else {
                    throw CLIError("cannot open \(file) for reading")
                }
                data = d
            }
            let read = try KPIML.readDefinitions(data)
            let ledger = try await GovernedLedger.open(db: common.db, key: common.key, identity: common.identity)
            let at = try effective.map { try parseTime($0, option: "--effective") } ?? .now
            guard let (plant, _) = try await LedgerPlantModel.latest(in: ledger.store) else {
                throw CLIError("the ledger \(common.db) holds no plant model")
            }
            guard let current = try await LedgerBlueprint.asOf(max(at, .now), in: ledger.store) else {
                throw CLIError("the ledger \(common.db) holds no blueprint; record one with spar map record first")
            }
            guard current.blueprint.sites.contains(where: { $0.id == site }) else {
                let sites = current.blueprint.sites.map(\.id).joined(separator: ", ")
                throw CLIError("--site '\(site)' is not a site of the blueprint in force (\(sites))")
            }
            let mapped = KPIML.extensions(read.definitions, site: site)
            refused = read.problems + mapped.problems
            let existing = Set(current.blueprint.kpiExtensions.map(\.id))
            var added: [BlueprintKPIExtension] = []
            var duplicates: [XMLTree.Problem] = []
            for e in mapped.extensions {
                if existing.contains(e.id) {
                    let d = read.definitions.first { "local.\(site).\(KPIML.localName($0.id))" == e.id }
                    duplicates.append(
                        .init(
                            line: d?.line, path: d?.path,
                            reason: "\(e.id) already exists in the blueprint in force (\(current.version))"))
                } else {
                    added.append(e)
                }
            }
            let summary = LedgerImportRecord.Summary(
                format: "kpi-ml", file: file == "-" ? "(standard input)" : (file as NSString).lastPathComponent, data: data,
                rows: read.count, accepted: added.count, duplicates: duplicates.count,
                rejected: read.count - read.definitions.count + mapped.problems.count)
            refused += duplicates
            for p in refused { Console.err("refused: \(p)") }
            if !added.isEmpty {
                var blueprint = current.blueprint
                blueprint.kpiExtensions += added
                let cr = try await ledger.governance.propose(
                    .blueprint(blueprint), reason: reason, effectiveAt: at, by: ledger.principal)
                Console.out("\(cr.id) proposed: \(cr.subject.rawValue) \(cr.baseVersion ?? "none") → \(cr.proposedVersion)")
                for e in added {
                    Console.out("  adds \(e.id) \"\(e.name)\": \(e.formula) (elements \(e.elements.joined(separator: ", ")))")
                }
                ChangeCommand.printDetail(cr)
            }
            try await LedgerImportRecord.record(
                summary, enterprise: plant.enterprise, in: ledger.store, recordedAt: .now,
                recordedBy: ledger.principal.recordedBy)
            Console.out(
                "\(read.count) KPI definition\(read.count == 1 ? "" : "s"): \(summary.accepted) proposed, "
                    + "\(summary.duplicates) already in the blueprint, "
                    + "\(summary.rejected) refused" + (added.isEmpty ? "; nothing to propose" : ""))
        }
        if !refused.isEmpty { throw ExitCode(1) }
    }
}
