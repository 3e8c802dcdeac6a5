import Foundation
import XCTest
@testable import HashKit

/// `DecodedImage.transposed(by:)` (verification turns a pair's first picture with it) against
/// Pillow's `Image.transpose`: each copy in Tests/Fixtures/dihedral/turned was made by Pillow from
/// the picture in orig/ and saved losslessly, so turning the decoded original must give the
/// copy's pixels exactly, width and height swapped for the quarter turns.
final class DihedralTransposeTests: XCTestCase {
    static let dir = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures/dihedral")

    func testTransposedPixelsEqualPillowsTranspose() throws {
        let data = try Data(contentsOf: Self.dir.appendingPathComponent("expected.json"))
        let doc = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let pairs = try XCTUnwrap(doc["pairs"] as? [[String: Any]])
        XCTAssertFalse(pairs.isEmpty)
        let decoder = ImageDecoder()
        for p in pairs {
            let a = try XCTUnwrap(p["a"] as? String), b = try XCTUnwrap(p["b"] as? String)
            let d = try XCTUnwrap(Dihedral(name: p["transform"] as? String ?? ""), "\(p)")
            let orig = try decoder.decode(pathBytes: Array(Self.dir.appendingPathComponent("orig/" + a).path.utf8))
            let copy = try decoder.decode(pathBytes: Array(Self.dir.appendingPathComponent("turned/" + b).path.utf8))
            let turned = orig.transposed(by: d)
            XCTAssertEqual(turned.width, copy.width, b)
            XCTAssertEqual(turned.height, copy.height, b)
            XCTAssertEqual(turned.layout, copy.layout, b)
            XCTAssertTrue(turned.pixels == copy.pixels, "\(b): transposed(by: \(d)) differs from Pillow's")
            // And the picture is not symmetric: the turn does change it.
            XCTAssertFalse(orig.pixels == copy.pixels && orig.width == copy.width, b)
        }
        // Every variant, on a non-square picture: its inverse brings it back.
        let inverse: [Dihedral: Dihedral] = [.identity: .identity, .flipH: .flipH, .flipV: .flipV, .rot90: .rot270,
                                             .rot180: .rot180, .rot270: .rot90, .transpose: .transpose, .transverse: .transverse]
        let orig = try decoder.decode(pathBytes: Array(Self.dir.appendingPathComponent("orig/calla.png").path.utf8))
        for d in Dihedral.allCases {
            let back = orig.transposed(by: d).transposed(by: inverse[d]!)
            XCTAssertTrue(back.pixels == orig.pixels && back.width == orig.width, "\(d)")
        }
    }
}
