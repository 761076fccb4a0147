import CoreMetrics
import Metrics
import Prometheus

/// The server's swift-metrics instruments, all made by one factory over the configuration's registry, so that
/// tests read their own registry and `spar serve` can also bootstrap the global system with it.
struct ServerMetrics: Sendable {
    let factory: PrometheusMetricsFactory
    let accepted: CoreMetrics.Counter
    let duplicates: CoreMetrics.Counter
    let rejected: CoreMetrics.Counter
    let batches: CoreMetrics.Counter
    let rebuild: CoreMetrics.Timer
    let subscribers: CoreMetrics.Gauge

    init(registry: PrometheusCollectorRegistry) {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
            .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
            .seconds(1), .seconds(2.5), .seconds(5), .seconds(10),
        ]
        self.factory = factory
        accepted = CoreMetrics.Counter(label: "spar_ingest_events_total", dimensions: [("outcome", "accepted")], factory: factory)
        duplicates = CoreMetrics.Counter(label: "spar_ingest_events_total", dimensions: [("outcome", "duplicate")], factory: factory)
        rejected = CoreMetrics.Counter(label: "spar_ingest_events_total", dimensions: [("outcome", "rejected")], factory: factory)
        batches = CoreMetrics.Counter(label: "spar_ingest_batches_total", factory: factory)
        rebuild = CoreMetrics.Timer(label: "spar_projection_rebuild_seconds", factory: factory)
        subscribers = CoreMetrics.Gauge(label: "spar_stream_subscribers", factory: factory)
    }

    /// The request latency histogram of one route, method and status.
    func requestTimer(route: String, method: String, status: Int) -> CoreMetrics.Timer {
        CoreMetrics.Timer(
            label: "spar_http_request_duration_seconds",
            dimensions: [("route", route), ("method", method), ("status", String(status))], factory: factory)
    }
}
