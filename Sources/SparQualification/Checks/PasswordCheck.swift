import Foundation
import GRDB
import SparCore
import SparEngine
import SparGovernance
import SparSQLite
import SparStorage

extension OQCatalogue {
    /// OQ-05: password hashing, token secrets, and that no secret reaches the ledger or its exports.
    public static func passwords() -> OQCheck {
        OQCheck(
            id: "OQ-05", title: "Passwords, API tokens and secrets at rest",
            requirements: ["A3", "S4"],
            procedure: [
                "Hash the same password twice and inspect the PHC strings; verify the right and a wrong password, and a "
                    + "PHC string with fewer rounds.",
                "Check the length policy with passwords of 1,024 and 1,025 bytes, and verify a 1,025-byte password "
                    + "against the hash of its first 1,024 bytes.",
                "On a scratch ledger, enrol an administrator, try to enrol a user with a 1,025-byte password, and issue "
                    + "a source-system token.",
                "Scan the database file and its WAL, the ledger entries and the audit trail export for the password, "
                    + "the token and PHC strings.",
                "Insert a different password hash for the administrator directly into the credential table, then try "
                    + "to sign in with its password and check the ledger's credential bindings.",
            ],
            expected: "PHC strings $pbkdf2-sha512$i=210000,l=64$…, salts differ, the right password verifies and wrong "
                + "ones and weaker parameters do not; 1,025 bytes refused, never truncated; token secret ≥ 128 bits "
                + "stored only as SHA-256; no password or token in the file, and no password, token or PHC string in "
                + "ledger entries or the audit export; a swapped hash never authenticates and is reported."
        ) { context in
            var ev = OQEvidence()
            let password = "oq-Correct-horse-\(UUID().uuidString.prefix(8))"
            let started = Date()
            let a = try PasswordHash.make(password)
            let hashMilliseconds = Int(Date().timeIntervalSince(started) * 1000)
            let b = try PasswordHash.make(password)
            let prefix = "$pbkdf2-sha512$i=210000,l=64$"
            ev.expect(
                a.hasPrefix(prefix) && PasswordHash.rounds >= 210_000,
                "PHC string \(a.prefix(prefix.count + 8))… (\(PasswordHash.rounds) rounds; one hash took \(hashMilliseconds) ms)")
            let saltA = a.split(separator: "$").dropLast().last.map(String.init) ?? ""
            let saltB = b.split(separator: "$").dropLast().last.map(String.init) ?? ""
            ev.expect(saltA != saltB && a != b, "same password hashed twice: salts \(saltA) and \(saltB) differ")
            ev.expect(PasswordHash.verify(password, phc: a), "the right password verifies")
            ev.expect(!PasswordHash.verify(password + "x", phc: a), "a wrong password (one character added) does not verify")
            let weaker = a.replacingOccurrences(of: "i=210000", with: "i=1000")
            ev.expect(!PasswordHash.verify(password, phc: weaker), "a PHC string claiming 1,000 rounds never verifies")

            let longest = String(repeating: "a", count: PasswordHash.maxPasswordBytes)
            let tooLong = longest + "a"
            var policy1024 = "accepted"
            do { try PasswordHash.checkPolicy(longest, user: "u") } catch { policy1024 = "\(error)" }
            var policy1025 = "accepted"
            do { try PasswordHash.checkPolicy(tooLong, user: "u") } catch { policy1025 = "\(error)" }
            ev.expect(policy1024 == "accepted", "1,024-byte password: \(policy1024) by the policy")
            ev.expect(policy1025 != "accepted", "1,025-byte password refused by the policy: \(policy1025)")
            let hash1024 = try PasswordHash.make(longest)
            ev.expect(
                !PasswordHash.verify(tooLong, phc: hash1024),
                "a 1,025-byte password against the hash of its first 1,024 bytes: not verified (no truncation)")

            let path = context.path("secrets.sqlite")
            let store = try SQLiteLedgerStore(path: path)
            let model = try OQFixtures.twoSitePlant()
            _ = try await LedgerPlantModel.record(
                model, in: store, allowNewVersion: false, recordedAt: OQFixtures.epoch, recordedBy: "local:oq")
            let governance = Governance(store: store, clock: { OQFixtures.epoch })
            try await governance.enroll(
                user: "oq-admin", printedName: "OQ Administrator", roles: [.admin], sites: .all, password: password,
                by: .local("oq", station: context.station))
            let admin = try await governance.authenticate(
                Credentials(user: "oq-admin", password: password), station: context.station)
            var longEnrol = "accepted"
            do {
                try await governance.enroll(
                    user: "long", printedName: "Long Password", roles: [.operator], sites: .sites(["site-a"]),
                    password: tooLong, by: admin)
            } catch let e as GovernanceError { longEnrol = "\(e.code.rawValue) on field '\(e.field)': \(e.message)" }
            ev.expect(longEnrol.hasPrefix("invalid on field 'password'"), "enrolling with a 1,025-byte password: \(longEnrol)")

            let (tokenID, token) = try await governance.issueToken(system: "mes", sites: .sites(["site-a"]), by: admin)
            let secret = token.split(separator: "_", maxSplits: 2).last.map(String.init) ?? ""
            var b64 = secret.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
            while b64.count % 4 != 0 { b64 += "=" }
            let secretBits = (Data(base64Encoded: b64)?.count ?? 0) * 8
            ev.expect(secretBits >= 128, "API token \(tokenID): \(secretBits)-bit random secret")
            let issued = try await store.entries(kind: .identity).first { $0.entry.type == "token.issued" }
            let digest = APIToken.digest(token)
            ev.expect(
                issued?.entry.body.contains(digest) == true && issued?.entry.body.contains(secret) == false,
                "the ledger stores the token's SHA-256 (\(digest.prefix(12))…), not the token")

            let bytes = RawSQLite.fileBytes(path)
            ev.note("database file and WAL scanned: \(bytes.count) bytes")
            ev.expect(bytes.range(of: Data(password.utf8)) == nil, "the password does not occur in the database file or WAL")
            ev.expect(bytes.range(of: Data(secret.utf8)) == nil, "the token secret does not occur in the database file or WAL")
            let entries = try await store.entries(afterSeq: 0, limit: 10_000)
            let entriesWithSecrets = entries.filter {
                $0.entry.body.contains("pbkdf2") || $0.entry.body.contains(password) || $0.entry.body.contains(secret)
            }.count
            ev.expect(
                entriesWithSecrets == 0,
                "\(entries.count) ledger entries, \(entriesWithSecrets) holding a PHC string, the password or the token")
            let audit = try await AuditTrail.lines(in: store, matching: AuditQuery())
            let leaked = audit.filter { line in
                [line.newValue, line.oldValue ?? "", line.recordedBy].contains {
                    $0.contains(password) || $0.contains(secret) || $0.contains("pbkdf2")
                }
            }.count
            ev.expect(leaked == 0, "audit trail export: \(audit.count) lines, \(leaked) holding a secret")

            let attackerPassword = "attacker-chosen-password"
            let swapped = try PasswordHash.make(attackerPassword)
            let seq = try await store.entryCount() + 10
            try RawSQLite.write(path) { db in
                try db.execute(
                    sql: "INSERT INTO credential (user, phc, seq) VALUES ('oq-admin', ?, ?)", arguments: [swapped, seq])
            }
            var swappedLogin = "signed in"
            do {
                _ = try await governance.authenticate(
                    Credentials(user: "oq-admin", password: attackerPassword), station: context.station)
            } catch let e as GovernanceError { swappedLogin = "refused (\(e.message))" }
            ev.expect(
                swappedLogin.hasPrefix("refused"),
                "sign-in with the password of a hash inserted behind Spar's back: \(swappedLogin)")
            let findings = try await governance.verifyBindings()
            ev.expect(
                findings.contains { $0.field == "credential" },
                "credential binding check: \(findings.first.map { "\($0)" } ?? "no finding")")
            ev.observed = "PBKDF2-HMAC-SHA512 \(PasswordHash.rounds) rounds (\(hashMilliseconds) ms a hash); 1,025 bytes "
                + "refused; \(secretBits)-bit token stored as SHA-256; no secret in \(bytes.count) bytes of database or "
                + "\(audit.count) audit lines; swapped hash refused and reported"
            return ev
        }
    }
}
