import Foundation

/// The operational qualification evidence report: what ran, where, and with what result. Its JSON form is the record;
/// the Markdown and HTML forms are rendered from it.
public struct OQReport: Codable, Sendable, Hashable {
    /// `spar-oq-report-1`.
    public var format: String
    /// The document title.
    public var title: String
    /// Version of the check catalogue (`spar-oq-1`).
    public var catalogueVersion: String
    /// The software qualified.
    public var tool: Tool
    /// The machine it ran on.
    public var environment: Environment
    /// Start of the run, RFC 3339 UTC.
    public var startedAt: String
    /// End of the run, RFC 3339 UTC.
    public var finishedAt: String
    /// Wall-clock time of the whole run.
    public var durationMilliseconds: Int64
    /// `pass` when every check passed, else `fail`.
    public var result: String
    /// Counts of checks.
    public var summary: Summary
    /// Requirement → checks → result.
    public var requirements: [RequirementResult]
    /// Every check with its procedure and evidence.
    public var checks: [CheckRecord]
    /// The Ed25519 signature over the report's SHA-256; absent only while the report is being signed.
    public var signature: SignatureBlock?

    /// The format identifier.
    public static let formatName = "spar-oq-report-1"

    /// The software under qualification.
    public struct Tool: Codable, Sendable, Hashable {
        /// `spar`.
        public var name: String
        /// Spar's release version.
        public var version: String
        /// The running executable's path and SHA-256 (the build's identity; no source control is needed).
        public var executable: String
        /// Hex SHA-256 of the executable file.
        public var executableSHA256: String
        /// `debug` or `release`.
        public var buildConfiguration: String

        /// A tool description.
        public init(name: String, version: String, executable: String, executableSHA256: String, buildConfiguration: String) {
            self.name = name
            self.version = version
            self.executable = executable
            self.executableSHA256 = executableSHA256
            self.buildConfiguration = buildConfiguration
        }
    }

    /// The machine and runtime the checks ran on.
    public struct Environment: Codable, Sendable, Hashable {
        /// Distribution and version (`/etc/os-release`) or the OS version string.
        public var operatingSystem: String
        /// `uname`: system, release, version, machine.
        public var kernel: String
        /// Machine architecture (`uname -m`).
        public var architecture: String
        /// The Swift compiler and runtime.
        public var swift: String
        /// The SQLite library version linked into the binary.
        public var sqlite: String
        /// The host's name.
        public var hostName: String
        /// Active processors.
        public var cpuCount: Int
        /// Physical memory.
        public var memoryBytes: Int64
        /// The operating-system user who ran the OQ.
        public var user: String
        /// The host's time zone (every time in the report is UTC).
        public var timeZone: String
        /// Where the scratch ledgers were written (removed afterwards).
        public var scratchDirectory: String

        /// An environment description.
        public init(
            operatingSystem: String, kernel: String, architecture: String, swift: String, sqlite: String, hostName: String,
            cpuCount: Int, memoryBytes: Int64, user: String, timeZone: String, scratchDirectory: String
        ) {
            self.operatingSystem = operatingSystem
            self.kernel = kernel
            self.architecture = architecture
            self.swift = swift
            self.sqlite = sqlite
            self.hostName = hostName
            self.cpuCount = cpuCount
            self.memoryBytes = memoryBytes
            self.user = user
            self.timeZone = timeZone
            self.scratchDirectory = scratchDirectory
        }
    }

    /// Counts of checks by outcome.
    public struct Summary: Codable, Sendable, Hashable {
        /// Checks run.
        public var checks: Int
        /// Checks passed.
        public var passed: Int
        /// Checks failed.
        public var failed: Int
        /// Requirements with at least one check.
        public var requirementsCovered: Int
        /// Requirements no check covers.
        public var requirementsNotCovered: Int
    }

    /// One requirement's trace: the checks covering it and their combined result.
    public struct RequirementResult: Codable, Sendable, Hashable {
        /// The requirement id.
        public var id: String
        /// The requirement.
        public var text: String
        /// Where it comes from.
        public var source: String
        /// Ids of the checks covering it.
        public var checks: [String]
        /// `pass`, `fail` or `not covered`.
        public var result: String
        /// What the OQ leaves to other evidence, if anything.
        public var scopeNote: String?
    }

    /// One check as it ran.
    public struct CheckRecord: Codable, Sendable, Hashable {
        /// `OQ-01`, …
        public var id: String
        /// A short title.
        public var title: String
        /// Ids of the requirements covered.
        public var requirements: [String]
        /// The procedure, one step a line.
        public var procedure: [String]
        /// The acceptance criterion.
        public var expected: String
        /// What was observed, in one line.
        public var observed: String
        /// `pass` or `fail`.
        public var result: String
        /// Evidence lines, each `[ok]`, `[FAIL]` or `[info]`.
        public var evidence: [String]
        /// Expectations checked.
        public var expectationsChecked: Int
        /// Expectations that did not hold.
        public var expectationsFailed: Int
        /// Start of the check, RFC 3339 UTC.
        public var startedAt: String
        /// Wall-clock time of the check.
        public var durationMilliseconds: Int64
    }

    /// The report's digest and its Ed25519 signature.
    public struct SignatureBlock: Codable, Sendable, Hashable {
        /// `Ed25519`.
        public var algorithm: String
        /// How the digest is computed.
        public var canonicalization: String
        /// Hex SHA-256 of the canonical JSON of the report without this block.
        public var sha256: String
        /// What was signed: `spar-oq-report-1:<sha256>` as UTF-8.
        public var signedMessage: String
        /// The signing key's id: the first 16 hex digits of SHA-256 over the public key.
        public var keyID: String
        /// The Ed25519 public key, base64.
        public var publicKey: String
        /// The signature, base64.
        public var signature: String
    }

    /// True when every check passed.
    public var passed: Bool { result == "pass" }
}
