// Fuzzes the KPI-ML importer: KPIML.readDefinitions (XMLTree.parse, namespace and root checks, every field of
// every KPIDefinition) and KPIML.extensions (local ids, elements parsed from the formula, notes). With
// SPAR_FUZZ_ROUNDTRIP=1, the definitions read (if any) are written back with KPIML.definitionsDocument and must
// read back the same.
import FuzzSupport
import Foundation
import SparCore
import SparInterchange

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzKPIML(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let data = fuzzData(bytes, count)
    let read: KPIML.DefinitionsRead
    do {
        read = try KPIML.readDefinitions(data)
    } catch {
        fuzzLog("refused: \(error.description)")
        return 0
    }
    fuzzLog("\(read.count) definitions: \(read.definitions.map(\.id)), \(read.problems.count) problems")
    for p in read.problems { fuzzLog("problem: \(p.description)") }
    let (extensions, problems) = KPIML.extensions(read.definitions, site: "s")
    for e in extensions { fuzzLog("extension \(e.id): \(e.formula) \(e.elements)") }
    for p in problems { fuzzLog("not an extension: \(p.description)") }
    if FuzzOptions.roundTrip, !read.definitions.isEmpty {
        let written = KPIML.definitionsDocument(read.definitions, createdAt: Timestamp(milliseconds: 0))
        guard let again = try? KPIML.readDefinitions(written) else {
            propertyFailed("the definitions written do not read back: \(String(decoding: written, as: UTF8.self))")
        }
        func fields(_ d: KPIML.Definition) -> [String] {
            [d.id, d.formula ?? "-", d.unitOfMeasure ?? "-"] + d.names + d.descriptions + d.scopes + d.notes
                + d.audience + d.usesKPIDefinitionIDs + d.timing.map(\.rawValue) + [d.trend?.rawValue ?? "-"]
                + d.productionMethodology.map(\.rawValue)
                + d.ranges.flatMap { [$0.id, "\($0.lowerLimit as Any)", "\($0.upperLimit as Any)"] + $0.descriptions }
        }
        if again.definitions.map(fields) != read.definitions.map(fields) || !again.problems.isEmpty {
            propertyFailed("definitions changed on the way back: \(read.definitions) -> \(again.definitions) \(again.problems)")
        }
    }
    return 0
}

@_cdecl("FuzzKPIML_main")
public func fuzzKPIMLMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runLibFuzzer(argc, argv, fuzzKPIML)
}
