import Foundation
import Hummingbird
import HummingbirdTesting
import SparCore
import SparDemo
import SparInterchange
import Testing

@testable import SparServer

/// The blueprint pages against the analysis they show, their scoping, as-of and diff, and the exports.
@Suite("Blueprint pages")
struct BlueprintPagesTests {
    /// `data-site`, `data-activity`, `data-state` and `data-full` of every grid cell of a page.
    static func cells(_ html: String) -> [(site: String, activity: String, state: String, full: String)] {
        let pattern = #/<td class="cell [^"]*" data-site="([^"]*)" data-activity="([^"]*)" data-state="([^"]*)" data-full="([^"]*)"/#
        return html.matches(of: pattern).map { (String($0.1), String($0.2), String($0.3), String($0.4)) }
    }

    @Test("the enterprise grid equals the analysis cell by cell; a site's reader sees its column only")
    func enterpriseGrid() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("spar-bpp-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("ledger.sqlite").path
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let plant = DemoEnterprise.plantModel()
        let site = plant.sites[0].id
        let other = plant.sites[1].id
        try await SiteScopeTests.demoBlueprintLedger(path: path, siteUser: "w", site: site)
        let configuration = ServerConfiguration(port: 0, database: path, now: { ServerFixture.clock })
        try await serve(configuration) { client in
            let admin = try await client.signIn("admin")
            let w = try await client.signIn("w")
            let analysis = try await client.send("/api/blueprint/analysis", session: admin).json()
            let page = try await client.send("/blueprint", session: admin, headers: [.accept: "text/html"])
            #expect(page.status == .ok)
            let html = String(buffer: page.body)
            let grid = Self.cells(html)
            let sites = analysis["sites"]?.array ?? []
            #expect(sites.count == plant.sites.count)
            // 4 categories × 8 activities per site.
            #expect(grid.count == 32 * sites.count)
            for s in sites {
                let id = s["site"]?.string ?? ""
                for a in s["activities"]?.array ?? [] {
                    let activity = a["activity"]?.string ?? ""
                    let cell = grid.first { $0.site == id && $0.activity == activity }
                    #expect(cell?.state == a["state"]?.string, "\(id) \(activity)")
                    let full = (a["full"]?.array ?? []).compactMap(\.string).joined(separator: ",")
                    #expect(cell?.full == full, "\(id) \(activity)")
                }
            }
            // Every gap is listed in rank order.
            let ranks = html.matches(of: #/<tr data-kind="([a-zA-Z]+)"><td class="num">(\d+)</td>/#).map { Int($0.2) ?? 0 }
            #expect(ranks == Array(1...(analysis["gaps"]?.array?.count ?? 0)))

            let scoped = String(buffer: try await client.send("/blueprint", session: w, headers: [.accept: "text/html"]).body)
            #expect(Set(Self.cells(scoped).map(\.site)) == [site])
            #expect(Self.cells(scoped).count == 32)
            #expect(!scoped.contains(#"href="/blueprint/sites/\#(other)""#))
            #expect(try await client.send("/blueprint/sites/\(other)", session: w).status == .forbidden)
            let own = try await client.send("/blueprint/sites/\(site)", session: w, headers: [.accept: "text/html"])
            #expect(own.status == .ok)
            let siteHTML = String(buffer: own.body)
            #expect(Self.cells(siteHTML).count == 32)
            // The ownership matrix: one row per data object of the analysis, the system of record marked SoR.
            let objects = (sites.first { $0["site"]?.string == site }?["dataObjects"]?.array) ?? []
            let rows = siteHTML.matches(of: #/<tr data-object="([^"]+)">/#).map { String($0.1) }
            #expect(rows == objects.compactMap { $0["object"]?.string })
            if let owned = objects.first(where: { $0["state"]?.string == "owned" }),
                let object = owned["object"]?.string, let sor = owned["systemOfRecord"]?.array?.first?.string
            {
                let row = siteHTML.components(separatedBy: #"<tr data-object="\#(object)">"#)[1].components(separatedBy: "</tr>")[0]
                #expect(row.contains(#"<td class="own-sor" data-system="\#(sor)""#), "\(object)")
            }

            // Exports follow the same scoping.
            let csv = try await client.send("/blueprint/gaps.csv", session: w)
            #expect(csv.headers[.contentType] == "text/csv; charset=utf-8")
            #expect(csv.headers[.contentDisposition] == #"attachment; filename="blueprint-aerostar-gaps.csv""#)
            let records = String(buffer: csv.body).components(separatedBy: "\r\n").dropFirst().filter { !$0.isEmpty }
            #expect(!records.isEmpty)
            #expect(records.allSatisfy { $0.split(separator: ",")[3] == site })
            let markdown = String(buffer: try await client.send("/blueprint/report.md?site=\(site)", session: w).body)
            #expect(markdown.contains("## \(site)") || markdown.contains("### \(site)") || markdown.contains(site))
            #expect(!markdown.contains(other))
            #expect(try await client.send("/blueprint/report.md?site=\(other)", session: w).status == .forbidden)

            // As of a time before the blueprint was recorded: none in force; at the clock: the same grid.
            let before = try await client.send("/blueprint?asOf=2026-06-01T00:00:00Z", session: admin)
            #expect(before.status == .notFound)
            #expect(try before.json()["code"]?.string == "blueprint-not-recorded")
            let at = String(
                buffer: try await client.send(
                    "/blueprint?asOf=2026-06-11T00:00:00Z", session: admin, headers: [.accept: "text/html"]
                ).body)
            #expect(Self.cells(at).map(\.state) == grid.map(\.state))
            #expect(at.contains("as of 2026-06-11 00:00 UTC"))
            // The diff from nothing to the recorded version: everything added.
            let diff = String(
                buffer: try await client.send(
                    "/blueprint/diff?from=2026-06-01T00:00:00Z&to=2026-06-11T00:00:00Z", session: admin,
                    headers: [.accept: "text/html"]
                ).body)
            let kinds = diff.matches(of: #/<tr class="diff-([a-z]+)">/#).map { String($0.1) }
            #expect(!kinds.isEmpty && kinds.allSatisfy { $0 == "added" })
        }
    }
}
