import Hummingbird
import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// Closes a connection whose request body the server will not read.
///
/// Hummingbird's HTTP/1 loop (HummingbirdCore's HTTPChannelHandler.swift), after a handler
/// answers, reads and discards the rest of the request body to reuse the connection, for as
/// long as the client sends, and only closes when the REQUEST says `Connection: close`. So a
/// client could push gigabytes after a 413, or an endless chunked body to GET /healthz, and
/// keep a core busy. This handler sits between the HTTP codec and Hummingbird and sees both
/// directions: when a final response head goes out while its request's body is still
/// arriving, it marks the response `Connection: close`; after the response's end it flushes,
/// half-closes output (the client sees the whole answer, then end of stream), stops reading
/// (no more CPU spent on the client's bytes) and drops what was already read, and closes the
/// connection after `linger` (time for the client to read the answer before the close), or
/// as soon as more than `maxBodyBytes` further bytes arrived, whichever comes first.
final class UnreadBodyCloser: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    let maxBodyBytes: Int
    let linger: TimeAmount

    /// Requests whose end has arrived, and final responses started: response n answers request
    /// n (HTTP/1 answers in order), so request n is whole when more than n requests ended.
    private var requestsEnded = 0
    private var responsesStarted = 0
    /// The response being written answers a request whose body has not all arrived.
    private var closeAfterResponse = false
    /// The response is out: what still arrives is dropped, and the connection is closing.
    private var draining = false
    private var droppedBytes = 0
    private var closeTimer: Scheduled<Void>?

    init(maxBodyBytes: Int, linger: TimeAmount = .seconds(1)) {
        self.maxBodyBytes = maxBodyBytes
        self.linger = linger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        guard !draining else {
            if case .body(let bytes) = part {
                droppedBytes += bytes.readableBytes
                if droppedBytes > maxBodyBytes { context.close(promise: nil) }
            }
            return
        }
        if case .end = part { requestsEnded += 1 }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(var head) where head.status.kind != .informational:
            let requestWhole = requestsEnded > responsesStarted
            responsesStarted += 1
            if !requestWhole {
                closeAfterResponse = true
                head.headerFields[.connection] = "close"
                context.write(wrapOutboundOut(.head(head)), promise: promise)
                return
            }
        case .end where closeAfterResponse:
            closeAfterResponse = false
            draining = true
            context.writeAndFlush(data, promise: promise)
            context.close(mode: .output, promise: nil)
            closeTimer = context.eventLoop.assumeIsolated().scheduleTask(in: linger) { context.close(promise: nil) }
            return
        default:
            break
        }
        context.write(data, promise: promise)
    }

    /// While draining, reads are no longer asked for: the client's further bytes wait in the
    /// kernel until the close, costing no CPU.
    func read(context: ChannelHandlerContext) {
        if !draining { context.read() }
    }

    func channelInactive(context: ChannelHandlerContext) {
        closeTimer?.cancel()
        closeTimer = nil
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        closeTimer?.cancel()
        closeTimer = nil
    }
}
