import ServiceLifecycle

/// Runs a service's work until its service group shuts down gracefully (SIGTERM, SIGINT) or is
/// cancelled; the `CancellationError` that ends the work then is the normal end, not a failure.
/// Work that ends on its own (nothing configured to do) waits for the shutdown, because a
/// `ServiceGroup` treats a service that returns early as one that failed.
func runUntilShutdown(_ work: @Sendable @escaping () async throws -> Void) async throws {
    do {
        try await cancelWhenGracefulShutdown(work)
    } catch is CancellationError {
        return
    }
    do { try await gracefulShutdown() } catch is CancellationError {}
}
