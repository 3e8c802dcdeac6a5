import Foundation
import Metrics
import Prometheus

/// The service's metrics through swift-metrics, exposed in Prometheus text by swift-prometheus:
/// Hummingbird's MetricsMiddleware records requests by route and status and their latency;
/// these add images hashed, decode and hash time, the queue depth and the device.
public final class ServiceMetrics: @unchecked Sendable {
    let registry: PrometheusCollectorRegistry
    let imagesHashed: Metrics.Counter
    let decodeSeconds: Metrics.Timer
    let hashSeconds: Metrics.Timer
    let queueDepth: Metrics.Gauge

    /// Bootstraps the process-wide metrics system (once per process).
    public init(deviceKind: String, deviceName: String) {
        registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
            .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2), .seconds(5), .seconds(10),
        ]
        MetricsSystem.bootstrap(factory)
        imagesHashed = Metrics.Counter(label: "crosshash_images_hashed_total")
        decodeSeconds = Metrics.Timer(label: "crosshash_decode_seconds")
        hashSeconds = Metrics.Timer(label: "crosshash_hash_seconds")
        queueDepth = Metrics.Gauge(label: "crosshash_queue_depth")
        Metrics.Gauge(label: "crosshash_device_info", dimensions: [("kind", deviceKind), ("name", deviceName)]).record(1)
    }

    /// Called by the hashing pool after every batch.
    public func observe(images: Int, decode: Double, hash: Double) {
        if images > 0 { imagesHashed.increment(by: images) }
        if decode > 0 { decodeSeconds.recordNanoseconds(Int64(decode * 1e9)) }
        if hash > 0 { hashSeconds.recordNanoseconds(Int64(hash * 1e9)) }
    }

    func refresh(queueDepth depth: Int) { queueDepth.record(depth) }

    func exposition() -> [UInt8] { registry.emitToBuffer() }
}
