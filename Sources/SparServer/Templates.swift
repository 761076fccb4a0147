import Mustache

/// The page templates, compiled into the binary (SwiftPM `embedInCode`) and parsed once at start.
enum Templates {
    static let sources: [(name: String, bytes: [UInt8])] = [
        ("head", PackageResources.head_mustache),
        ("foot", PackageResources.foot_mustache),
        ("overview", PackageResources.overview_mustache),
        ("scope", PackageResources.scope_mustache),
        ("kpis", PackageResources.kpis_mustache),
        ("kpi", PackageResources.kpi_mustache),
        ("ingest", PackageResources.ingest_mustache),
        ("login", PackageResources.login_mustache),
        ("lineage", PackageResources.lineage_mustache),
        ("entry", PackageResources.entry_mustache),
        ("blueprint", PackageResources.blueprint_mustache),
        ("blueprint-site", PackageResources.blueprint_site_mustache),
        ("blueprint-diff", PackageResources.blueprint_diff_mustache),
        ("blueprint-versions", PackageResources.blueprint_versions_mustache),
        ("blueprint-gaps", PackageResources.blueprint_gaps_mustache),
        ("travelers", PackageResources.travelers_mustache),
        ("traveler", PackageResources.traveler_mustache),
        ("wip", PackageResources.wip_mustache),
        ("trace", PackageResources.trace_mustache),
        ("ncrs", PackageResources.ncrs_mustache),
        ("ncr", PackageResources.ncr_mustache),
    ]

    static func library() throws -> MustacheLibrary {
        var library = MustacheLibrary()
        for (name, bytes) in sources {
            try library.register(String(decoding: bytes, as: UTF8.self), named: name)
        }
        return library
    }
}
