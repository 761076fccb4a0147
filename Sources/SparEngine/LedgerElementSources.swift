import Foundation
import SparCore
import SparInterchange
import SparStorage

/// Which systems actually supplied which ISO 22400 base elements at each site, read from the `source` of the
/// events in the ledger (``BlueprintElementMap/elements(of:reasons:)``), for the blueprint analysis.
public enum LedgerElementSources {
    /// What the ledger shows.
    public struct Observed: Sendable, Hashable {
        /// `suppliers[site][element]` = the systems whose events supplied it.
        public var suppliers: [String: [String: Set<String>]]
        /// Event entries read (corrections included).
        public var events: Int

        /// Creates a value from its parts.
        public init(suppliers: [String: [String: Set<String>]] = [:], events: Int = 0) {
            self.suppliers = suppliers
            self.events = events
        }
    }

    /// Reads every event entry recorded at or before `asOf` (all when nil), page by page in sequence order.
    ///
    /// A corrected event counts as its latest correction's replacement (its source, unit and payload); a voided
    /// one supplies nothing. An entry that no longer decodes is skipped (it was valid when ingested).
    public static func observed(
        in store: any LedgerStore, model: PlantModel, asOf: Timestamp? = nil, pageSize: Int = 20_000
    ) async throws -> Observed {
        var reasons: [String: ReasonCode] = [:]
        for r in model.reasons where reasons[r.code] == nil { reasons[r.code] = r }
        typealias Supply = (site: String, source: String, elements: [String])
        func supply(_ e: Event) -> Supply? {
            guard e.unit.components.count >= 2 else { return nil }
            return (e.unit.components[1], e.source, BlueprintElementMap.elements(of: e.payload, reasons: reasons))
        }
        func decode(_ body: String) -> Event? {
            guard case .success(let e) = EventCoding.decode(data: Data(body.utf8), lineNumber: nil, strict: false) else { return nil }
            return e
        }
        // One pass: count each (site, element, source) contribution; remember corrections (rare) by target, the
        // latest winning (nil: voided). A correction always comes after its target, so the target is counted.
        var counts: [String: [String: [String: Int]]] = [:]
        func count(_ s: Supply, _ delta: Int) {
            for element in s.elements {
                counts[s.site, default: [:]][element, default: [:]][s.source, default: 0] += delta
            }
        }
        var corrections: [EventID: Supply?] = [:]
        var result = Observed()
        var after: Int64 = 0
        while true {
            let page = try await store.entries(afterSeq: after, limit: pageSize)
            guard let last = page.last else { break }
            after = last.seq
            for row in page where row.entry.kind == .event {
                if let asOf, row.recordedAt > asOf { continue }
                result.events += 1
                guard let event = decode(row.entry.body) else { continue }
                if case .correction(let c) = event.payload {
                    corrections.updateValue(c.replacement.flatMap(supply), forKey: c.corrects)
                } else if let s = supply(event) {
                    count(s, 1)
                }
            }
            if page.count < pageSize { break }
        }
        // Take the corrected originals back out, put their latest replacements in.
        let originals = try await store.bodies(ids: corrections.keys.map(\.rawValue))
        for (id, replacement) in corrections {
            if let body = originals[id.rawValue], let original = decode(body), let s = supply(original) { count(s, -1) }
            if let replacement { count(replacement, 1) }
        }
        for (site, elements) in counts {
            for (element, sources) in elements {
                let systems = Set(sources.filter { $0.value > 0 }.keys)
                if !systems.isEmpty { result.suppliers[site, default: [:]][element] = systems }
            }
        }
        return result
    }
}
