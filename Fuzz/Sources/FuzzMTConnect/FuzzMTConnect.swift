// Fuzzes the MTConnect readers: MTConnectStreams.parse (header, every observation), MTConnectProbe.parse and
// MTConnectStreams.agentErrorCodes, then MTConnectTracker.read of the document twice (the second read must give
// no event: its sequences were read) and a tracker resumed from the first one's snapshot, through JSON.
import FuzzSupport
import Foundation
import SparCore
import SparInterchange

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMTConnect(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let data = fuzzData(bytes, count)
    _ = MTConnectStreams.agentErrorCodes(data)
    if let probe = try? MTConnectProbe.parse(data) {
        fuzzLog("probe \(probe.instanceId): \(probe.devices.map(\.name))")
    }
    let doc: MTConnectStreams
    do {
        doc = try MTConnectStreams.parse(data)
    } catch {
        fuzzLog("refused: \(error.description)")
        return 0
    }
    let devices = Set(doc.observations.map(\.device)).sorted().enumerated().map { i, name in
        MTConnectDeviceMap(device: name, unit: EquipmentPath("e/s/a/w/u\(i)"), source: "mtc", orderFrom: "PartId")
    }
    var tracker = MTConnectTracker(devices: devices)
    let first = tracker.read(doc)
    fuzzLog("\(first.events.count) events, \(first.notices.count) notices, next \(first.nextSequence)")
    if FuzzOptions.roundTrip {
        guard let json = try? JSONEncoder().encode(tracker.snapshot),
            let snapshot = try? JSONDecoder().decode(MTConnectTracker.Snapshot.self, from: json),
            snapshot == tracker.snapshot
        else { propertyFailed("the tracker's snapshot does not survive JSON") }
        guard var resumed = try? MTConnectTracker(devices: devices, resuming: snapshot) else {
            propertyFailed("a tracker cannot resume from its own snapshot")
        }
        let again = tracker.read(doc)
        let resumedAgain = resumed.read(doc)
        if !again.events.isEmpty || again.events != resumedAgain.events {
            propertyFailed("reading a document twice gave events again: \(again.events) / \(resumedAgain.events)")
        }
    }
    return 0
}

@_cdecl("FuzzMTConnect_main")
public func fuzzMTConnectMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runLibFuzzer(argc, argv, fuzzMTConnect)
}
