import Foundation
import Hummingbird
import NIOCore

/// The request context of every route: Hummingbird's core context plus the cancellation flag of
/// the request's connection. Hummingbird does not cancel a handler when its client disconnects,
/// and work offloaded to other threads would not see a task cancellation anyway; the flag is
/// what that work checks.
public struct ServiceRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set once the client has gone (see `ClientGoneHandler`).
    public let cancellation: CancellationFlag

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        cancellation = ClientGoneHandler.flag(of: source.channel)
    }
}

/// One per connection, in the channel pipeline: sets the connection's cancellation flag when the
/// client closes its side (end of input) or the connection closes. Hummingbird's server allows
/// remote half-closure, so a client that hangs up only shows as "input closed" while the server
/// could still write; like common reverse proxies, the server takes that as the client having
/// gone. (A client that half-closes and still waits for its answer gets it, unless the request
/// was heavy work that checks the flag.)
final class ClientGoneHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    let flag = CancellationFlag()

    func handlerAdded(context: ChannelHandlerContext) {
        let key = ObjectIdentifier(context.channel)
        Self.register(key, flag)
        let flag = self.flag
        context.channel.closeFuture.whenComplete { _ in
            flag.cancel()
            Self.unregister(key)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed { flag.cancel() }
        context.fireUserInboundEventTriggered(event)
    }

    // The request context is made off the event loop and only has the channel: the handler of
    // each open connection is found through this table.
    private static let lock = NSLock()
    nonisolated(unsafe) private static var flags = [ObjectIdentifier: CancellationFlag]()

    private static func register(_ key: ObjectIdentifier, _ flag: CancellationFlag) {
        lock.lock()
        flags[key] = flag
        lock.unlock()
    }

    private static func unregister(_ key: ObjectIdentifier) {
        lock.lock()
        flags[key] = nil
        lock.unlock()
    }

    /// The flag of the connection `channel` (a fresh, never-set one for a channel without the
    /// handler, e.g. in-process tests).
    static func flag(of channel: any Channel) -> CancellationFlag {
        lock.lock()
        defer { lock.unlock() }
        return flags[ObjectIdentifier(channel)] ?? CancellationFlag()
    }
}
