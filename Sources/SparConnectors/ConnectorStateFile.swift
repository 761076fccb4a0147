import Foundation
import SparCore

/// Where a connector keeps what it needs to resume (its position in the source and what it knows of each machine)
/// and its last health, one JSON file per connector in a directory beside the ledger (`plant.sqlite.connectors/`).
/// It is written after each delivery, atomically, so a restart resumes from the last delivered position: what was
/// delivered again after a crash between the append and the write is a duplicate by event id, never a new event.
public struct ConnectorStateFile: Sendable {
    public let url: URL

    public init(directory: URL, connector: String) {
        let safe = connector.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." ? $0 : "_" }
        url = directory.appendingPathComponent(String(safe) + ".json")
    }

    /// The directory of a ledger file's connector states.
    public static func directory(forLedger db: String) -> URL { URL(fileURLWithPath: db + ".connectors") }

    /// What one file holds.
    public struct Contents<Cursor: Codable & Sendable>: Codable, Sendable {
        public var health: ConnectorHealth
        public var cursor: Cursor?
        /// Wall-clock time of the write, milliseconds since the epoch.
        public var savedAt: Int64
        public init(health: ConnectorHealth, cursor: Cursor?, savedAt: Int64) {
            self.health = health
            self.cursor = cursor
            self.savedAt = savedAt
        }
    }

    /// The file's contents, or nil when there is none yet.
    public func load<Cursor: Codable & Sendable>(_ type: Cursor.Type) throws -> Contents<Cursor>? {
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        do {
            return try JSONDecoder().decode(Contents<Cursor>.self, from: Data(contentsOf: url))
        } catch {
            throw Unreadable(path: url.path, reason: "\(error)")
        }
    }

    public func save<Cursor: Codable & Sendable>(_ contents: Contents<Cursor>) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        try encoder.encode(contents).write(to: url, options: .atomic)
    }

    /// A state file that is not a connector's state: the connector refuses to start rather than guess a position.
    public struct Unreadable: Error, Sendable, CustomStringConvertible {
        public var path: String
        public var reason: String
        public var description: String {
            "connector state \(path) cannot be read (\(reason)); move it away to start the connector afresh from the source's current state"
        }
    }

    /// The health recorded in every state file of a directory, by connector id (for `spar connect status`).
    public static func healths(in directory: URL) throws -> [(health: ConnectorHealth, savedAt: Int64)] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { return [] }
        struct Header: Decodable {
            var health: ConnectorHealth
            var savedAt: Int64
        }
        return try names.filter { $0.hasSuffix(".json") }.sorted().map { name in
            let url = directory.appendingPathComponent(name)
            do {
                let h = try JSONDecoder().decode(Header.self, from: Data(contentsOf: url))
                return (h.health, h.savedAt)
            } catch {
                throw Unreadable(path: url.path, reason: "\(error)")
            }
        }
    }
}
