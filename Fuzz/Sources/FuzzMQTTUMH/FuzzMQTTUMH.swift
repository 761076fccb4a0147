// Fuzzes MQTTUMH.read: the input's first line is the topic, the rest the payload. Every message gives events or
// a rejection that names its topic; with SPAR_FUZZ_ROUNDTRIP=1, reading the same message again (a redelivery)
// gives the same events, and every event carries the mapped unit and a time the ledger can write.
import FuzzSupport
import Foundation
import SparCore
import SparInterchange

let assets = [
    MQTTUMH.Asset(topic: "umh/v1/e/s/a/w/u1", unit: EquipmentPath("e/s/a/w/u1"), countTag: "counter.good"),
    MQTTUMH.Asset(topic: "ia/c/s/u1", unit: EquipmentPath("e/s/a/w/u1")),
]
let received = Timestamp(milliseconds: 1_764_662_400_000)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMQTTUMH(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let data = fuzzData(bytes, count)
    let split = data.firstIndex(of: 0x0A) ?? data.endIndex
    let topic = String(decoding: data[data.startIndex..<split], as: UTF8.self)
    let payload = split < data.endIndex ? Array(data[(split + 1)...]) : []
    var reader = MQTTUMH(source: "umh", assets: assets)
    switch reader.read(topic: topic, payload: payload, receivedAt: received) {
    case .success(let events):
        fuzzLog("\(events.count) events")
        if FuzzOptions.roundTrip {
            var again = reader
            guard case .success(let repeated) = again.read(topic: topic, payload: payload, receivedAt: received),
                repeated.map(\.id) == events.map(\.id)
            else { propertyFailed("a redelivery of the message gave other events") }
            for e in events {
                if e.unit != EquipmentPath("e/s/a/w/u1") { propertyFailed("event \(e.id) of an unmapped unit") }
                if !Timestamp.representable.contains(e.ts) { propertyFailed("event \(e.id) at an unwritable time") }
            }
        }
    case .failure(let rejection):
        if rejection.topic != topic { propertyFailed("a rejection names another topic: \(rejection)") }
        fuzzLog("rejected: \(rejection)")
    }
    return 0
}

@_cdecl("FuzzMQTTUMH_main")
public func fuzzMQTTUMHMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runLibFuzzer(argc, argv, fuzzMQTTUMH)
}
