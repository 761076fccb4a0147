import Foundation

/// One requirement the operational qualification traces to (compliance.md, plus Spar's KPI reference cases).
public struct OQRequirement: Sendable, Hashable, Codable {
    /// `R1`, `S2`, `K1`, …
    public var id: String
    /// The requirement in one or two sentences.
    public var text: String
    /// Where it comes from (`compliance.md`, `README.md`).
    public var source: String
    /// Why the OQ does not fully cover it, when it does not.
    public var scopeNote: String?

    /// A requirement.
    public init(id: String, text: String, source: String = "compliance.md", scopeNote: String? = nil) {
        self.id = id
        self.text = text
        self.source = source
        self.scopeNote = scopeNote
    }
}

/// Everything a check may use while it runs.
public struct OQContext: Sendable {
    /// A fresh scratch directory for this check only; removed after the run. The customer's ledger is never used.
    public var directory: URL
    /// The station recorded on scratch ledger entries (`oq@<host>`).
    public var station: String

    /// A context over `directory`.
    public init(directory: URL, station: String) {
        self.directory = directory
        self.station = station
    }

    /// A path inside the scratch directory.
    public func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
}

/// What a check observed: a one-line summary and the evidence, each evidence line marked as meeting or missing its
/// expectation.
public struct OQEvidence: Sendable {
    /// Evidence lines in the order they were recorded: `[ok] …`, `[FAIL] …` or `[info] …`.
    public private(set) var lines: [String] = []
    /// Expectations checked.
    public private(set) var checked = 0
    /// Expectations that did not hold.
    public private(set) var failed = 0
    /// The one-line summary of what was observed; set by the check.
    public var observed = ""

    /// An empty record.
    public init() {}

    /// Records an expectation and whether it held.
    public mutating func expect(_ holds: Bool, _ line: @autoclosure () -> String) {
        checked += 1
        if !holds { failed += 1 }
        lines.append((holds ? "[ok] " : "[FAIL] ") + line())
    }

    /// Records a fact that is not itself an expectation (a measured time, a count).
    public mutating func note(_ line: String) { lines.append("[info] " + line) }

    /// True when at least one expectation was checked and all held.
    public var passed: Bool { checked > 0 && failed == 0 }
}

/// One documented operational qualification check: what it verifies, how, and what must be seen.
public struct OQCheck: Sendable {
    /// `OQ-01`, `OQ-02`, …
    public var id: String
    /// A short title.
    public var title: String
    /// Ids of the requirements it covers.
    public var requirements: [String]
    /// The procedure, one step a line.
    public var procedure: [String]
    /// The acceptance criterion.
    public var expected: String
    /// Runs the procedure in a scratch directory and records the evidence.
    public var run: @Sendable (OQContext) async throws -> OQEvidence

    /// A check.
    public init(
        id: String, title: String, requirements: [String], procedure: [String], expected: String,
        run: @escaping @Sendable (OQContext) async throws -> OQEvidence
    ) {
        self.id = id
        self.title = title
        self.requirements = requirements
        self.procedure = procedure
        self.expected = expected
        self.run = run
    }
}
