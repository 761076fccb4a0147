// Fuzzes the JSON Lines event parser (events.md §2): EventCoding.decode(data:) and decode(line:).
import FuzzSupport
import Foundation
import SparCore
import SparInterchange

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzEventLine(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let data = fuzzData(bytes, count)
    // The byte entry point: what the server's JSON Lines batches and `spar ingest` feed it.
    check(EventCoding.decode(data: data, lineNumber: 1))
    // The text entry point, on the same bytes read as UTF-8 (invalid sequences become U+FFFD).
    let text = String(decoding: data, as: UTF8.self)
    check(EventCoding.decode(line: text[...], lineNumber: nil))
    return 0
}

func check(_ result: Result<Event, EventRejection>) {
    switch result {
    case .success(let event):
        // What ingestion does with an accepted event: its canonical bytes go to the ledger.
        let canonical = EventCoding.canonical(event)
        fuzzLog("accepted: \(canonical)")
        _ = EventCoding.jsonValue(event, includeID: false).canonical
        guard FuzzOptions.roundTrip else { return }
        switch EventCoding.decode(data: Data(canonical.utf8), lineNumber: nil) {
        case .success(let again):
            let second = EventCoding.canonical(again)
            if second != canonical { propertyFailed("canonical form changed on re-reading: \(canonical) -> \(second)") }
        case .failure(let why):
            propertyFailed("an accepted event's canonical form is rejected: \(canonical): \(why)")
        }
    case .failure(let rejection):
        fuzzLog("rejected: \(rejection.description)")
    }
}

@_cdecl("FuzzEventLine_main")
public func fuzzEventLineMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runLibFuzzer(argc, argv, fuzzEventLine)
}
