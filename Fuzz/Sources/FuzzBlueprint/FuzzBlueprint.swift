// Fuzzes the blueprint reader: BlueprintFile.decode (JSON and YAML; decode + unknown-field walk + validation
// against a plant model) and, on what fails validation, decodeUnvalidated (the ledger's read path) and the
// canonical encoding. The plant model is Examples/plant.yaml, copied into Resources/ (the demo enterprise,
// which Examples/blueprint.yaml, the main seed, describes).
import FuzzSupport
import Foundation
import SparCore
import SparInterchange

let plant: PlantModel = {
    do {
        return try PlantModelFile.decode(Data(PackageResources.plant_yaml), name: "plant.yaml", json: false)
    } catch {
        fatalError("FuzzBlueprint's Resources/plant.yaml does not load: \(error)")
    }
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzBlueprint(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let data = fuzzData(bytes, count)
    for json in [true, false] {
        do {
            let blueprint = try BlueprintFile.decode(data, json: json, plant: plant)
            fuzzLog("\(json ? "JSON" : "YAML"): valid blueprint \(BlueprintFile.fingerprint(blueprint))")
            examine(blueprint)
            _ = blueprint.analyze(plant: plant)
        } catch let invalid as InvalidBlueprint {
            fuzzLog("\(json ? "JSON" : "YAML"): \(invalid.problems.count) problem(s), first: \(invalid.problems.first.map { "\($0)" } ?? "-")")
            if let blueprint = try? BlueprintFile.decodeUnvalidated(data, json: json) { examine(blueprint) }
        } catch {
            fuzzLog("\(json ? "JSON" : "YAML"): \("\(error)".prefix(300))")
        }
    }
    return 0
}

func examine(_ blueprint: Blueprint) {
    let canonical = BlueprintFile.canonicalJSON(blueprint)
    _ = BlueprintFile.fingerprint(blueprint)
    guard FuzzOptions.roundTrip else { return }
    do {
        let again = try BlueprintFile.decodeUnvalidated(Data(canonical.utf8), json: true)
        if again != blueprint { propertyFailed("blueprint changed through its canonical JSON: \(canonical)") }
    } catch {
        propertyFailed("a blueprint's canonical JSON is rejected: \(error)\n\(canonical)")
    }
}

@_cdecl("FuzzBlueprint_main")
public func fuzzBlueprintMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runLibFuzzer(argc, argv, fuzzBlueprint)
}
