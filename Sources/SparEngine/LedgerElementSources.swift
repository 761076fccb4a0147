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
        var tally = Tally(model: model)
        try await tally.advance(in: store, asOf: asOf, pageSize: pageSize)
        return try await tally.observed(in: store)
    }

    /// Counts of (site, element, source) contributions read so far and the corrections seen, advanced over the
    /// entries appended since: what a server keeps so that it reads each entry once, not the whole ledger per
    /// analysis.
    public struct Tally: Sendable {
        let reasons: [String: ReasonCode]
        /// `counts[site][element][source]`, corrected originals still counted.
        var counts: [String: [String: [String: Int]]] = [:]
        /// Latest correction by target (nil: voided), with the replacement's contribution.
        var corrections: [EventID: Supply?] = [:]
        var events = 0
        /// The last ledger sequence read.
        public private(set) var after: Int64 = 0

        struct Supply: Sendable {
            var site: String
            var source: String
            var elements: [String]
        }

        public init(model: PlantModel) {
            var reasons: [String: ReasonCode] = [:]
            for r in model.reasons where reasons[r.code] == nil { reasons[r.code] = r }
            self.reasons = reasons
        }

        func supply(_ e: Event) -> Supply? {
            guard e.unit.components.count >= 2 else { return nil }
            return Supply(
                site: e.unit.components[1], source: e.source,
                elements: BlueprintElementMap.elements(of: e.payload, reasons: reasons))
        }

        static func decode(_ body: String) -> Event? {
            guard case .success(let e) = EventCoding.decode(data: Data(body.utf8), lineNumber: nil, strict: false) else { return nil }
            return e
        }

        static func count(_ s: Supply, _ delta: Int, into counts: inout [String: [String: [String: Int]]]) {
            for element in s.elements {
                counts[s.site, default: [:]][element, default: [:]][s.source, default: 0] += delta
            }
        }

        /// Reads the event entries after ``after`` (those recorded at or before `asOf` when given). A correction
        /// always comes after its target, so the target is counted when the correction is read.
        public mutating func advance(in store: any LedgerStore, asOf: Timestamp? = nil, pageSize: Int = 20_000) async throws {
            while true {
                let page = try await store.entries(afterSeq: after, limit: pageSize)
                guard let last = page.last else { break }
                after = last.seq
                for row in page where row.entry.kind == .event {
                    if let asOf, row.recordedAt > asOf { continue }
                    events += 1
                    guard let event = Self.decode(row.entry.body) else { continue }
                    if case .correction(let c) = event.payload {
                        corrections.updateValue(c.replacement.flatMap(supply), forKey: c.corrects)
                    } else if let s = supply(event) {
                        Self.count(s, 1, into: &counts)
                    }
                }
                if page.count < pageSize { break }
            }
        }

        /// What the entries read so far show: corrected originals taken back out, their latest replacements put in.
        public func observed(in store: any LedgerStore) async throws -> Observed {
            var counts = counts
            let originals = corrections.isEmpty ? [:] : try await store.bodies(ids: corrections.keys.map(\.rawValue))
            for (id, replacement) in corrections {
                if let body = originals[id.rawValue], let original = Self.decode(body), let s = supply(original) {
                    Self.count(s, -1, into: &counts)
                }
                if let replacement { Self.count(replacement, 1, into: &counts) }
            }
            var result = Observed(events: events)
            for (site, elements) in counts {
                for (element, sources) in elements {
                    let systems = Set(sources.filter { $0.value > 0 }.keys)
                    if !systems.isEmpty { result.suppliers[site, default: [:]][element] = systems }
                }
            }
            return result
        }
    }
}
