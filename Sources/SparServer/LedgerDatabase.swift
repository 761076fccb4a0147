import Foundation
import SparPostgres
import SparSQLite
import SparStorage

/// Where a ledger lives: an SQLite file path (the default), or a `postgres://` address shared by several nodes.
public enum LedgerDatabase {
    /// Whether `database` is a PostgreSQL address rather than a file path.
    public static func isPostgres(_ database: String) -> Bool {
        database.hasPrefix("postgres://") || database.hasPrefix("postgresql://")
    }

    /// Opens the ledger at `database`. An SQLite file's key defaults to `<file>.key`; a PostgreSQL ledger has no
    /// default (every node gives the same file) and without one is opened for reading only. `operationDeadline` bounds
    /// each PostgreSQL read and write (the server's requests).
    public static func open(_ database: String, signingKeyPath: String?, operationDeadline: Duration? = nil) async throws
        -> any KPIProjectionStore & CredentialStore
    {
        if isPostgres(database) {
            return try await PostgresLedgerStore(
                url: database, signingKeyPath: signingKeyPath ?? "",
                operationDeadline: operationDeadline)
        }
        return try SQLiteLedgerStore(path: database, signingKeyPath: signingKeyPath)
    }

    /// A name for the ledger in messages: the file path, or the address without its password.
    public static func display(_ database: String) -> String {
        guard isPostgres(database), var u = URLComponents(string: database) else { return database }
        u.password = nil
        u.query = nil
        return u.string ?? database
    }
}

extension LiveLedger {
    /// Follows appends by other nodes on a shared PostgreSQL ledger (LISTEN/NOTIFY) and publishes them to this
    /// node's subscribers, reconnecting after a second when the database goes away; returns at once for SQLite.
    func followOtherNodes() async {
        guard let pg = store as? PostgresLedgerStore else { return }
        while !Task.isCancelled {
            try? await pg.listen { [weak self] _ in await self?.ledgerGrew() }
            try? await Task.sleep(for: .seconds(1))
            await ledgerGrew()
        }
    }
}
