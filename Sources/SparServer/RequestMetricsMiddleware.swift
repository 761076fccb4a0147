import Hummingbird

/// Records every request's server time (until the response head is ready) in the latency histogram, by route,
/// method and status.
struct RequestMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: ServerMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let started = ContinuousClock.now
        let status: Int
        do {
            let response = try await next(request, context)
            status = Int(response.status.code)
            record(request, context, status, started)
            return response
        } catch let error as any HTTPResponseError {
            status = Int(error.status.code)
            record(request, context, status, started)
            throw error
        } catch {
            record(request, context, 500, started)
            throw error
        }
    }

    func record(_ request: Request, _ context: Context, _ status: Int, _ started: ContinuousClock.Instant) {
        let route = context.endpointPath ?? "unmatched"
        metrics.requestTimer(route: route, method: request.method.rawValue, status: status)
            .recordNanoseconds((ContinuousClock.now - started).nanoseconds)
    }
}
