// Fuzzes Sparkplug B reading: the input is a topic, a newline, then the protobuf payload. SparkplugTopic parsing,
// SparkplugPayload decoding and SparkplugTracker.read of the message twice (the second read must be a redelivery
// with the same events, or be refused or ignored the same way).
import FuzzSupport
import Foundation
import SparCore
import SparInterchange

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSparkplug(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let data = [UInt8](fuzzData(bytes, count))
    let cut = data.firstIndex(of: 0x0A) ?? data.endIndex
    let topic = String(decoding: data[..<cut], as: UTF8.self)
    let payload = cut < data.endIndex ? Array(data[(cut + 1)...]) : []
    _ = try? SparkplugPayload(decoding: payload)
    var node = ("g", "n", Optional<String>.none)
    if case .message(_, let n, let device)? = try? SparkplugTopic(parsing: topic) { node = (n.group, n.edgeNode, device) }
    let map = SparkplugDeviceMap(
        group: node.0, edgeNode: node.1, device: node.2, unit: EquipmentPath("e/s/a/w/u1"), source: "spb",
        stateMetric: "State", partCountMetrics: ["Count"], scrapCountMetrics: ["Scrap"])
    var tracker = SparkplugTracker(devices: [map])
    let at = Timestamp(milliseconds: 1_780_000_000_000)
    let first = tracker.read(topic: topic, payload: payload, receivedAt: at)
    fuzzLog("\(first.disposition): \(first.events.count) events, \(first.notices)")
    if FuzzOptions.roundTrip, first.disposition == .read {
        let again = tracker.read(topic: topic, payload: payload, receivedAt: at)
        if case .read = again.disposition, !again.events.isEmpty, Set(again.events.map(\.id)).isDisjoint(with: first.events.map(\.id)) {
            propertyFailed("the same message read twice gave new events: \(first.events) then \(again.events)")
        }
    }
    return 0
}

@_cdecl("FuzzSparkplug_main")
public func fuzzSparkplugMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runLibFuzzer(argc, argv, fuzzSparkplug)
}
