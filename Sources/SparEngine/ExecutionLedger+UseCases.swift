import SparCore
import SparStorage

/// The unsigned execution use cases: each is one fact, validated by the fold before it is appended. (Signed ones
/// — completing a step, a hold point, a disposition, a closure, a correction, a substitution — re-authenticate the
/// signer first and live with the signatures in `SparGovernance`.)
extension ExecutionLedger {
    /// Releases a traveler for a work order and a serial or lot, bound to the routing revision in force at `time`.
    @discardableResult
    public func releaseTraveler(
        _ traveler: String, workOrder: String, partNumber: String, item: TravelerItem, by principal: Principal,
        at time: Timestamp? = nil
    ) async throws -> ExecutionReceipt {
        try await record(
            .travelerReleased(
                TravelerReleased(traveler: traveler, workOrder: workOrder, partNumber: partNumber, item: item)),
            by: principal, at: time)
    }

    /// Starts a step (in sequence, past signed hold points, with the qualifications and tools it needs).
    @discardableResult
    public func startStep(
        traveler: String, step: StepRef, qualifications: [String] = [], tools: [String] = [], by principal: Principal,
        at time: Timestamp? = nil
    ) async throws -> ExecutionReceipt {
        try await record(
            .stepStarted(StepStarted(traveler: traveler, step: step, qualifications: qualifications, tools: tools)),
            by: principal, at: time)
    }

    /// Records a data value of a started step; a value outside its limits opens an NCR (see the receipt's
    /// consequences) instead of being accepted silently.
    @discardableResult
    public func recordValue(
        traveler: String, step: StepRef, item: String, value: DataValue, by principal: Principal,
        at time: Timestamp? = nil
    ) async throws -> ExecutionReceipt {
        try await record(
            .dataRecorded(DataRecorded(traveler: traveler, step: step, item: item, value: value)), by: principal,
            at: time)
    }

    /// Opens an NCR on its own (containment: the serial or lot and its traveler are held until the disposition), by
    /// someone who records shop-floor facts (an operator, a supervisor) or corrects them (quality).
    @discardableResult
    public func openNCR(_ ncr: NCROpened, by principal: Principal, at time: Timestamp? = nil) async throws
        -> ExecutionReceipt
    {
        let permission: Permission = principal.may(.ingest) ? .ingest : .correct
        return try await record(.ncrOpened(ncr), by: principal, permission: permission, at: time)
    }

    /// Records a material lot consumed into a traveler's serial or lot.
    @discardableResult
    public func consume(_ f: MaterialConsumed, by principal: Principal, at time: Timestamp? = nil) async throws
        -> ExecutionReceipt
    {
        try await record(.materialConsumed(f), by: principal, at: time)
    }

    /// Records a lot split into new lots.
    @discardableResult
    public func split(_ f: LotSplit, by principal: Principal, at time: Timestamp? = nil) async throws
        -> ExecutionReceipt
    {
        try await record(.lotSplit(f), by: principal, at: time)
    }

    /// Records lots merged into a new lot.
    @discardableResult
    public func merge(_ f: LotsMerged, by principal: Principal, at time: Timestamp? = nil) async throws
        -> ExecutionReceipt
    {
        try await record(.lotsMerged(f), by: principal, at: time)
    }

    /// Records a serial assembled into a parent serial.
    @discardableResult
    public func assemble(_ f: SerialAssembled, by principal: Principal, at time: Timestamp? = nil) async throws
        -> ExecutionReceipt
    {
        try await record(.serialAssembled(f), by: principal, at: time)
    }

    // MARK: Reading

    /// Every serial and lot in work, by traveler id.
    public func wip() async throws -> [WIPEntry] { try await current().wip }

    /// Which serials and lots contain `node`.
    public func traceForward(_ node: GenealogyNode) async throws -> ForwardTrace {
        try await current().traceForward(node)
    }

    /// Everything behind `node`.
    public func traceBackward(_ node: GenealogyNode) async throws -> BackwardTrace {
        try await current().traceBackward(node)
    }

    /// The as-built record of a serial: its traveler, the backward trace and the NCRs behind it.
    public func asBuilt(serial: String) async throws -> ExecutionAsBuilt? {
        Self.asBuilt(serial: serial, in: try await current())
    }

    /// The as-built record of a serial in `state`.
    public static func asBuilt(serial: String, in state: ExecutionState) -> ExecutionAsBuilt? {
        guard let t = state.traveler(of: .serial(serial)) else { return nil }
        let trace = state.traceBackward(.serial(serial))
        return ExecutionAsBuilt(
            traveler: t, routing: state.routing(t.routing), trace: trace,
            travelers: trace.travelers.compactMap { state.travelers[$0] }, ncrs: trace.ncrs.compactMap { state.ncrs[$0] })
    }
}

/// The as-built record of one serial.
public struct ExecutionAsBuilt: Sendable, Hashable {
    public var traveler: TravelerRecord
    public var routing: Routing?
    public var trace: BackwardTrace
    /// The serial's traveler and those of everything behind it, in trace order.
    public var travelers: [TravelerRecord]
    public var ncrs: [NCRRecord]
}
