import ArgumentParser
import Foundation
import SparLedgerIntegrity
import SparQualification

struct OQCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "oq",
        abstract: "Run the operational qualification and write a signed evidence report.",
        discussion: """
            spar oq runs the documented qualification checks (OQ-01…OQ-10) against this installed binary, on scratch \
            ledgers in a temporary directory — never on a production ledger — and writes report.json (the record), \
            report.md and report.html (renderings), report.sig and report.pub to --out. The report's SHA-256 over its \
            canonical JSON is signed with Ed25519. spar oq verify-report DIR checks a report later.

            Exit status: 0 every check passed, 1 a check failed, 2 the OQ could not run.
            """,
        subcommands: [OQRunCommand.self, OQVerifyReportCommand.self],
        defaultSubcommand: OQRunCommand.self
    )
}

struct OQRunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Run the qualification checks and write the signed evidence report (the default).")

    @Option(help: "Directory for the evidence report.")
    var out: String = "spar-oq-report"

    @Option(help: "Ed25519 private key that signs the report (spar key format); created if missing. Default: <out>.key beside the directory.")
    var key: String?

    @Option(help: "Renderings to write beside report.json: md, html, json (none) or all.")
    var format: OQReportSigning.Formats = .all

    @Option(help: "Also verify this production ledger, read-only (adds check OQ-11).")
    var db: String?

    @Option(help: "The --db ledger's public key file (default: its private key --ledger-key, $SPAR_LEDGER_KEY or <db>.key).")
    var publicKey: String?

    @Option(help: "The --db ledger's private key file; only its public half is used.")
    var ledgerKey: String?

    @Option(help: "A checkpoint of the --db ledger kept outside the database (repeatable).")
    var checkpoint: [String] = []

    @Option(help: "Checks to run at the same time (1 keeps each check's timing undisturbed).")
    var jobs = 1

    @Option(help: "Directory under which the scratch directory is created (default: the system temporary directory).")
    var scratch: String?

    @Flag(help: "Keep the scratch ledgers for inspection.")
    var keepScratch = false

    @OptionGroup var identity: IdentityOptions

    func run() async throws {
        let outURL = URL(fileURLWithPath: out)
        let keyPath = key ?? outURL.standardizedFileURL.path + ".key"
        var checks = OQCatalogue.standard()
        let signingKey: CheckpointSigningKey
        do {
            signingKey = try CheckpointSigningKey.loadOrCreate(path: keyPath)
            if let db {
                // A ledger with enrolled users is verified only for a user allowed to verify all of it.
                try await GovernedLedger.open(db: db, identity: identity).authorizeAllSites(.verify)
                let (ledgerPublicKey, keyFile) = try LedgerKeyLocation(db: db, option: ledgerKey).verifyingKey(publicKey: publicKey)
                let kept = try checkpoint.map { try CheckpointFiles.read($0) }
                checks.append(OQCatalogue.customerLedger(path: db, publicKey: ledgerPublicKey, keySource: keyFile, kept: kept))
            }
        } catch {
            throw ExitCode(Console.fail(error).code)
        }
        Console.out("spar oq: \(checks.count) checks, scratch ledgers in a temporary directory; report → \(out)")
        let report: OQReport
        let signed: OQReport
        let written: [String]
        do {
            report = try await OQRunner.run(
                checks, scratchRoot: scratch.map { URL(fileURLWithPath: $0) }, keepScratch: keepScratch,
                concurrency: max(1, jobs)
            ) { record in
                Console.out(
                    "\(record.id) \(record.result == "pass" ? "PASS" : "FAIL") "
                        + String(format: "%6.2f s", Double(record.durationMilliseconds) / 1000)
                        + "  \(record.title): \(record.observed)")
                for line in record.evidence where line.hasPrefix("[FAIL]") { Console.out("       \(line)") }
            }
            signed = try OQReportSigning.sign(report, with: signingKey)
            written = try OQReportSigning.write(signed, to: outURL, formats: format)
        } catch {
            throw ExitCode(Console.fail(error).code)
        }
        let s = report.summary
        Console.out(
            "\(report.passed ? "PASS" : "FAIL"): \(s.passed)/\(s.checks) checks passed, \(s.failed) failed, in "
                + String(format: "%.1f s", Double(report.durationMilliseconds) / 1000) + "; \(s.requirementsCovered) "
                + "requirements covered, \(s.requirementsNotCovered) not covered by the OQ")
        if let block = signed.signature {
            Console.out("report SHA-256 \(block.sha256), signed with key \(block.keyID) (\(keyPath))")
        }
        for path in written { Console.out("wrote \(path)") }
        Console.out(
            "check it with: spar oq verify-report \(out) --public-key FILE (a copy of \(OQReportSigning.FileName.publicKey) "
                + "kept apart from the report, or \(keyPath))")
        if !report.passed { throw ExitCode(1) }
    }
}

struct OQVerifyReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify-report",
        abstract: "Check an OQ evidence report: digest, Ed25519 signature, and that every file is unaltered.",
        discussion: """
            Recomputes the SHA-256 over the canonical JSON of report.json, verifies the signature, compares report.sig \
            and report.pub, and re-renders report.md and report.html from the signed JSON to compare them byte for byte.

            Exit status: 0 the report is intact (whatever its own result), 1 it was altered or the signature does not \
            verify, 2 it could not be checked.
            """
    )

    @Argument(help: "The evidence directory, or its report.json.")
    var report: String

    @Option(help: "The public key the report must be signed with (a key file you trust).")
    var publicKey: String?

    func run() async throws {
        let trusted: CheckpointPublicKey?
        do {
            trusted = try publicKey.map { try CheckpointPublicKey.load(path: $0) }
        } catch {
            throw ExitCode(Console.fail(error).code)
        }
        let v = OQReportSigning.verify(URL(fileURLWithPath: report), publicKey: trusted)
        for line in v.confirmed { Console.out("ok: \(line)") }
        for line in v.notes { Console.out("note: \(line)") }
        for line in v.problems { Console.out("ALTERED: \(line)") }
        if v.isValid {
            Console.out(
                "intact: report SHA-256 \(v.sha256 ?? "?") signed by key \(v.keyID ?? "?"); the report records the OQ "
                    + "result \((v.reportResult ?? "?").uppercased())")
        } else {
            Console.out("NOT VALID: \(v.problems.count) problem\(v.problems.count == 1 ? "" : "s")")
            throw ExitCode(1)
        }
    }
}

extension OQReportSigning.Formats: ExpressibleByArgument {}
