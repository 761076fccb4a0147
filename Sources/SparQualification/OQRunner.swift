import Foundation
import SparCore
import SparLedgerIntegrity

/// Runs operational qualification checks in a scratch directory and assembles the unsigned report.
public enum OQRunner {
    /// Runs `checks`, each in its own subdirectory of a fresh scratch directory under `scratchRoot` (the system's
    /// temporary directory by default), which is removed afterwards unless `keepScratch`. Checks run one after another
    /// unless `concurrency` > 1; the report lists them in catalogue order either way. `progress` is called after each
    /// check. A check that throws is recorded as failed with the error.
    public static func run(
        _ checks: [OQCheck] = OQCatalogue.standard(), scratchRoot: URL? = nil, keepScratch: Bool = false,
        concurrency: Int = 1, title: String = "Spar operational qualification (OQ) evidence report",
        progress: @escaping @Sendable (OQReport.CheckRecord) -> Void = { _ in }
    ) async throws -> OQReport {
        let root = scratchRoot ?? FileManager.default.temporaryDirectory
        let scratch = root.appendingPathComponent("spar-oq-\(UUID().uuidString.lowercased())")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { if !keepScratch { try? FileManager.default.removeItem(at: scratch) } }
        let station = "oq@\(ProcessInfo.processInfo.hostName)"
        let started = Date()
        var records = [OQReport.CheckRecord?](repeating: nil, count: checks.count)
        try await withThrowingTaskGroup(of: (Int, OQReport.CheckRecord).self) { group in
            var next = 0
            func launch() throws {
                guard next < checks.count else { return }
                let (index, check) = (next, checks[next])
                next += 1
                let dir = scratch.appendingPathComponent(check.id)
                try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
                group.addTask {
                    let record = await execute(check, context: OQContext(directory: dir, station: station))
                    progress(record)
                    return (index, record)
                }
            }
            for _ in 0..<max(1, concurrency) { try launch() }
            while let (index, record) = try await group.next() {
                records[index] = record
                try launch()
            }
        }
        let done = records.compactMap { $0 }
        let finished = Date()
        let requirements = OQRequirements.all.map { q in
            let covering = done.filter { $0.requirements.contains(q.id) }
            let result = covering.isEmpty ? "not covered" : covering.allSatisfy { $0.result == "pass" } ? "pass" : "fail"
            return OQReport.RequirementResult(
                id: q.id, text: q.text, source: q.source, checks: covering.map(\.id), result: result, scopeNote: q.scopeNote)
        }
        let passed = done.filter { $0.result == "pass" }.count
        return OQReport(
            format: OQReport.formatName, title: title, catalogueVersion: OQCatalogue.version, tool: OQEnvironment.tool(),
            environment: OQEnvironment.current(scratch: scratch.path), startedAt: utc(started), finishedAt: utc(finished),
            durationMilliseconds: milliseconds(since: started, until: finished),
            result: passed == done.count && !done.isEmpty ? "pass" : "fail",
            summary: OQReport.Summary(
                checks: done.count, passed: passed, failed: done.count - passed,
                requirementsCovered: requirements.filter { $0.result != "not covered" }.count,
                requirementsNotCovered: requirements.filter { $0.result == "not covered" }.count),
            requirements: requirements, checks: done, signature: nil)
    }

    /// Runs one check and records its outcome; an error ends the check as failed.
    static func execute(_ check: OQCheck, context: OQContext) async -> OQReport.CheckRecord {
        let started = Date()
        var evidence: OQEvidence
        do {
            evidence = try await check.run(context)
        } catch {
            evidence = OQEvidence()
            evidence.expect(false, "the procedure stopped with an error: \(error)")
            evidence.observed = "error: \(error)"
        }
        return OQReport.CheckRecord(
            id: check.id, title: check.title, requirements: check.requirements, procedure: check.procedure,
            expected: check.expected, observed: evidence.observed, result: evidence.passed ? "pass" : "fail",
            evidence: evidence.lines, expectationsChecked: evidence.checked, expectationsFailed: evidence.failed,
            startedAt: utc(started), durationMilliseconds: milliseconds(since: started))
    }

    static func utc(_ date: Date) -> String {
        Timestamp(milliseconds: Int64((date.timeIntervalSince1970 * 1000).rounded())).rfc3339
    }

    static func milliseconds(since start: Date, until end: Date = Date()) -> Int64 {
        Int64((end.timeIntervalSince(start) * 1000).rounded())
    }
}
