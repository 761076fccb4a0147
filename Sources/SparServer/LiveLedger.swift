import Foundation
import SparConnectors
import Synchronization
import SparCore
import SparEngine
import SparInterchange
import SparStorage

/// Lines of a batch by outcome (for one site, or for lines that name no known site).
struct LineCounts: Sendable, Hashable {
    var lines = 0
    var accepted = 0
    var duplicates = 0
    var rejected = 0

    mutating func add(_ o: LineCounts) {
        lines += o.lines
        accepted += o.accepted
        duplicates += o.duplicates
        rejected += o.rejected
    }

    mutating func count(_ status: LineOutcome.Status) {
        lines += 1
        switch status {
        case .accepted: accepted += 1
        case .duplicate: duplicates += 1
        case .rejected: rejected += 1
        }
    }
}

/// The site of a work-unit path or scope, when it names one of the model's sites.
func siteID(of unit: EquipmentPath, in model: PlantModel) -> String? {
    guard unit.depth >= 2, unit.components[0] == model.enterprise else { return nil }
    let site = unit.components[1]
    return model.sites.contains { $0.id == site } ? site : nil
}

/// One line of a posted batch and what became of it.
struct LineOutcome: Sendable, Hashable {
    enum Status: String, Sendable { case accepted, duplicate, rejected }
    var line: Int
    var id: String?
    var status: Status
    var reason: String?
    var field: String?
}

/// What one `POST /api/events` did.
struct BatchOutcome: Sendable {
    var batch: Int
    var lines: [LineOutcome]
    var accepted: Int
    var duplicates: Int
    var rejected: Int
}

/// A posted batch, for the ingest page.
struct BatchRecord: Sendable {
    var batch: Int
    var receivedAt: Timestamp
    var contentType: String
    var lines: Int
    var accepted: Int
    var duplicates: Int
    var rejected: Int
    var milliseconds: Double
    /// The lines by the site of their event's unit; lines that name no known site (undecodable, unknown unit).
    var bySite: [String: LineCounts] = [:]
    var unattributed = LineCounts()

    /// The batch as a reader of `sites` may see it: only the lines of those sites; nil when it has none.
    func scoped(to sites: Set<String>) -> BatchRecord? {
        var c = LineCounts()
        for (site, counts) in bySite where sites.contains(site) { c.add(counts) }
        guard c.lines > 0 else { return nil }
        var r = self
        r.lines = c.lines
        r.accepted = c.accepted
        r.duplicates = c.duplicates
        r.rejected = c.rejected
        r.bySite = bySite.filter { sites.contains($0.key) }
        r.unattributed = LineCounts()
        return r
    }
}

/// A rejected line of a posted batch, for the ingest page.
struct RejectionRecord: Sendable {
    var batch: Int
    var receivedAt: Timestamp
    var line: LineOutcome
    /// The site the line's unit names (nil: none known, visible only to readers of every site).
    var site: String? = nil
}

/// How much a source system has sent and when its latest event happened (event time).
struct SourceActivity: Sendable {
    var events = 0
    var lastEventTime: Timestamp?
}

/// Sent to stream subscribers after every posted batch.
///
/// `batch` counts the batches of one stream: the server's own batch number (and its projection generation) count
/// every site's batches, so a stream renumbers what it sends (``APIController/stream(_:context:)``) and carries no
/// generation, and a reader of some sites learns nothing of the others' traffic.
struct LiveUpdate: Sendable {
    var batch: Int
    var accepted: Int
    var duplicates: Int
    var rejected: Int
    var latestEventTime: Timestamp?
    var units: [String]
    /// The lines by site (for readers of some sites only), the latest event time per site.
    var bySite: [String: LineCounts] = [:]
    var latestBySite: [String: Timestamp] = [:]

    /// The update as a reader of `scope` may see it; nil when the batch touched none of its sites.
    func scoped(to scope: SiteScope, model: PlantModel) -> LiveUpdate? {
        guard case .sites(let sites) = scope else { return self }
        var c = LineCounts()
        for (site, counts) in bySite where sites.contains(site) { c.add(counts) }
        guard c.lines > 0 else { return nil }
        var u = self
        u.accepted = c.accepted
        u.duplicates = c.duplicates
        u.rejected = c.rejected
        u.units = units.filter { siteID(of: EquipmentPath($0), in: model).map(sites.contains) ?? false }
        u.latestEventTime = latestBySite.filter { sites.contains($0.key) }.values.max()
        u.bySite = bySite.filter { sites.contains($0.key) }
        u.latestBySite = latestBySite.filter { sites.contains($0.key) }
        return u
    }

    var json: JSONValue {
        .object([
            "batch": .number(Double(batch)),
            "accepted": .number(Double(accepted)), "duplicates": .number(Double(duplicates)),
            "rejected": .number(Double(rejected)),
            "latestEventTime": latestEventTime.map { .string($0.rfc3339) } ?? .null,
            "units": .array(units.map(JSONValue.string)),
        ])
    }
}

/// A consistent view of the live ledger for one request.
struct LiveSnapshot: Sendable {
    /// The persisted KPI projection, as `spar kpi --db` reads it: the API and the pages answer from it, so their
    /// numbers are the CLI's to the digit.
    var kpi: ProjectedKPI
    var generation: Int
    var eventCount: Int
    var latestEventTime: Timestamp?
    var earliestEventTime: Timestamp?
    var sources: [String: SourceActivity]
    var batches: [BatchRecord]
    var rejections: [RejectionRecord]
    var blueprintVersion: String?
    var lastRebuildMilliseconds: Double
    var startedAt: Timestamp
    /// Event counts, sources and event-time range per site.
    var siteActivity: [String: LiveLedger.Activity] = [:]
    /// Which KPI definition version answers each scope.
    var definitions = KPIDefinitionPolicy(inForce: KPICatalogue.defaultVersion)

    /// The snapshot as a reader of `scope` sees it: counts, sources, event times, batches and rejections of its
    /// sites only (the KPI engine stays whole; callers authorize the scopes they query).
    func scoped(to scope: SiteScope) -> LiveSnapshot {
        guard case .sites(let sites) = scope else { return self }
        var merged = LiveLedger.Activity()
        for site in sites { if let a = siteActivity[site] { merged.merge(a) } }
        var s = self
        s.eventCount = merged.events
        s.latestEventTime = merged.latest
        s.earliestEventTime = merged.earliest
        s.sources = merged.sources
        s.batches = batches.compactMap { $0.scoped(to: sites) }
        s.rejections = rejections.filter { $0.site.map(sites.contains) ?? false }
        s.siteActivity = siteActivity.filter { sites.contains($0.key) }
        return s
    }
}

/// The server's in-process state: the ledger, its persisted KPI projection, and what was posted since the server
/// started. It holds no per-event state.
///
/// Posting appends to the ledger through ``IngestEvents``, which updates the projection (records, the buckets an
/// event can change, per-source activity) in the same transaction; reads go to the projection, so an append by
/// another process is seen as well. The sources and event counts shown are read again when the ledger has grown.
actor LiveLedger {
    nonisolated let store: any KPIProjectionStore & CredentialStore
    /// The plant model in force now and its version; replaced when a newer version takes effect.
    nonisolated private let definitions: Mutex<(model: PlantModel, version: String)>
    nonisolated var model: PlantModel { definitions.withLock { $0.model } }
    nonisolated var modelVersion: String { definitions.withLock { $0.version } }
    nonisolated let metrics: ServerMetrics
    nonisolated let startedAt: Timestamp
    nonisolated let now: @Sendable () -> Timestamp
    nonisolated let recordedBy: String
    /// The health of the machine connectors running in this server.
    nonisolated let connectors: ConnectorHealthBoard
    /// The execution record (travelers, NCRs, genealogy), read incrementally from the ledger's execution entries.
    nonisolated let execution: ExecutionLedger
    private let maxFutureSkew: Int64

    /// The reader over the projection, for the plant model served.
    private var reader: ProjectedKPI
    private var eventTotal = 0
    /// The ledger's size when ``sources`` and the activity were last read.
    private var activitySize: Int64 = -1
    /// The latest activity refresh, which the next one waits for.
    private var refreshing: Task<Void, any Error>?
    private var generation = 0
    private var batchCounter = 0
    private var latestEventTime: Timestamp?
    private var earliestEventTime: Timestamp?
    private var sources: [String: SourceActivity] = [:]
    private var siteActivity: [String: Activity] = [:]
    /// The activity rows last read, by unit and source: what an append's rows are compared with.
    private var unitActivity: [String: [String: UnitSourceActivity]] = [:]
    private var batches: [BatchRecord] = []
    private var rejections: [RejectionRecord] = []
    private var blueprintVersion: String?
    private var blueprintCache: BlueprintCache?
    /// Element sources as of past server times (``blueprintAnalysis(asOf:hintSites:)``).
    private var pastObserved: [Timestamp: LedgerElementSources.Observed] = [:]
    /// Which sources supplied which elements at each site, over the entries read so far (for the blueprint analysis).
    private var elementTally: LedgerElementSources.Tally?
    private var lastRebuildMilliseconds = 0.0
    /// Ledger entry counts of plant model and blueprint versions at the last check, and the next time a recorded
    /// version takes effect: ``refreshDefinitions()`` reloads when either changes or that time has come.
    private var definitionEntries = (plantModel: -1, blueprint: -1, kpiDefinition: -1)
    /// Which KPI definition answers a query: the ledger's version in force now and the blueprint's site pins.
    private var definitionPolicy = KPIDefinitionPolicy(inForce: KPICatalogue.defaultVersion)
    private var nextEffective: Timestamp?
    private var subscribers: [Int: AsyncStream<LiveUpdate>.Continuation] = [:]
    private var subscriberCounter = 0

    static let keptBatches = 50
    static let keptRejections = 200

    init(
        store: any KPIProjectionStore & CredentialStore, model: PlantModel, modelVersion: String, blueprintVersion: String?,
        configuration: ServerConfiguration, metrics: ServerMetrics
    ) {
        self.store = store
        definitions = Mutex((model, modelVersion))
        self.metrics = metrics
        reader = ProjectedKPI(store: store, model: model, plantModelVersion: modelVersion, cache: ElementsCache())
        self.blueprintVersion = blueprintVersion
        now = configuration.now
        startedAt = configuration.now()
        recordedBy = configuration.recordedBy
        connectors = configuration.connectorBoard
        execution = ExecutionLedger(store: store, clock: configuration.now)
        maxFutureSkew = configuration.maxFutureSkew
    }

    /// Per-source counts, the number of events and the range of event times.
    struct Activity: Sendable {
        var sources: [String: SourceActivity] = [:]
        var latest: Timestamp?
        var earliest: Timestamp?
        var events = 0

        mutating func note(_ a: UnitSourceActivity) {
            events += a.events
            sources[a.source, default: SourceActivity()].events += a.events
            if sources[a.source]?.lastEventTime.map({ a.latest > $0 }) ?? true { sources[a.source]?.lastEventTime = a.latest }
            if latest.map({ a.latest > $0 }) ?? true { latest = a.latest }
            if earliest.map({ a.earliest < $0 }) ?? true { earliest = a.earliest }
        }

        mutating func merge(_ o: Activity) {
            events += o.events
            for (id, a) in o.sources {
                sources[id, default: SourceActivity()].events += a.events
                if let t = a.lastEventTime, sources[id]?.lastEventTime.map({ t > $0 }) ?? true {
                    sources[id]?.lastEventTime = t
                }
            }
            if let t = o.latest, latest.map({ t > $0 }) ?? true { latest = t }
            if let t = o.earliest, earliest.map({ t < $0 }) ?? true { earliest = t }
        }
    }

    /// Brings the projection to the ledger's head (appends by another process, or entries written without their
    /// projection change) and reads the per-source activity again when the ledger has grown. After an append of
    /// `appended` event entries on `units` that is the only growth since the last read, only those units' rows are
    /// read and their difference added (the rows only grow); anything else reads every row.
    ///
    /// Refreshes run one after another: the actor is reentrant at each store read, and two interleaved refreshes (a
    /// POST's and another node's NOTIFY) would otherwise leave the older one's size and totals in place.
    func refreshActivity(appended: (entries: Int, units: Set<String>)? = nil) async throws {
        let previous = refreshing
        let task = Task {
            _ = await previous?.result
            try await self.refreshActivityNow(appended: appended)
        }
        refreshing = task
        try await task.value
    }

    private func refreshActivityNow(appended: (entries: Int, units: Set<String>)?) async throws {
        let size = try await store.ledgerSize()
        guard size != activitySize else { return }
        let started = ContinuousClock.now
        if try await store.projectionHead() < size {
            _ = try await LedgerProjection.catchUp(store: store)
            let elapsed = ContinuousClock.now - started
            metrics.rebuild.recordNanoseconds(elapsed.nanoseconds)
            lastRebuildMilliseconds = elapsed.milliseconds
        }
        let plant = model
        var all = Activity()
        var bySite: [String: Activity] = [:]
        if let appended, activitySize >= 0, size == activitySize + Int64(appended.entries) {
            all.sources = sources
            all.latest = latestEventTime
            all.earliest = earliestEventTime
            all.events = eventTotal
            bySite = siteActivity
            for r in try await store.activity(units: appended.units) {
                let before = unitActivity[r.unit]?[r.source]?.events ?? 0
                unitActivity[r.unit, default: [:]][r.source] = r
                var delta = r
                delta.events -= before
                all.note(delta)
                if let site = siteID(of: EquipmentPath(r.unit), in: plant) { bySite[site, default: Activity()].note(delta) }
            }
        } else {
            unitActivity = [:]
            for r in try await store.activity() {
                unitActivity[r.unit, default: [:]][r.source] = r
                all.note(r)
                if let site = siteID(of: EquipmentPath(r.unit), in: plant) { bySite[site, default: Activity()].note(r) }
            }
        }
        sources = all.sources
        latestEventTime = all.latest
        earliestEventTime = all.earliest
        eventTotal = all.events
        siteActivity = bySite
        if activitySize >= 0 { generation += 1 }
        activitySize = size
    }

    /// Follows change control: when a plant model or blueprint version recorded in the ledger (by an approved change
    /// request, possibly by another process) is in force now and differs from the one served, serve it instead and
    /// rebuild the projection. Cheap when nothing changed: two counts, or none before the next effective time.
    func refreshDefinitions() async {
        let now = now()
        do {
            let counts = (
                plantModel: try await store.count(kind: .plantModel), blueprint: try await store.count(kind: .blueprint),
                kpiDefinition: try await store.count(kind: .kpiDefinition)
            )
            let due = nextEffective.map { now >= $0 } ?? false
            guard counts != definitionEntries || due else { return }
            definitionEntries = counts
            let versions = try await LedgerPlantModel.versions(in: store)
            let blueprints = try await LedgerBlueprint.history(in: store)
            let kpiDefinitions = try await LedgerKPIDefinition.history(in: store)
            nextEffective = (versions.map(\.entry.ts) + blueprints.map(\.effectiveAt) + kpiDefinitions.map(\.effectiveAt))
                .filter { $0 > now }.min()
            let canonical = kpiDefinitions.last { $0.effectiveAt <= now }?.definition ?? LedgerKPIDefinition.unrecorded
            definitionPolicy = KPIDefinitionPolicy(inForce: canonical).pinning(blueprints.last { $0.effectiveAt <= now }?.blueprint)
            if let (m, v) = try await LedgerPlantModel.inForce(in: store, at: now), v != modelVersion {
                definitions.withLock { $0 = (m, v) }
                reader = ProjectedKPI(store: store, model: m, plantModelVersion: v, cache: ElementsCache())
                elementTally = nil
                generation += 1
                activitySize = -1
            }
            let blueprint = try await LedgerBlueprint.asOf(now, in: store)?.version
            if blueprint != blueprintVersion {
                blueprintVersion = blueprint
                blueprintCache = nil
            }
        } catch {
            // Keep serving the current versions; the next request tries again.
            definitionEntries = (-1, -1, -1)
        }
    }

    func snapshot() async -> LiveSnapshot {
        await refreshDefinitions()
        do {
            try await refreshActivity()
        } catch {
            // Serve what was read last; the next request tries again.
            activitySize = -1
        }
        return LiveSnapshot(
            kpi: reader, generation: generation, eventCount: eventTotal, latestEventTime: latestEventTime,
            earliestEventTime: earliestEventTime, sources: sources, batches: batches, rejections: rejections,
            blueprintVersion: blueprintVersion, lastRebuildMilliseconds: lastRebuildMilliseconds, startedAt: startedAt,
            siteActivity: siteActivity, definitions: definitionPolicy)
    }

    /// Ingests decoded lines (decoding failures already rejected) for `principal` (nil: a ledger without users,
    /// recorded as the configured `recordedBy`) and reports every line. ``IngestEvents`` rejects the events outside
    /// the principal's sites and permissions, line by line.
    /// Records a file import in the ledger, as the principal who posted it.
    func recordImport(_ summary: LedgerImportRecord.Summary, principal: Principal?) async throws {
        try await LedgerImportRecord.record(
            summary, enterprise: model.enterprise, in: store, recordedAt: now(),
            recordedBy: principal?.recordedBy ?? recordedBy)
    }

    func post(
        _ decoded: [(line: Int, result: Result<Event, EventRejection>)], contentType: String, principal: Principal?
    ) async throws -> BatchOutcome {
        await refreshDefinitions()
        let started = ContinuousClock.now
        batchCounter += 1
        let batch = batchCounter
        var outcomes: [LineOutcome] = []
        var valid: [(line: Int?, event: Event)] = []
        var byLine: [Int: Event] = [:]
        for (line, result) in decoded {
            switch result {
            case .success(let e):
                byLine[line] = e
                valid.append((line, e))
            case .failure(let r):
                outcomes.append(LineOutcome(line: line, id: r.id, status: .rejected, reason: r.reason, field: r.field))
            }
        }
        let ingest = IngestEvents(
            model: model, store: store, recordedBy: recordedBy, principal: principal, maxFutureSkew: maxFutureSkew,
            now: now)
        let report = valid.isEmpty ? IngestReport() : try await ingest.ingest(events: valid)
        for r in report.rejections {
            outcomes.append(LineOutcome(line: r.line ?? 0, id: r.id, status: .rejected, reason: r.reason, field: r.field))
        }
        var units = Set<String>()
        for a in report.acknowledged {
            outcomes.append(LineOutcome(line: a.line, id: a.id, status: a.duplicate ? .duplicate : .accepted))
            if !a.duplicate, let e = byLine[a.line] {
                units.insert(e.unit.description)
                if case .correction(let c) = e.payload, let r = c.replacement { units.insert(r.unit.description) }
            }
        }
        outcomes.sort { $0.line < $1.line }
        let rejected = outcomes.count { $0.status == .rejected }
        var bySite: [String: LineCounts] = [:]
        var unattributed = LineCounts()
        var lineSites: [Int: String] = [:]
        for o in outcomes {
            if let e = byLine[o.line], let site = siteID(of: e.unit, in: model) {
                bySite[site, default: LineCounts()].count(o.status)
                lineSites[o.line] = site
            } else {
                unattributed.count(o.status)
            }
        }
        if report.accepted > 0 { try? await refreshActivity(appended: (report.accepted, units)) }
        metrics.batches.increment()
        metrics.accepted.increment(by: report.accepted)
        metrics.duplicates.increment(by: report.duplicates)
        metrics.rejected.increment(by: rejected)
        let receivedAt = now()
        let elapsed = ContinuousClock.now - started
        batches.append(
            BatchRecord(
                batch: batch, receivedAt: receivedAt, contentType: contentType, lines: outcomes.count,
                accepted: report.accepted, duplicates: report.duplicates, rejected: rejected,
                milliseconds: elapsed.milliseconds, bySite: bySite, unattributed: unattributed))
        if batches.count > Self.keptBatches { batches.removeFirst(batches.count - Self.keptBatches) }
        for o in outcomes where o.status == .rejected {
            rejections.append(RejectionRecord(batch: batch, receivedAt: receivedAt, line: o, site: lineSites[o.line]))
        }
        if rejections.count > Self.keptRejections { rejections.removeFirst(rejections.count - Self.keptRejections) }
        publish(
            LiveUpdate(
                batch: batch, accepted: report.accepted, duplicates: report.duplicates,
                rejected: rejected, latestEventTime: latestEventTime, units: units.sorted(), bySite: bySite,
                latestBySite: siteActivity.compactMapValues(\.latest)))
        return BatchOutcome(
            batch: batch, lines: outcomes, accepted: report.accepted, duplicates: report.duplicates, rejected: rejected)
    }

    /// What the blueprint analysis is built from, read once per generation: the latest recorded blueprint, the
    /// sources the ledger's events show, and the analysis for readers of every site.
    struct BlueprintCache: Sendable {
        var generation: Int
        var blueprint: Blueprint
        var observed: LedgerElementSources.Observed
        var all: BlueprintAnalysis
    }

    /// The blueprint analysis of the latest recorded blueprint against the ledger, cached until events change;
    /// nil when the ledger holds no blueprint. With `hintSites` its recommendations name no other site than those
    /// (``Blueprint/analyze(plant:observed:hintSites:)``); the caller still filters the sites and gaps it shows.
    func blueprintAnalysis(hintSites: Set<String>? = nil) async throws -> BlueprintAnalysis? {
        let cache: BlueprintCache
        if let cached = blueprintCache, cached.generation == generation {
            cache = cached
        } else {
            let atGeneration = generation
            guard let latest = try await LedgerBlueprint.latest(in: store) else { return nil }
            blueprintVersion = latest.version
            let plant = model
            // Each entry is read once: the tally advances over the entries appended since the last analysis.
            var tally = elementTally ?? LedgerElementSources.Tally(model: plant)
            try await tally.advance(in: store)
            elementTally = tally
            let observed = try await tally.observed(in: store)
            cache = BlueprintCache(
                generation: atGeneration, blueprint: latest.blueprint, observed: observed,
                all: Self.analysis(
                    latest.blueprint, plant: plant, observed: observed, hintSites: nil, definition: definitionPolicy.inForce))
            blueprintCache = cache
        }
        guard let hintSites else { return cache.all }
        return Self.analysis(
            cache.blueprint, plant: model, observed: cache.observed, hintSites: hintSites,
            definition: definitionPolicy.inForce)
    }

    /// The blueprint analysis as of server time `asOf`: the blueprint version in force then, against the sources of
    /// the events recorded by then and the KPI definition in force then (the current plant model). Nil when no
    /// blueprint was in force. The sources come from the server's tally (its mark before `asOf` and the entries
    /// recorded by then after it) and are kept per past `asOf` (entries recorded later cannot change them).
    func blueprintAnalysis(asOf: Timestamp, hintSites: Set<String>? = nil) async throws -> (BlueprintAnalysis, BlueprintVersion)? {
        guard let version = try await LedgerBlueprint.asOf(asOf, in: store) else { return nil }
        let observed: LedgerElementSources.Observed
        if let kept = pastObserved[asOf] {
            observed = kept
        } else {
            var tally = elementTally ?? LedgerElementSources.Tally(model: model)
            try await tally.advance(in: store)
            elementTally = tally
            observed = try await tally.observed(asOf: asOf, in: store)
            if asOf < .now {
                if pastObserved.count >= 16 { pastObserved.removeAll() }
                pastObserved[asOf] = observed
            }
        }
        let definition = try await LedgerKPIDefinition.inForce(in: store, at: asOf, knownAt: asOf)
        return (
            Self.analysis(version.blueprint, plant: model, observed: observed, hintSites: hintSites, definition: definition),
            version
        )
    }

    /// The analysis as ``AnalyzeBlueprint`` reports it (versions and the number of events read filled in).
    static func analysis(
        _ blueprint: Blueprint, plant: PlantModel, observed: LedgerElementSources.Observed, hintSites: Set<String>?,
        definition: String
    ) -> BlueprintAnalysis {
        var analysis = blueprint.analyze(
            plant: plant, observed: observed.suppliers, hintSites: hintSites,
            definition: KPICatalogue.version(definition) ?? KPICatalogue.latest)
        analysis.blueprintVersion = BlueprintFile.fingerprint(blueprint)
        analysis.plantModelVersion = PlantModelFile.fingerprint(plant)
        analysis.observedEvents = observed.events
        return analysis
    }

    // MARK: live updates

    /// A stream of updates, one after every posted batch, until the subscriber stops reading.
    /// After entries appended outside ``post(_:contentType:principal:)`` — by the execution use cases, or by another
    /// node on the same database (PostgreSQL NOTIFY) — reads the activity again and tells subscribers which units
    /// gained events. Nothing is published when the ledger has not grown since the last read.
    func ledgerGrew() async {
        let previous = refreshing
        let task = Task { () async throws in
            _ = await previous?.result
            await self.ledgerGrewNow()
        }
        refreshing = task
        _ = await task.result
    }

    private func ledgerGrewNow() async {
        let before = unitActivity
        let sizeBefore = activitySize
        guard (try? await refreshActivityNow(appended: nil)) != nil, activitySize != sizeBefore else { return }
        var units: [String] = []
        var bySite: [String: LineCounts] = [:]
        var accepted = 0
        for (unit, sources) in unitActivity {
            let delta = sources.values.reduce(0) { $0 + $1.events } - (before[unit]?.values.reduce(0) { $0 + $1.events } ?? 0)
            guard delta > 0 else { continue }
            units.append(unit)
            accepted += delta
            if let site = siteID(of: EquipmentPath(unit), in: model) {
                bySite[site, default: LineCounts()].lines += delta
                bySite[site, default: LineCounts()].accepted += delta
            }
        }
        guard accepted > 0 else { return }
        publish(
            LiveUpdate(
                batch: batches.last?.batch ?? 0, accepted: accepted, duplicates: 0, rejected: 0,
                latestEventTime: latestEventTime, units: units.sorted(), bySite: bySite,
                latestBySite: siteActivity.compactMapValues(\.latest)))
    }

    func subscribe() -> (AsyncStream<LiveUpdate>, AsyncStream<LiveUpdate>.Continuation) {
        let (stream, continuation) = AsyncStream.makeStream(of: LiveUpdate.self, bufferingPolicy: .bufferingNewest(32))
        subscriberCounter += 1
        subscribers[subscriberCounter] = continuation
        metrics.subscribers.record(subscribers.count)
        return (stream, continuation)
    }

    private func publish(_ update: LiveUpdate) {
        for (id, c) in subscribers {
            if case .terminated = c.yield(update) { subscribers[id] = nil }
        }
        metrics.subscribers.record(subscribers.count)
    }
}

extension Duration {
    var milliseconds: Double {
        let (s, atto) = components
        return Double(s) * 1000 + Double(atto) / 1e15
    }

    var nanoseconds: Int64 {
        let (s, atto) = components
        return s * 1_000_000_000 + atto / 1_000_000_000
    }
}
