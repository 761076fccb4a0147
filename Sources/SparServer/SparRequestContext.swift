import Hummingbird

/// The request context of Spar's routes: Hummingbird's core storage with an upload limit sized for event batches.
struct SparRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
    }

    /// Largest request body read: 64 MiB (about 200,000 events as JSON Lines).
    var maxUploadSize: Int { 64 << 20 }
}
