import Foundation
import Testing
import SparLedgerIntegrity
import SparPostgres
import SparSQLite
import SparStorage
import SparTestSupport

/// Every storage backend, for the contract suites: in memory, an SQLite file, and a fresh database on a real
/// PostgreSQL server on loopback (``PostgresServer``).
enum StoreBackend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case memory, sqlite, postgres

    var testDescription: String { rawValue }

    static func temporaryPath(_ suffix: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("spar-\(UUID().uuidString)\(suffix)").path
    }

    func make() async throws -> any LedgerStore {
        switch self {
        case .memory: return InMemoryLedgerStore()
        case .sqlite: return try SQLiteLedgerStore(path: Self.temporaryPath(".sqlite"))
        case .postgres: return try await Self.postgres()
        }
    }

    /// A PostgreSQL store on a database of its own.
    static func postgres(signingKeyPath: String? = nil) async throws -> PostgresLedgerStore {
        let url = try PostgresServer.start().freshDatabase()
        return try await PostgresLedgerStore(url: url, signingKeyPath: signingKeyPath ?? temporaryPath(".key"))
    }

    /// The public key that checks a backend's checkpoints.
    static func publicKey(of store: any LedgerStore) async throws -> CheckpointPublicKey {
        if let memory = store as? InMemoryLedgerStore { return memory.signingKey.publicKey }
        if let sqlite = store as? SQLiteLedgerStore { return try CheckpointPublicKey.load(path: sqlite.signingKeyPath) }
        if let pg = store as? PostgresLedgerStore { return try pg.checkpointPublicKey() }
        throw StorageError("unknown backend")
    }
}
