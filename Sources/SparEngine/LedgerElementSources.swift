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
    ///
    /// Every ``markEvery`` entries it keeps a mark: its state then, the latest recording time of the entries before
    /// it and the earliest of those since the previous mark. The sources as of a server time are then a mark's
    /// state plus the entries recorded by then in the segments after it (``observed(asOf:in:)``): one segment
    /// when the server clock only moves forward, every segment that holds an entry recorded by then when it
    /// stepped back.
    public struct Tally: Sendable {
        let reasons: [String: ReasonCode]
        var state = State()
        /// The last ledger sequence read.
        public private(set) var after: Int64 = 0
        /// Entries between two marks.
        public let markEvery: Int
        var marks: [Mark] = []
        /// Recording times of the entries read since the last mark, and of all entries read.
        var segmentEarliest: Timestamp?
        var latestRecorded: Timestamp?
        var sinceMark = 0

        /// What the entries read up to a point show.
        struct State: Sendable {
            /// `counts[site][element][source]`, corrected originals still counted.
            var counts: [String: [String: [String: Int]]] = [:]
            /// Latest correction by target (nil: voided), with the replacement's contribution.
            var corrections: [EventID: Supply?] = [:]
            var events = 0
        }

        /// The state after the entries up to `after`, all recorded at or before `latestRecorded`; the entries of
        /// the segment that ends here were recorded at `segmentEarliest` or later.
        struct Mark: Sendable {
            var after: Int64
            var state: State
            var latestRecorded: Timestamp?
            var segmentEarliest: Timestamp?
        }

        struct Supply: Sendable {
            var site: String
            var source: String
            var elements: [String]
        }

        public init(model: PlantModel, markEvery: Int = 5_000) {
            var reasons: [String: ReasonCode] = [:]
            for r in model.reasons where reasons[r.code] == nil { reasons[r.code] = r }
            self.reasons = reasons
            self.markEvery = max(1, markEvery)
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

        func apply(_ row: LedgerEntry, to state: inout State) {
            guard row.entry.kind == .event else { return }
            state.events += 1
            guard let event = Self.decode(row.entry.body) else { return }
            if case .correction(let c) = event.payload {
                state.corrections.updateValue(c.replacement.flatMap(supply), forKey: c.corrects)
            } else if let s = supply(event) {
                Self.count(s, 1, into: &state.counts)
            }
        }

        /// Reads the entries after ``after``. With `asOf`, only the event entries recorded at or before it count
        /// (and no mark is kept: the tally then answers for that time only). A correction always comes after its
        /// target, so the target is counted when the correction is read.
        public mutating func advance(in store: any LedgerStore, asOf: Timestamp? = nil, pageSize: Int = 20_000) async throws {
            while true {
                let page = try await store.entries(afterSeq: after, limit: pageSize)
                guard let last = page.last else { break }
                for row in page {
                    after = row.seq
                    if let asOf {
                        if row.recordedAt <= asOf { apply(row, to: &state) }
                        continue
                    }
                    apply(row, to: &state)
                    latestRecorded = max(latestRecorded ?? row.recordedAt, row.recordedAt)
                    segmentEarliest = min(segmentEarliest ?? row.recordedAt, row.recordedAt)
                    sinceMark += 1
                    if sinceMark >= markEvery {
                        marks.append(
                            Mark(after: row.seq, state: state, latestRecorded: latestRecorded, segmentEarliest: segmentEarliest))
                        sinceMark = 0
                        segmentEarliest = nil
                    }
                }
                after = last.seq
                if page.count < pageSize { break }
            }
        }

        /// What the entries read so far show: corrected originals taken back out, their latest replacements put in.
        public func observed(in store: any LedgerStore) async throws -> Observed {
            try await Self.observed(state, reasons: self, in: store)
        }

        /// What the entries read so far that were recorded at or before `asOf` show (the tally must have read them
        /// without `asOf`): from the latest mark whose entries were all recorded by then, reading again only the
        /// later segments that hold an entry recorded by then.
        public func observed(asOf: Timestamp, in store: any LedgerStore) async throws -> Observed {
            var base = State()
            var from: Int64 = 0
            var first = 0
            if let i = marks.lastIndex(where: { m in m.latestRecorded.map { $0 <= asOf } ?? true }) {
                base = marks[i].state
                from = marks[i].after
                first = i + 1
            }
            // Segments after the base: (mark k-1, mark k], then the one still open.
            var segments: [(after: Int64, through: Int64, earliest: Timestamp?)] = []
            var previous = from
            for m in marks[first...] {
                segments.append((previous, m.after, m.segmentEarliest))
                previous = m.after
            }
            if previous < after { segments.append((previous, after, segmentEarliest)) }
            for segment in segments {
                guard let earliest = segment.earliest, earliest <= asOf else { continue }
                var position = segment.after
                while position < segment.through {
                    let page = try await store.entries(
                        afterSeq: position, limit: Int(min(20_000, segment.through - position)))
                    guard let last = page.last else { break }
                    for row in page where row.seq <= segment.through && row.recordedAt <= asOf { apply(row, to: &base) }
                    position = last.seq
                }
            }
            return try await Self.observed(base, reasons: self, in: store)
        }

        static func observed(_ state: State, reasons tally: Tally, in store: any LedgerStore) async throws -> Observed {
            var counts = state.counts
            let ids = state.corrections.keys.map(\.rawValue)
            let originals = ids.isEmpty ? [:] : try await store.bodies(ids: ids)
            for (id, replacement) in state.corrections {
                if let body = originals[id.rawValue], let original = decode(body), let s = tally.supply(original) {
                    count(s, -1, into: &counts)
                }
                if let replacement { count(replacement, 1, into: &counts) }
            }
            var result = Observed(events: state.events)
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
