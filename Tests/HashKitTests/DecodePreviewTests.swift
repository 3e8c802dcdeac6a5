import XCTest
import Foundation
import HashKit

/// Thumbnails decode JPEGs at a reduced DCT scale; hashing must never see those pixels.
final class DecodePreviewTests: XCTestCase {
    let images = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/images")

    func path(_ name: String) -> [UInt8] { Array(images.appendingPathComponent(name).path.utf8) }

    func testLargeJPEGPreviewUsesTheSmallestScaleAtLeastMinSide() throws {
        let decoder = ImageDecoder()
        let full = try decoder.decode(pathBytes: path("large/smooth_9000x7000.jpg"))
        XCTAssertEqual([full.width, full.height], [9000, 7000])
        // 9000 / 8 = 1125 >= 256: libjpeg's 1/8 scale, rounded up.
        let preview = try decoder.decodePreview(pathBytes: path("large/smooth_9000x7000.jpg"), minSide: 256)
        XCTAssertEqual([preview.width, preview.height], [1125, 875])
        // 9000 / 8 < 2000, 9000 / 4 >= 2000: 1/4 scale.
        let bigger = try decoder.decodePreview(pathBytes: path("large/smooth_9000x7000.jpg"), minSide: 2000)
        XCTAssertEqual([bigger.width, bigger.height], [2250, 1750])
        // The preview looks like the picture: mean brightness within a few levels of the full decode.
        // Every 7th byte (7 is prime to the 3 channels), so 190 MB of pixels are summed quickly in debug builds.
        func mean(_ img: DecodedImage) -> Double {
            let sum = stride(from: 0, to: img.pixels.count, by: 7).reduce(0) { $0 + Int(img.pixels[$1]) }
            return Double(sum) / Double((img.pixels.count + 6) / 7)
        }
        XCTAssertEqual(mean(preview), mean(full), accuracy: 3)
    }

    func testSmallJPEGAndPNGPreviewsKeepTheirSize() throws {
        let decoder = ImageDecoder()
        let jpeg = try decoder.decodePreview(pathBytes: path("real/calla.jpg"), minSide: 256)
        XCTAssertEqual([jpeg.width, jpeg.height], [800, 519].map { ($0 + 1) / 2 }, "800 / 2 >= 256, 800 / 4 < 256")
        let png = try decoder.decodePreview(pathBytes: path("real/city.png"), minSide: 256)
        let full = try decoder.decode(pathBytes: path("real/city.png"))
        XCTAssertEqual([png.width, png.height], [full.width, full.height])
        XCTAssertEqual(png.pixels, full.pixels)
    }

    func testPreviewStillReportsBadFiles() {
        XCTAssertThrowsError(try ImageDecoder().decodePreview(pathBytes: path("hostile/truncated_header.jpg"), minSide: 256))
    }
}
