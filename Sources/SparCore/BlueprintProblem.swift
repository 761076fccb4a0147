/// One problem found in a blueprint: where it is (record and field) and what is wrong.
public typealias BlueprintProblem = ModelProblem

/// A blueprint that failed validation against its plant model, with every problem found.
public struct InvalidBlueprint: Error, Sendable, CustomStringConvertible {
    /// Every problem, in blueprint order.
    public var problems: [BlueprintProblem]

    /// An error listing `problems`.
    public init(problems: [BlueprintProblem]) { self.problems = problems }

    /// One line per problem.
    public var description: String {
        "invalid blueprint (\(problems.count) problem\(problems.count == 1 ? "" : "s")):\n"
            + problems.map { "  - \($0)" }.joined(separator: "\n")
    }
}
