// Fuzzes the plant model reader (events.md §1): PlantModelFile.decode as JSON and as YAML. decode runs
// PlantModel.validate() on whatever decodes; on a valid model this also builds what ingestion and the KPI
// engine build from it (the canonical JSON, its fingerprint, the unit index).
import FuzzSupport
import Foundation
import SparCore
import SparInterchange

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPlantModel(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let data = fuzzData(bytes, count)
    for json in [true, false] {
        let model: PlantModel
        do {
            model = try PlantModelFile.decode(data, json: json)
        } catch {
            fuzzLog("\(json ? "JSON" : "YAML"): \("\(error)".prefix(300))")
            continue
        }
        let canonical = PlantModelFile.canonicalJSON(model)
        fuzzLog("\(json ? "JSON" : "YAML"): valid plant model \(PlantModelFile.fingerprint(model))")
        _ = PlantModel.Index(model)
        guard FuzzOptions.roundTrip else { continue }
        do {
            let again = try PlantModelFile.decode(Data(canonical.utf8), json: true)
            if again != model { propertyFailed("plant model changed through its canonical JSON: \(canonical)") }
        } catch {
            propertyFailed("a valid plant model's canonical JSON is rejected: \(error)\n\(canonical)")
        }
    }
    return 0
}

@_cdecl("FuzzPlantModel_main")
public func fuzzPlantModelMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runLibFuzzer(argc, argv, fuzzPlantModel)
}
