import Hummingbird
import NIOCore

/// The request context of every route: Hummingbird's core context plus a cancellation flag that
/// is set when the request's connection closes. Hummingbird does not cancel a handler when its
/// client disconnects, and work offloaded to other threads would not see a task cancellation
/// anyway; the flag is what that work checks.
public struct ServiceRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set once the client's connection is closed (by the client, a timeout or the server).
    public let cancellation: CancellationFlag

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        let flag = CancellationFlag()
        cancellation = flag
        source.channel.closeFuture.whenComplete { _ in flag.cancel() }
    }
}
