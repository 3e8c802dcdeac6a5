import Dispatch
import ServiceLifecycle

/// The hashing pool as a service of the server's `ServiceGroup`: it runs until the group shuts
/// down gracefully (or is cancelled), then stops its threads once the queue is empty. Listed
/// before the HTTP server, it is shut down after it (a group shuts its services down in reverse
/// order), so requests still in flight get their images hashed; it returns once its threads
/// are joined.
extension HashingPool: ServiceLifecycle.Service {
    public func run() async throws {
        // Cancellation ends the wait as shutdown does: either way the threads are stopped.
        try? await gracefulShutdown()
        shutdown()
        // Joined before the group (and so the server) returns: a decoder thread still ending
        // while the process exits ran into its process-wide destructors (a SIGSEGV at SIGTERM).
        // The wait blocks, so not on the cooperative pool.
        let pool = self
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().async {
                pool.waitUntilStopped()
                done.resume()
            }
        }
    }
}
