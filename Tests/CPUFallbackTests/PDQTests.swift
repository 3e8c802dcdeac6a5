import Foundation
import XCTest
import HashKit
import CPUFallback
import TestSupport

/// PDQ against Meta's C++ (the `pdqhash` 0.2.8 binding): every fixture crosshash decodes must
/// give the hash and quality recorded in Tests/Fixtures/expected_pdq.json
/// (scripts/reference_pdq.py), and the wrapped engine must leave the other families alone.
final class PDQTests: XCTestCase {
    struct Expected: Decodable {
        let pdq: String
        let pdq_quality: Int
    }

    func testEveryFixtureHashesLikePdqhash() throws {
        let fixtures = GoldenFixtureTests.fixtures
        let data = try Data(contentsOf: fixtures.appendingPathComponent("expected_pdq.json"))
        let raw = try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
        let decoder = ImageDecoder()
        var checked = 0
        var failures: [String] = []
        for name in raw.keys.sorted() where name != "versions" {
            let entry = try JSONSerialization.data(withJSONObject: raw[name] ?? [:])
            let expected = try JSONDecoder().decode(Expected.self, from: entry)
            let path = fixtures.appendingPathComponent("images").appendingPathComponent(name).path
            // Files crosshash refuses are DecodeTests' business; this test is about hashing.
            guard let image = try? decoder.decode(path: path) else { continue }
            let got = try PDQ.hash(image)
            var hashes = ImageHashes.zero
            hashes.pdq = got.hash
            let hex = HashFamily.pdq.hex(of: hashes)
            if hex != expected.pdq || got.quality != expected.pdq_quality {
                failures.append("\(name): \(hex) quality \(got.quality), expected \(expected.pdq) quality \(expected.pdq_quality)")
            }
            checked += 1
        }
        XCTAssert(failures.isEmpty, failures.joined(separator: "\n"))
        XCTAssertGreaterThan(checked, 300, "too few fixtures hashed; is Tests/Fixtures complete?")
    }

    /// The ALGORITHMS.md section 7 vectors, including the solid picture whose hash is rounding noise.
    func testSpecVectors() throws {
        let expected: [(String, DecodedImage, String, Int)] = [
            ("A", SpecImages.a, "3c6379e7f0c7c18ec39f0f8e078f1c0e785e743ec07c8c7c28d81384ff28b350", 100),
            ("B", SpecImages.b, "6d2513b913b913b913b913b9ec46ec46ec4613b9ec46ec4613b913b913b9ec46", 61),
            ("C", SpecImages.c, "fae07d4a001d7746525dfd46005c5546fefceaa90053ebe95213eb694013fb69", 100),
            ("D", SpecImages.d, "000000002c4b11342c4b2c4b0000554b00002c4b113411342c4b585e2c4b017e", 0),
            ("E", SpecImages.e, "671cdd63d3263c931873259c2d9ed349e3c99a209e386ca22da6c6dbd2c33b38", 100),
        ]
        for (name, image, hex, quality) in expected {
            let got = try PDQ.hash(image)
            var h = ImageHashes.zero
            h.pdq = got.hash
            XCTAssertEqual(HashFamily.pdq.hex(of: h), hex, "\(name)")
            XCTAssertEqual(got.quality, quality, "\(name)")
            XCTAssertEqual(HashFamily.pdq.words(hex: hex), HashFamily.pdq.words(of: h), "hex round trip")
        }
    }

    func testTooSmallPicturesHashToZeroWithQualityZero() throws {
        let image = DecodedImage(width: 4, height: 300, layout: .rgb, pixels: (0..<(4 * 300 * 3)).map { UInt8($0 % 251) })
        let got = try PDQ.hash(image)
        XCTAssertEqual(got.hash, Hash256())
        XCTAssertEqual(got.quality, 0)
    }

    func testWrappedEngineAddsPDQAndKeepsTheOtherFamilies() throws {
        let images = [SpecImages.a, SpecImages.e, SpecImages.c]
        let plain = CPUEngine()
        let wrapped = PDQEngine(wrapping: plain)
        XCTAssertEqual(wrapped.families, [.phash, .blockmean, .pdq])
        for batch in [images, [images[0]]] {
            let got = try wrapped.hash(batch)
            for (image, h) in zip(batch, got) {
                let p = try PDQ.hash(image)
                XCTAssertEqual(h, ImageHashes(phash: plain.hash(image).phash, blockmean: plain.hash(image).blockmean,
                                              pdq: p.hash, pdqQuality: p.quality))
            }
        }
        XCTAssert(HashFamily.pdq.isMatchable(ImageHashes(phash: 0, blockmean: Hash256(), pdqQuality: 50)))
        XCTAssertFalse(HashFamily.pdq.isMatchable(ImageHashes(phash: 0, blockmean: Hash256(), pdqQuality: 49)))
        XCTAssert(HashFamily.phash.isMatchable(.zero))
    }

    func testFamilyLists() throws {
        XCTAssertEqual(try HashFamily.parseList("pdq,phash").get(), [.phash, .pdq])
        XCTAssertEqual(try HashFamily.parseList("phash,blockmean").get(), HashFamily.all)
        guard case .failure(let e) = HashFamily.parseList("phash,nope") else { return XCTFail("accepted nope") }
        XCTAssertEqual(e.name, "nope")
    }
}
