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
    ]

    static func library() throws -> MustacheLibrary {
        var library = MustacheLibrary()
        for (name, bytes) in sources {
            try library.register(String(decoding: bytes, as: UTF8.self), named: name)
        }
        return library
    }
}
