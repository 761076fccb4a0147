// Fuzzes the B2MML reader: XMLTree.parse (byte-order marks, UTF-16, DTD and entity refusal, depth and size
// limits) and B2MML.read's mapping of equipment, materials, lots, schedules and performance against a plant model
// (Examples/plant.yaml, copied into Resources/). With SPAR_FUZZ_ROUNDTRIP=1, every event read must survive its
// canonical JSON, and a proposed plant model must validate and survive its canonical JSON.
import FuzzSupport
import Foundation
import SparCore
import SparInterchange

let plant: PlantModel = {
    do {
        return try PlantModelFile.decode(Data(PackageResources.plant_yaml), name: "plant.yaml", json: false)
    } catch {
        fatalError("FuzzB2MML's Resources/plant.yaml does not load: \(error)")
    }
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzB2MML(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let data = fuzzData(bytes, count)
    let reading: B2MML.Reading
    do {
        reading = try B2MML.read(data, model: plant, source: "erp-sap")
    } catch {
        fuzzLog("refused: \("\(error)".prefix(300))")
        return 0
    }
    fuzzLog(
        "B2MML \(reading.version) \(reading.root): \(reading.events.count) events, \(reading.problems.count) refused, "
            + "\(reading.masterDataChanges.count) master data changes")
    guard FuzzOptions.roundTrip else { return 0 }
    for located in reading.events {
        let text = EventCoding.canonical(located.event)
        switch EventCoding.decode(data: Data(text.utf8), lineNumber: nil, using: JSONDecoder(), strict: false) {
        case .success(let back) where back == located.event: continue
        case .success(let back): propertyFailed("event changed through its canonical JSON: \(text) → \(back)")
        case .failure(let r): propertyFailed("an event read from B2MML does not decode: \(r)\n\(text)")
        }
    }
    if let model = reading.proposedModel {
        do {
            try model.validate()
            let again = try PlantModelFile.decode(Data(PlantModelFile.canonicalJSON(model).utf8), json: true)
            if again != model { propertyFailed("the proposed plant model changed through its canonical JSON") }
        } catch {
            propertyFailed("the proposed plant model is not valid: \(error)")
        }
    }
    return 0
}

@_cdecl("FuzzB2MML_main")
public func fuzzB2MMLMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runLibFuzzer(argc, argv, fuzzB2MML)
}
