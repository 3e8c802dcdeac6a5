import XCTest
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import HashKit
import HashStore
import Analysis
import CPUFallback
import Engines
@testable import Service

/// `POST /v1/datasets/{name}/images` with JSON items, as batches: the plain body (read in one
/// pass, `PlainItemsScanner`) and the same items in a form only the general parser reads store
/// the same rows and answer the same; a request with a bad item after good ones stores nothing
/// (one transaction) and names the item as before; after a batch the store, the live index and
/// an index rebuilt from the store answer as a brute-force scan of the items sent.
final class PrecomputedIngestTests: XCTestCase {
    struct Item { var file: String; var words: [[UInt64]] }  // words per default family

    /// `count` items; a third are near copies (a few bits flipped) of an earlier one, so a
    /// threshold finds real neighbours.
    static func items(_ count: Int, seed: UInt64, prefix: String = "r") -> [Item] {
        var random = SplitMix64(seed: seed)
        var out = [Item]()
        for n in 0..<count {
            var words = HashFamily.all.map { f in (0..<f.wordsPerHash).map { _ in random.next() } }
            if n > 0, random.below(3) == 0 {
                words = out[random.below(n)].words
                for f in words.indices {
                    for _ in 0..<random.below(6) {
                        let bit = random.below(words[f].count * 64)
                        words[f][bit / 64] ^= 1 << UInt64(bit % 64)
                    }
                }
            }
            out.append(Item(file: "\(prefix)\(n).jpg", words: words))
        }
        return out
    }

    static func hex(_ item: Item, _ f: Int) -> String {
        var h = ImageHashes.zero
        HashFamily.all[f].set(item.words[f], in: &h)
        return HashFamily.all[f].hex(of: h)
    }

    /// The plain body clients send; `general`: the same items with every "/" of a file name
    /// escaped as "\/" and keys reordered, which only the general parser reads.
    static func body(_ items: [Item], general: Bool = false) -> ByteBuffer {
        let parts = items.map { item -> String in
            let hashes = HashFamily.all.indices.map { "\"\(HashFamily.all[$0].id)\": \"\(hex(item, $0))\"" }
            if general {
                return "{" + hashes.reversed().joined(separator: ", ") + ", \"file\": \"sub\\/\(item.file)\"}"
            }
            return "{\"file\": \"sub/\(item.file)\", " + hashes.joined(separator: ", ") + "}"
        }
        return ByteBuffer(string: "{\"items\": [" + parts.joined(separator: ",\n") + "]}")
    }

    static let json: HTTPFields = [.contentType: "application/json"]

    /// The store's rows of a dataset: key -> hashes (hex per default family).
    static func stored(_ service: HashService, _ name: String) throws -> [String: [String]] {
        let result = try service.load(name)
        var out = [String: [String]]()
        for (key, hashes) in zip(result.keys, result.hashes) { out[key.display] = HashFamily.all.map { $0.hex(of: hashes) } }
        return out
    }

    /// What a dataset holds after `items` were sent in order: key -> its last item.
    static func latest(_ items: [Item]) -> [String: Item] {
        var latest = [String: Item]()
        for item in items { latest["sub/" + item.file] = item }
        return latest
    }

    /// Keys within `threshold` of `query` in at least one family, by scanning what `items` left.
    static func bruteForce(_ query: Item, _ items: [Item], threshold: Int) -> Set<String> {
        bruteForce(query, latest: latest(items), threshold: threshold)
    }

    static func bruteForce(_ query: Item, latest: [String: Item], threshold: Int) -> Set<String> {
        Set(latest.filter { _, item in
            HashFamily.all.indices.contains { f in Hamming.distance(query.words[f], item.words[f]) <= threshold }
        }.keys)
    }

    static func indexed(_ service: HashService, _ query: Item, dataset: String, threshold: Int) throws -> Set<String> {
        var hashes = [HashFamily.ID: [UInt64]]()
        for (f, family) in HashFamily.all.enumerated() { hashes[family.id] = query.words[f] }
        let answer = try service.query([MatchIndex.Query(hashes: hashes)], datasets: [dataset],
                                       thresholds: Dictionary(uniqueKeysWithValues: HashFamily.all.map { ($0.id, threshold) }),
                                       limit: 100_000)
        return Set(answer[0].matches.map(\.key.display))
    }

    func testPlainAndGeneralBodiesStoreTheSameRowsAndAnswerTheSame() async throws {
        let harness = try ServiceHarness(maxBodyBytes: 4 << 20, maxImagesPerRequest: 50)  // 5000 items a request
        let items = Self.items(5000, seed: 5)
        let service = harness.service
        try await harness.test { client in
            for name in ["plain", "general"] {
                _ = try await client.execute(uri: "/v1/datasets/\(name)", method: .put)
                let r = try await client.execute(uri: "/v1/datasets/\(name)/images", method: .post, headers: Self.json,
                                                 body: Self.body(items, general: name == "general"))
                XCTAssertEqual(r.status, .ok, r.text)
                XCTAssertEqual(r.text, "{\n  \"added\": 5000\n}\n")
            }
            let plain = try Self.stored(service, "plain"), general = try Self.stored(service, "general")
            XCTAssertEqual(plain.count, 5000)
            XCTAssertEqual(plain, general)
            for item in items.prefix(50) { XCTAssertEqual(plain["sub/" + item.file], [Self.hex(item, 0), Self.hex(item, 1)]) }
        }
    }

    func testBadItemAfterGoodOnesStoresNothingAndNamesTheItem() async throws {
        let harness = try ServiceHarness(maxBodyBytes: 4 << 20, maxImagesPerRequest: 50)
        let first = Self.items(100, seed: 7)
        let service = harness.service
        try await harness.test { client in
            _ = try await client.execute(uri: "/v1/datasets/d", method: .put)
            let ok = try await client.execute(uri: "/v1/datasets/d/images", method: .post, headers: Self.json, body: Self.body(first))
            XCTAssertEqual(ok.status, .ok, ok.text)
            let before = try Self.stored(service, "d")
            // 3000 good items (50 of them replacing stored ones) then one with a short phash.
            var batch = Self.items(3000, seed: 8)
            for n in 0..<50 { batch[n].file = first[n].file }
            var text = String(buffer: Self.body(batch))
            text.removeLast(2)
            text += ",\n{\"file\": \"sub/bad.jpg\", \"phash\": \"00\", \"blockmean\": \"\(Self.hex(batch[0], 1))\"}]}"
            let bad = try await client.execute(uri: "/v1/datasets/d/images", method: .post, headers: Self.json,
                                               body: ByteBuffer(string: text))
            self.assertProblem(bad, .badRequest, "items[3000]: \"phash\" must be 16 hex digits (got 2 characters)")
            XCTAssertEqual(try Self.stored(service, "d"), before)
            // Neither the index: the replaced items still match their stored hashes only.
            for item in first.prefix(50) {
                XCTAssertEqual(try Self.indexed(service, item, dataset: "d", threshold: 0), Self.bruteForce(item, first, threshold: 0))
            }
            // Over the item limit (5000): the same 413 whatever the items.
            let over = try await client.execute(uri: "/v1/datasets/d/images", method: .post, headers: Self.json,
                                                body: Self.body(Self.items(5001, seed: 9)))
            self.assertProblem(over, .contentTooLarge, "5001 items in one request, over the limit of 5000")
            XCTAssertEqual(try Self.stored(service, "d"), before)
        }
    }

    func testBatchesAreAllQueryableAndTheIndexAgreesWithTheStoreAndABruteForceScan() async throws {
        let harness = try ServiceHarness(maxBodyBytes: 4 << 20, maxImagesPerRequest: 50)
        // Two batches, the second replacing a fifth of the first's keys with other hashes.
        let first = Self.items(5000, seed: 11)
        var changed = Self.items(4000, seed: 12, prefix: "s")
        for n in stride(from: 0, to: 4000, by: 4) { changed[n].file = first[n + 1].file }
        let second = changed
        try await harness.test { [service = harness.service, folder = harness.folder] client in
            _ = try await client.execute(uri: "/v1/datasets/d", method: .put)
            for batch in [first, second] {
                let r = try await client.execute(uri: "/v1/datasets/d/images", method: .post, headers: Self.json, body: Self.body(batch))
                XCTAssertEqual(r.status, .ok, r.text)
            }
            try Self.checkAgreement(service, folder: folder, latest: Self.latest(first + second))
        }
    }

    /// Three clients ingest batches at once over a real socket while a fourth queries without
    /// pause: the dataset's indexes grow (rebuilt at each fourfold growth, aside from the lock)
    /// during the queries, and every query finds every item acknowledged before it began (an
    /// exact hash at threshold 0). Afterwards the store, the live index and one rebuilt from the
    /// store answer as a brute-force scan of what was sent (later batches replacing some keys).
    func testConcurrentIngestWhileQueryingSeesEveryAcknowledgedItemAndEndsInAgreement() async throws {
        let harness = try ServiceHarness(maxBodyBytes: 4 << 20, maxImagesPerRequest: 50)
        let writers = 3, batches = 6, size = 1500
        var plan = [[[Item]]]()  // writer -> batches
        for w in 0..<writers {
            var mine = [[Item]]()
            for b in 0..<batches {
                var batch = Self.items(size, seed: UInt64(100 + w * batches + b), prefix: "w\(w)b\(b)-")
                // A tenth of each later batch replaces keys of the writer's previous batch.
                if b > 0 { for n in stride(from: 0, to: size, by: 10) { batch[n].file = mine[b - 1][n + 1].file } }
                mine.append(batch)
            }
            plan.append(mine)
        }
        // Keys written once only: a query must find them with their one hash once acknowledged.
        let all = plan.flatMap { $0.flatMap { $0 } }
        var seen = [String: Int]()
        for item in all { seen[item.file, default: 0] += 1 }
        let once = Set(seen.filter { $0.value == 1 }.keys)
        let acknowledged = Locked([Item]())
        let writing = Locked(writers)
        let plans = plan
        try await harness.test(.live) { [service = harness.service, folder = harness.folder] client in
            _ = try await client.execute(uri: "/v1/datasets/d", method: .put)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for w in 0..<writers {
                    group.addTask {
                        defer { writing.mutate { $0 -= 1 } }
                        for batch in plans[w] {
                            let r = try await client.execute(uri: "/v1/datasets/d/images", method: .post, headers: Self.json,
                                                             body: Self.body(batch))
                            XCTAssertEqual(r.status, .ok, r.text)
                            acknowledged.mutate { $0 += batch.filter { once.contains($0.file) } }
                        }
                    }
                }
                group.addTask {
                    var random = SplitMix64(seed: 5)
                    var rounds = 0
                    while writing.value > 0 || rounds == 0 {
                        let known = acknowledged.value
                        rounds += 1
                        guard !known.isEmpty else { try await Task.sleep(for: .milliseconds(2)); continue }
                        for _ in 0..<20 {
                            let item = known[random.below(known.count)]
                            let found = try Self.indexed(service, item, dataset: "d", threshold: 0)
                            XCTAssertTrue(found.contains("sub/" + item.file), "acknowledged \(item.file) not found (\(known.count) acknowledged)")
                        }
                    }
                    XCTAssertGreaterThan(rounds, 1, "the queries ran beside the writes")
                }
                try await group.waitForAll()
            }
            XCTAssertEqual(acknowledged.value.count, once.count)
            try Self.checkAgreement(service, folder: folder, latest: Self.latest(all))
        }
    }

    static func checkAgreement(_ service: HashService, folder: String, latest: [String: Item]) throws {
        let stored = try Self.stored(service, "d")
        XCTAssertEqual(stored.count, latest.count)
        for (key, item) in latest { XCTAssertEqual(stored[key], [Self.hex(item, 0), Self.hex(item, 1)], key) }
        // An index built from the store alone (a restarted server) answers as the live one, and both as the scan.
        let reopened = try HashService(store: try HashStore(path: folder + "/store.sqlite"), engines: EngineSelection.cpu(),
                                       settings: service.settings)
        defer {
            reopened.pool.shutdown()
            try? reopened.store.close()
        }
        var random = SplitMix64(seed: 3)
        let keys = latest.keys.sorted()
        for _ in 0..<100 {
            let query = try XCTUnwrap(latest[keys[random.below(keys.count)]])
            for threshold in [0, 6] {
                let expected = Self.bruteForce(query, latest: latest, threshold: threshold)
                XCTAssertFalse(expected.isEmpty)
                XCTAssertEqual(try Self.indexed(service, query, dataset: "d", threshold: threshold), expected)
                XCTAssertEqual(try Self.indexed(reopened, query, dataset: "d", threshold: threshold), expected)
            }
        }
    }
}

/// A value shared by the test's tasks, behind a lock.
private final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value
    init(_ value: Value) { stored = value }
    var value: Value { lock.withLock { stored } }
    func mutate(_ body: (inout Value) -> Void) { lock.withLock { body(&stored) } }
}
