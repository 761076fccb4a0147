// Fuzzes JSONValue.parse / canonical (used by blueprint unknown-field checks and the server's JSON-array
// batches) and the batch paths the server's EventBatchDecoder composes from SparInterchange's public API.
//
// The server's EventBatchDecoder itself (Sources/SparServer) is internal to SparServer, which links
// Hummingbird; it is not fuzzed here. This target replays its two paths over the same public calls:
//   JSON array:  JSONDecoder().decode([JSONValue].self) then EventCoding.decode(element) per element
//   JSON Lines:  split on 0x0A, skip blank lines, EventCoding.decode(data:lineNumber:using:) per line
import FuzzSupport
import Foundation
import SparCore
import SparInterchange

let sharedDecoder = JSONDecoder()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSONValue(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let data = fuzzData(bytes, count)

    if let value = try? JSONValue.parse(data) {
        let canonical = value.canonical
        fuzzLog("JSON value: \(canonical.prefix(200))")
        _ = value.stringValue
        _ = value.arrayValue
        _ = value.numberValue
        if FuzzOptions.roundTrip {
            guard let again = try? JSONValue.parse(Data(canonical.utf8)) else {
                propertyFailed("canonical JSON does not parse: \(canonical)")
            }
            if again.canonical != canonical { propertyFailed("canonical JSON changed: \(canonical) -> \(again.canonical)") }
        }
    }

    // JSON array batch.
    if let elements = try? JSONDecoder().decode([JSONValue].self, from: data) {
        for (i, element) in elements.enumerated() {
            switch EventCoding.decode(element, lineNumber: i + 1) {
            case .success(let event): fuzzLog("array element \(i + 1) accepted: \(event.id.rawValue)")
            case .failure(let rejection): fuzzLog("array element rejected: \(rejection.description)")
            }
        }
    }

    // JSON Lines batch.
    var line = 0
    for raw in data.split(separator: 0x0A, omittingEmptySubsequences: false) {
        line += 1
        guard raw.contains(where: { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }) else { continue }
        switch EventCoding.decode(data: Data(raw), lineNumber: line, using: sharedDecoder) {
        case .success(let event): fuzzLog("line \(line) accepted: \(event.id.rawValue)")
        case .failure(let rejection): fuzzLog("line rejected: \(rejection.description)")
        }
    }
    return 0
}

@_cdecl("FuzzJSONValue_main")
public func fuzzJSONValueMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runLibFuzzer(argc, argv, fuzzJSONValue)
}
