import Foundation
import XCTest
import HashKit
import CPUFallback

/// End to end against the reference tools: every fixture Pillow decodes is decoded with
/// `ImageDecoder` and hashed with `CPUEngine` (and, for the smaller ones, `ReferenceHasher`);
/// both hashes must equal Tests/Fixtures/expected.json (imagehash 4.3.2 / Pillow 13 / OpenCV 5).
final class GoldenFixtureTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures")

    struct Expected: Decodable {
        let phash: String?
        let blockmean: String?
        let format: String?
        let error: String?
    }

    func testEveryFixtureHashesLikeTheReferenceTools() throws {
        let data = try Data(contentsOf: Self.fixtures.appendingPathComponent("expected.json"))
        // The top-level "versions" entry is not a file; decode entries one by one.
        let raw = try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
        let decoder = ImageDecoder()
        let engine = CPUEngine()
        var checked = 0, checkedNewFormats = 0
        var failures: [String] = []
        // Pillow's names for the formats decoded beside JPEG and PNG: every such fixture Pillow
        // decodes must decode here too (the JPEG/PNG refusals are DecodeTests' business).
        let newFormats: Set<String> = ["GIF", "BMP", "TIFF", "WEBP"]
        for name in raw.keys.sorted() where name != "versions" {
            let entry = try JSONSerialization.data(withJSONObject: raw[name] ?? [:])
            guard let expected = try? JSONDecoder().decode(Expected.self, from: entry),
                  expected.error == nil, let phash = expected.phash, let blockmean = expected.blockmean
            else { continue }
            let path = Self.fixtures.appendingPathComponent("images").appendingPathComponent(name).path
            let image: DecodedImage
            do {
                image = try decoder.decode(path: path)
            } catch {
                if newFormats.contains(expected.format ?? "") { failures.append("\(name): Pillow decodes it, crosshash: \(error)") }
                // Other files the decoder refuses are DecodeTests' business; this test is about hashing.
                continue
            }
            if newFormats.contains(expected.format ?? "") { checkedNewFormats += 1 }
            let got = engine.hash(image)
            if HashFamily.phash.hex(of: got) != phash || HashFamily.blockmean.hex(of: got) != blockmean {
                failures.append("\(name): cpu phash \(HashFamily.phash.hex(of: got)) blockmean \(HashFamily.blockmean.hex(of: got)), expected \(phash) \(blockmean)")
            }
            if image.pixelCount <= 1 << 20 {
                let ref = ReferenceHasher.hash(image)
                if ref != got { failures.append("\(name): ReferenceHasher \(HashFamily.phash.hex(of: ref)) \(HashFamily.blockmean.hex(of: ref)) differs") }
            }
            checked += 1
        }
        XCTAssert(failures.isEmpty, failures.joined(separator: "\n"))
        XCTAssertGreaterThan(checked, 100, "too few fixtures hashed; is Tests/Fixtures complete?")
        XCTAssertGreaterThanOrEqual(checkedNewFormats, 80, "too few GIF/BMP/TIFF/WebP fixtures hashed (images/formats)")
    }
}
