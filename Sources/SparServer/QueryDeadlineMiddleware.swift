import Hummingbird

/// Bounds what a read costs the server: a GET is cancelled when its client closes the connection, and answered
/// 503 `deadline-exceeded` when it has not finished within `deadline`. KPI computations check for cancellation
/// between work units, so a cancelled query stops within one unit's work and its core is free again.
///
/// The live stream (`/api/stream`) and static assets are left alone: the stream is meant to stay open.
struct QueryDeadlineMiddleware<Context: RequestContext>: RouterMiddleware {
    var deadline: Duration
    /// Whether to watch the connection and cancel when the client closes it (a served connection only: it needs
    /// the request body the server read, and the connection then closes after the response).
    var cancelWhenClientLeaves: Bool

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let path = request.uri.path
        guard request.method == .get, path != "/api/stream", !path.hasPrefix("/assets/") else {
            return try await next(request, context)
        }
        return try await withoutActuallyEscaping(next) { next in
            let work = UncheckedSendable(next)
            guard cancelWhenClientLeaves else { return try await withDeadline(request, context, work) }
            return try await request.body.consumeWithCancellationOnInboundClose { body in
                var request = request
                request.body = body
                return try await withDeadline(request, context, work)
            }
        }
    }

    func withDeadline(
        _ request: Request, _ context: Context,
        _ work: UncheckedSendable<(Request, Context) async throws -> Response>
    ) async throws -> Response {
        let deadline = deadline
        return try await withThrowingTaskGroup(of: Response?.self) { group in
            group.addTask { try await work.value(request, context) }
            group.addTask {
                try await Task.sleep(for: deadline)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let response = first else {
                throw ProblemDetails(
                    .serviceUnavailable, code: "deadline-exceeded", title: ProblemDetails.title("deadline-exceeded"),
                    detail: "the request did not finish within \(deadline); narrow its scope or window")
            }
            return response
        }
    }
}

/// Carries a value the compiler cannot prove sendable into a child task that the caller awaits before returning.
struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
