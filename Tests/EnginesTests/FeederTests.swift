import XCTest
import Foundation
import HashKit
import CPUFallback
@testable import Engines

/// An engine whose "hash" is a pure function of the pixels (so ordering mistakes show) that can
/// fail, return too few hashes, or hold its first batch until released.
final class StubEngine: HashEngine, @unchecked Sendable {
    enum Behaviour { case works, fails, dropsOne }
    let behaviour: Behaviour
    let batchPixels: Int
    private let lock = NSLock()
    private var batches = [[Int]]()
    /// When set, every call waits for it first.
    let gate: DispatchSemaphore?

    init(_ behaviour: Behaviour = .works, batchPixels: Int = 1000, gate: DispatchSemaphore? = nil) {
        self.behaviour = behaviour
        self.batchPixels = batchPixels
        self.gate = gate
    }

    struct Boom: Error, CustomStringConvertible { var description: String { "device lost (stub)" } }

    var description: EngineDescription { EngineDescription(kind: "test", name: "stub") }
    var preferredBatchPixels: Int { batchPixels }
    /// The pixel counts of each batch's images, in call order.
    var batchPixelCounts: [[Int]] { lock.withLock { batches } }

    func hash(_ batch: [DecodedImage]) throws -> [ImageHashes] {
        if let gate { gate.wait(); gate.signal() }
        lock.withLock { batches.append(batch.map(\.pixelCount)) }
        switch behaviour {
        case .fails: throw Boom()
        case .dropsOne: return Array(batch.dropFirst().map(Self.hashes))
        case .works: return batch.map(Self.hashes)
        }
    }

    static func hashes(_ image: DecodedImage) -> ImageHashes {
        ImageHashes(phash: UInt64(image.pixels.reduce(0) { $0 + Int($1) }), blockmean: Hash256(words: SIMD4(UInt64(image.width), 0, 0, 0)))
    }
}

/// A grey n x 1 image of value n % 256: a different picture per n.
func strip(_ n: Int) -> DecodedImage {
    DecodedImage(width: n, height: 1, layout: .gray, pixels: [UInt8](repeating: UInt8(n % 256), count: n))
}

/// A real picture for the CPU engine: a diagonal gradient, different per seed.
func gradient(_ seed: Int, size: Int = 64) -> DecodedImage {
    var pixels = [UInt8](repeating: 0, count: size * size * 3)
    for y in 0..<size {
        for x in 0..<size {
            let i = (y * size + x) * 3
            pixels[i] = UInt8((x * 4 + seed) & 255)
            pixels[i + 1] = UInt8((y * 4 + seed * 3) & 255)
            pixels[i + 2] = UInt8(((x + y) * 2) & 255)
        }
    }
    return DecodedImage(width: size, height: size, layout: .rgb, pixels: pixels)
}

/// Collects outcomes by job index from any thread.
final class Sink: @unchecked Sendable {
    private let lock = NSLock()
    private var outcomes = [Int: [FileOutcome]]()
    func add(_ i: Int, _ o: FileOutcome) { lock.withLock { outcomes[i, default: []].append(o) } }
    var all: [Int: [FileOutcome]] { lock.withLock { outcomes } }
}

final class FallbackEngineTests: XCTestCase {
    func testAFailingDeviceIsRedoneOnTheCPUAndItsErrorKept() throws {
        let images = (0..<5).map { gradient($0) }
        let cpu = CPUEngine()
        let engine = FallbackEngine(device: StubEngine(.fails), cpu: cpu)
        let reported = Sink()
        engine.onFailure = { reported.add(0, .failed($0)) }
        XCTAssertEqual(try engine.hash(images), try cpu.hash(images))
        XCTAssertEqual(engine.firstFailure, "device lost (stub)")
        XCTAssertEqual(engine.failures, 1)
        XCTAssertEqual(reported.all[0], [.failed("device lost (stub)")])
        XCTAssertEqual(engine.description, EngineDescription(kind: "test", name: "stub"))
    }

    func testADeviceReturningTooFewHashesCountsAsFailed() throws {
        let images = (0..<3).map { gradient($0) }
        let cpu = CPUEngine()
        let engine = FallbackEngine(device: StubEngine(.dropsOne), cpu: cpu)
        XCTAssertEqual(try engine.hash(images), try cpu.hash(images))
        XCTAssertEqual(engine.firstFailure, "engine returned 2 hashes for 3 images")
    }

    func testAWorkingDeviceIsUsedAlone() throws {
        let device = StubEngine()
        let cpu = StubEngine(.fails)
        let engine = FallbackEngine(device: device, cpu: cpu)
        XCTAssertEqual(try engine.hash([strip(3), strip(4)]), [strip(3), strip(4)].map(StubEngine.hashes))
        XCTAssertNil(engine.firstFailure)
        XCTAssertTrue(cpu.batchPixelCounts.isEmpty)
    }
}

/// Sums the feeder's events from any thread.
final class EventSink: @unchecked Sendable {
    private let lock = NSLock()
    private var total = BatchFeeder.Event()
    func add(_ e: BatchFeeder.Event) {
        lock.withLock {
            total.decoded += e.decoded
            total.hashed += e.hashed
            total.pixels += e.pixels
            total.hashSeconds += e.hashSeconds
            total.decoderHashSeconds += e.decoderHashSeconds
        }
    }
    var sum: BatchFeeder.Event { lock.withLock { total } }
}

final class BatchFeederTests: XCTestCase {
    func run(_ feeder: BatchFeeder, count: Int, image: @escaping @Sendable (Int) -> Intake) -> [Int: [FileOutcome]] {
        let sink = Sink()
        feeder.submit((0..<count).map { i in BatchFeeder.Job(intake: { image(i) }, done: { sink.add(i, $0) }) })
        feeder.close()
        feeder.waitUntilDone()
        return sink.all
    }

    /// `waitUntilDone` returns only once every thread has ended, teardown included (they are
    /// joined): the server exits right after it, and a decoder thread still ending while the
    /// process ran its exit destructors crashed it (SIGSEGV at SIGTERM). Read from the process's
    /// own thread list, by the threads' names.
    func testWaitUntilDoneLeavesNoThreadRunning() throws {
        func running(_ prefix: String) -> [String] {
            let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
            return tasks.compactMap { try? String(contentsOfFile: "/proc/self/task/\($0)/comm", encoding: .utf8) }
                .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { $0.hasPrefix(prefix) }
        }
        for round in 0..<6 {
            let mode: PipelineMode = round % 2 == 0 ? .inline : .batched
            let name = "fj\(round)"
            let feeder = BatchFeeder(engine: StubEngine(), mode: mode, workers: 32, threadName: name)
            let sink = Sink()
            feeder.submit((0..<64).map { i in BatchFeeder.Job(intake: { .image(strip(i + 1)) }, done: { sink.add(i, $0) }) })
            // Named threads are what this test finds: all of them must show while the feeder runs
            // (each names itself as it starts).
            let threads = 32 + (mode == .batched ? 1 : 0)
            let deadline = Date().addingTimeInterval(20)
            while running(name + "-").count < threads && Date() < deadline { usleep(10_000) }
            XCTAssertEqual(running(name + "-").count, threads, "threads named \(name)-*: the test cannot see the feeder's threads")
            feeder.close()
            feeder.waitUntilDone()
            XCTAssertEqual(sink.all.count, 64)
            XCTAssertEqual(running(name + "-"), [], "\(mode) round \(round): threads still running after waitUntilDone")
        }
    }

    func testBatchedModeHashesEveryJobOnceInBoundedBatches() {
        let engine = StubEngine(batchPixels: 500)
        let feeder = BatchFeeder(engine: engine, mode: .batched, workers: 3)
        let outcomes = run(feeder, count: 200) { i in i % 23 == 0 ? .done(.failed("bad \(i)")) : .image(strip(i)) }
        XCTAssertEqual(outcomes.count, 200)
        for (i, list) in outcomes {
            XCTAssertEqual(list, [i % 23 == 0 ? .failed("bad \(i)") : .hashed(StubEngine.hashes(strip(i)), warnings: [])], "job \(i)")
        }
        let batches = engine.batchPixelCounts
        XCTAssertGreaterThan(batches.count, 1)
        XCTAssertGreaterThan(batches.map(\.count).max() ?? 0, 1, "images of several jobs must share a batch")
        for batch in batches where batch.count > 1 { XCTAssertLessThanOrEqual(batch.reduce(0, +), 500) }
        XCTAssertEqual(batches.map(\.count).reduce(0, +), 200 - 9)
    }

    /// A job hashed in its intake (`Intake.hashed`, `--dihedral`) reaches `done` as given,
    /// the engine never sees it, and its pixels and hash time are counted: as the engine's in
    /// inline mode, apart from the engine thread's in batched mode.
    func testJobsHashedInTheirIntakeSkipTheEngineAndAreCounted() {
        for mode in [PipelineMode.inline, .batched] {
            let engine = StubEngine()
            let events = EventSink()
            let feeder = BatchFeeder(engine: engine, mode: mode, workers: 3) { events.add($0) }
            let outcomes = run(feeder, count: 30) { i in
                i % 3 == 0 ? .image(strip(i + 1)) : .hashed(.hashed(StubEngine.hashes(strip(i + 100)), warnings: ["w\(i)"]), pixels: i + 1, hashSeconds: 0.5)
            }
            for (i, list) in outcomes {
                XCTAssertEqual(list, [.hashed(StubEngine.hashes(strip(i % 3 == 0 ? i + 1 : i + 100)), warnings: i % 3 == 0 ? [] : ["w\(i)"])], "\(mode) job \(i)")
            }
            XCTAssertEqual(engine.batchPixelCounts.flatMap { $0 }.sorted(), (0..<30).filter { $0 % 3 == 0 }.map { $0 + 1 }, "\(mode)")
            let sum = events.sum
            XCTAssertEqual(sum.decoded, 30)
            XCTAssertEqual(sum.hashed, 30)
            XCTAssertEqual(sum.pixels, (1...30).reduce(0, +))
            if mode == .inline {
                XCTAssertGreaterThanOrEqual(sum.hashSeconds, 10)
                XCTAssertEqual(sum.decoderHashSeconds, 0)
            } else {
                XCTAssertLessThan(sum.hashSeconds, 10)
                XCTAssertEqual(sum.decoderHashSeconds, 10, accuracy: 1e-9)
            }
        }
    }

    func testInlineModeHashesEachImageOnItsDecoderThread() {
        let engine = StubEngine()
        let feeder = BatchFeeder(engine: engine, mode: .inline, workers: 4)
        let outcomes = run(feeder, count: 100) { .image(strip($0 + 1)) }
        XCTAssertEqual(outcomes.count, 100)
        XCTAssertTrue(engine.batchPixelCounts.allSatisfy { $0.count == 1 })
    }

    func testAnEngineErrorFailsItsBatchWithTheErrorText() {
        let feeder = BatchFeeder(engine: StubEngine(.fails), mode: .inline, workers: 2)
        for (_, list) in run(feeder, count: 4, image: { .image(strip($0 + 1)) }) {
            XCTAssertEqual(list, [.failed("hashing failed: device lost (stub)")])
        }
    }

    /// While the engine holds a batch, decoders stop once the waiting images fill the pixel
    /// budget, instead of decoding the whole list into memory.
    func testDecodersPauseWhenThePixelBudgetIsFull() {
        let gate = DispatchSemaphore(value: 0)
        let engine = StubEngine(batchPixels: 1 << 20, gate: gate)  // budget: max(2 Mpx, 4 Mpx)
        let feeder = BatchFeeder(engine: engine, mode: .batched, workers: 2)
        XCTAssertEqual(feeder.pixelBudget, 1 << 22)
        let intakes = Sink()
        let side = 1024  // 1 Mpx per image
        let sink = Sink()
        feeder.submit((0..<20).map { i in
            BatchFeeder.Job(intake: {
                intakes.add(i, .failed("read"))
                return .image(DecodedImage(width: side, height: side, layout: .gray, pixels: [UInt8](repeating: UInt8(i), count: side * side)))
            }, done: { sink.add(i, $0) })
        })
        Thread.sleep(forTimeInterval: 0.5)
        // One batch in the engine, four images in the budget, one more per decoder at most.
        XCTAssertLessThanOrEqual(intakes.all.count, 1 + 4 + 2)
        XCTAssertGreaterThan(feeder.waiting, 0)
        gate.signal()
        feeder.close()
        feeder.waitUntilDone()
        XCTAssertEqual(sink.all.count, 20)
        XCTAssertEqual(feeder.waiting, 0)
    }

    func testAdmissionSeesTheWaitingImagesAndARefusalQueuesNothing() {
        struct Full: Error {}
        let gate = DispatchSemaphore(value: 0)
        let feeder = BatchFeeder(engine: StubEngine(), mode: .batched, workers: 1)
        let sink = Sink()
        // The one decoder holds its first job until the gate opens: the rest stay waiting.
        let jobs = (0..<3).map { i in
            BatchFeeder.Job(intake: { gate.wait(); gate.signal(); return .image(strip(i + 1)) }, done: { sink.add(i, $0) })
        }
        var seen = [Int]()
        XCTAssertTrue(try feeder.submit(jobs) { (waiting: Int) throws(Full) in seen.append(waiting) })
        XCTAssertThrowsError(try feeder.submit(jobs) { (waiting: Int) throws(Full) in
            seen.append(waiting)
            throw Full()
        })
        XCTAssertEqual(seen.first, 0)
        XCTAssertGreaterThan(seen.last ?? 0, 0, "the first request's images are still waiting")
        gate.signal()
        feeder.close()
        XCTAssertFalse(feeder.submit(jobs), "a closed feeder takes no jobs")
        feeder.waitUntilDone()
        XCTAssertEqual(sink.all.count, 3)
        XCTAssertTrue(sink.all.values.allSatisfy { $0.count == 1 })
    }

    func testFIFOKeepsOrderAcrossCompaction() {
        var fifo = FIFO<Int>()
        var out = [Int]()
        for i in 0..<5000 {
            fifo.append(i)
            if i % 3 == 0, let x = fifo.popFirst() { out.append(x) }
        }
        while let x = fifo.popFirst() { out.append(x) }
        XCTAssertEqual(out, Array(0..<5000))
        XCTAssertTrue(fifo.isEmpty)
    }
}
