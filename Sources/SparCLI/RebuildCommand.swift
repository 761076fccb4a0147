import ArgumentParser
import Foundation
import SparCore
import SparEngine
import SparSQLite

struct RebuildCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rebuild",
        abstract: "Rebuild the persisted KPI projection from the ledger's events and report whether it equalled what was stored.",
        discussion: """
            The projection is updated in the same transaction as every append, so a rebuild should find it equal. \
            A difference (the projection edited outside Spar, or written by a version with another rule) is listed \
            and repaired; the command then exits with status 1. The ledger itself is never changed.
            """
    )

    @Option(name: [.customLong("db"), .customLong("database")], help: "Ledger: an SQLite file or a postgres:// address.")
    var db: String = defaultLedger

    @OptionGroup var identity: IdentityOptions

    func run() async throws {
        do {
            let store = try await openAuthorizedLedger(db, identity: identity, .read)
            let started = Date()
            let report = try await LedgerProjection.rebuild(store: store)
            let seconds = Date().timeIntervalSince(started)
            Console.out(
                "rebuilt \(report.records) KPI records from \(report.ledgerSize) ledger entries in \(String(format: seconds, digits: 3)) s")
            if report.equal {
                Console.out("the stored projection was equal to the rebuilt one and at the ledger's head (\(report.ledgerSize))")
                return
            }
            if report.storedHead != report.ledgerSize {
                Console.out("the stored projection was at entry \(report.storedHead), behind the ledger's \(report.ledgerSize)")
            }
            if !report.differing.isEmpty {
                Console.out("the stored projection differed for events: \(report.differing.joined(separator: ", "))")
            }
            Console.out("the projection is now the rebuilt one")
            throw ExitCode(1)
        } catch let e as ExitCode {
            throw e
        } catch {
            throw ExitCode(Console.fail(error).code)
        }
    }
}
