import Foundation
import Hummingbird
import NIOCore
import Analysis
import JSONFiles

/// A response body produced on a worker thread and written while it is produced: the producer
/// hands over chunks of about `chunkBytes` and blocks while `depth` chunks wait to be written, so
/// a large answer (a cross-duplicates document of millions of pairs) costs a few chunks of
/// memory, not its whole size. When the client goes away, the next write fails, the producer's
/// next `send` throws and the work stops.
enum StreamedBody {
    static let chunkBytes = 256 << 10
    static let depth = 4

    /// `produce` runs on the `BlockingExecutor` (never on Swift concurrency's cooperative pool)
    /// and writes the body through `send`.
    static func response(status: HTTPResponse.Status = .ok, contentType: String = "application/json",
                         cancellation: CancellationFlag,
                         produce: @escaping @Sendable (_ send: ([UInt8]) throws -> Void) throws -> Void) -> Response {
        Response(status: status, headers: [.contentType: contentType], body: ResponseBody { writer in
            let pipe = ChunkPipe(depth: depth)
            BlockingExecutor.shared.start {
                do {
                    try produce { chunk in
                        try cancellation.check()
                        try pipe.send(chunk)
                    }
                    pipe.finish(nil)
                } catch {
                    pipe.finish(error)
                }
            }
            do {
                while let chunk = try await pipe.next() {
                    try await writer.write(ByteBuffer(bytes: chunk))
                }
                try await writer.finish(nil)
            } catch {
                pipe.abandon()
                throw error
            }
        })
    }

    /// A JSON value, serialised in pieces (lazy arrays are made one element at a time).
    static func json(_ value: JSONValue, cancellation: CancellationFlag) -> Response {
        response(cancellation: cancellation) { send in try value.serialize(chunk: chunkBytes, to: send) }
    }
}

/// A bounded hand-over of byte chunks from one blocking producer thread to one async consumer.
final class ChunkPipe: @unchecked Sendable {
    private let condition = NSCondition()
    private var chunks = [[UInt8]]()
    private let depth: Int
    private var finished = false
    private var failure: Error?
    private var abandoned = false
    private var waiting: CheckedContinuation<[UInt8]?, Error>?

    init(depth: Int) { self.depth = max(1, depth) }

    /// Blocks while the pipe is full; throws once the consumer has gone.
    func send(_ chunk: [UInt8]) throws {
        condition.lock()
        while chunks.count >= depth && !abandoned { condition.wait() }
        if abandoned {
            condition.unlock()
            throw CancellationError()
        }
        if let waiter = waiting {
            waiting = nil
            condition.unlock()
            waiter.resume(returning: chunk)
            return
        }
        chunks.append(chunk)
        condition.unlock()
    }

    /// The producer is done (`error` nil) or failed.
    func finish(_ error: Error?) {
        condition.lock()
        finished = true
        failure = error
        let waiter = waiting
        waiting = nil
        condition.unlock()
        if let waiter {
            if let error { waiter.resume(throwing: error) } else { waiter.resume(returning: nil) }
        }
    }

    /// The consumer stopped: wakes and fails the producer.
    func abandon() {
        condition.lock()
        abandoned = true
        chunks.removeAll()
        condition.broadcast()
        condition.unlock()
    }

    /// The next chunk, nil at the end; rethrows the producer's error.
    func next() async throws -> [UInt8]? {
        try await withCheckedThrowingContinuation { continuation in
            condition.lock()
            if !chunks.isEmpty {
                let chunk = chunks.removeFirst()
                condition.broadcast()
                condition.unlock()
                continuation.resume(returning: chunk)
            } else if finished {
                let error = failure
                condition.unlock()
                if let error { continuation.resume(throwing: error) } else { continuation.resume(returning: nil) }
            } else {
                waiting = continuation
                condition.unlock()
            }
        }
    }
}
