extension Routing {
    /// Every problem in the routing, each located (`operations[20].steps[30].dataItems[bore].upperLimit`); empty when
    /// it is valid. Nothing stops at the first problem.
    public func validationProblems() -> [ModelProblem] {
        var problems: [ModelProblem] = []
        if partNumber.isEmpty { problems.append(.init("partNumber", "must not be empty")) }
        if revision.isEmpty { problems.append(.init("revision", "must not be empty")) }
        if operations.isEmpty { problems.append(.init("operations", "a routing needs at least one operation")) }
        var seen = Set<Int>()
        for op in operations where !seen.insert(op.sequence).inserted {
            problems.append(.init("operations", "duplicate operation \(op.sequence)"))
        }
        for (a, b) in zip(operations, operations.dropFirst()) where a.sequence > b.sequence {
            problems.append(
                .init(
                    "operations[\(b.sequence)]",
                    "operation \(b.sequence) comes after \(a.sequence): list operations in ascending order"))
        }
        for op in operations { problems += Self.operationProblems(op, location: "operations[\(op.sequence)]") }
        return problems
    }

    /// Throws ``InvalidRouting`` listing every problem, or returns normally when valid.
    public func validate() throws(InvalidRouting) {
        let problems = validationProblems()
        if !problems.isEmpty { throw InvalidRouting(routing: id, problems: problems) }
    }

    /// Every problem of one operation (also used for operations a disposition adds).
    static func operationProblems(_ op: RoutingOperation, location l: String) -> [ModelProblem] {
        var problems: [ModelProblem] = []
        func add(_ location: String, _ message: String) { problems.append(.init(location, message)) }
        if op.sequence <= 0 { add(l + ".sequence", "must be a positive number, not \(op.sequence)") }
        if op.workCenter.components.allSatisfy(\.isEmpty) { add(l + ".workCenter", "must name a work center or unit") }
        if op.steps.isEmpty { add(l + ".steps", "an operation needs at least one step") }
        if let p = op.outsideProcessor, p.trimmingCharacters(in: .whitespaces).isEmpty {
            add(l + ".outsideProcessor", "must name the supplier, or be left out")
        }
        for (name, v) in [("runTimePerUnit", op.runTimePerUnit), ("setupTime", op.setupTime)] {
            if let v, !(v > 0 && v.isFinite) { add("\(l).\(name)", "must be a positive number of seconds, not \(v)") }
        }
        var seen = Set<Int>()
        for s in op.steps where !seen.insert(s.sequence).inserted { add(l + ".steps", "duplicate step \(s.sequence)") }
        for (a, b) in zip(op.steps, op.steps.dropFirst()) where a.sequence > b.sequence {
            add(
                "\(l).steps[\(b.sequence)]",
                "step \(b.sequence) comes after \(a.sequence): list steps in ascending order")
        }
        for s in op.steps {
            let sl = "\(l).steps[\(s.sequence)]"
            if s.sequence <= 0 { add(sl + ".sequence", "must be a positive number, not \(s.sequence)") }
            if s.instruction.isEmpty { add(sl + ".instruction", "must not be empty") }
            if let d = s.document {
                if d.id.isEmpty { add(sl + ".document.id", "must not be empty") }
                if d.revision.isEmpty {
                    add(sl + ".document.revision", "must not be empty (a step follows one revision)")
                }
            }
            if !s.signOffRoles.isEmpty && s.holdPoint == nil {
                add(sl + ".signOffRoles", "sign-off roles need a hold point")
            }
            for c in s.signOffRoles where c == .role(.operator) || c == .role(.auditor) {
                add(sl + ".signOffRoles", "\(c) cannot sign a hold point")
            }
            for q in s.requiredQualifications where q.isEmpty {
                add(sl + ".requiredQualifications", "empty qualification")
            }
            for t in s.requiredTools where t.isEmpty { add(sl + ".requiredTools", "empty tool") }
            var ids = Set<String>()
            for item in s.dataItems {
                let il = "\(sl).dataItems[\(item.id)]"
                if item.id.isEmpty { add(il + ".id", "must not be empty") }
                if !ids.insert(item.id).inserted { add(sl + ".dataItems", "duplicate data item '\(item.id)'") }
                if item.name.isEmpty { add(il + ".name", "must not be empty") }
                let hasLimits = item.lowerLimit != nil || item.upperLimit != nil
                if item.type != .number {
                    if hasLimits { add(il, "limits apply to numbers only, not \(item.type.rawValue)") }
                    if item.unit != nil {
                        add(il + ".unit", "a unit applies to numbers only, not \(item.type.rawValue)")
                    }
                }
                for (field, v) in [("lowerLimit", item.lowerLimit), ("upperLimit", item.upperLimit)] {
                    if let v, !v.isFinite { add("\(il).\(field)", "must be a finite number") }
                }
                if let lo = item.lowerLimit, let hi = item.upperLimit, lo > hi {
                    add(il, "lower limit \(item.show(lo)) is above upper limit \(item.show(hi))")
                }
            }
        }
        return problems
    }
}

/// A routing that failed validation, with every problem found.
public struct InvalidRouting: Error, Sendable, CustomStringConvertible {
    public var routing: RoutingID
    public var problems: [ModelProblem]

    public init(routing: RoutingID, problems: [ModelProblem]) {
        self.routing = routing
        self.problems = problems
    }

    /// One line per problem.
    public var description: String {
        "invalid routing \(routing) (\(problems.count) problem\(problems.count == 1 ? "" : "s")):\n"
            + problems.map { "  - \($0)" }.joined(separator: "\n")
    }
}
