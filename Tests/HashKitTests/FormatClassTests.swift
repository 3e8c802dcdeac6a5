import Foundation
import XCTest
@testable import HashKit

/// The GIF / BMP / TIFF / WebP classes of issue 19, one test each: TIFF orientation, damaged
/// files, BMP palettes past 256 entries and overflowing TIFF RowsPerStrip. The fixtures are
/// written by scripts/make_format_corpus.py (formats/tiff_orientation, formats/damaged_classes)
/// and Pillow's view of them is in expected.json.
final class FormatClassTests: XCTestCase {
    static func decoded(_ name: String) throws -> DecodedImage {
        try ImageDecoder().decode(path: DecodeTests.path(name))
    }

    /// Pillow's ImageOps.exif_transpose of an RGB picture, written out pixel by pixel.
    static func transposed(_ image: DecodedImage, orientation: Int) -> (width: Int, height: Int, pixels: [UInt8]) {
        let w = image.width, h = image.height
        let swap = orientation >= 5
        let ow = swap ? h : w, oh = swap ? w : h
        var out = [UInt8](repeating: 0, count: image.pixels.count)
        let c = image.layout == .rgb ? 3 : 1
        for y in 0..<h {
            for x in 0..<w {
                let (ox, oy): (Int, Int)
                switch orientation {
                case 2: (ox, oy) = (w - 1 - x, y)
                case 3: (ox, oy) = (w - 1 - x, h - 1 - y)
                case 4: (ox, oy) = (x, h - 1 - y)
                case 5: (ox, oy) = (y, x)
                case 6: (ox, oy) = (h - 1 - y, x)
                case 7: (ox, oy) = (h - 1 - y, w - 1 - x)
                case 8: (ox, oy) = (y, w - 1 - x)
                default: (ox, oy) = (x, y)
                }
                for k in 0..<c { out[(oy * ow + ox) * c + k] = image.pixels[(y * w + x) * c + k] }
            }
        }
        return (ow, oh, out)
    }

    /// Every layout written with Orientation 1..8 decodes as its Orientation-1 picture turned the
    /// way Pillow turns it (width and height swapped for 5..8), and as Pillow's own pixels.
    func testTIFFOrientationIsAppliedAsPillowDoes() throws {
        let expected = Dictionary(uniqueKeysWithValues: try DecodeTests.expectations())
        for layout in ["RGB_raw", "L_lzw", "P_deflate", "1_packbits", "tiffcp_tiled", "tiffcp_separate"] {
            let upright = try Self.decoded("formats/tiff_orientation/grad_o1_\(layout).tif")
            XCTAssertEqual([upright.width, upright.height], [45, 29], layout)
            for orientation in 1...8 {
                let name = "formats/tiff_orientation/grad_o\(orientation)_\(layout).tif"
                let image = try Self.decoded(name)
                let want = Self.transposed(upright, orientation: orientation)
                XCTAssertEqual([image.width, image.height], [want.width, want.height], name)
                XCTAssertEqual(image.pixels, want.pixels, name)
                XCTAssertEqual(Checksum.crc32(DecodeTests.rgbBytes(image)), expected[name]?.rgb_crc32, name)
            }
        }
        // no tag 274, the orientation only in the XMP packet: Pillow reads it from there
        let xmp = try Self.decoded("formats/tiff_orientation/grad_xmp_o6.tif")
        let want = Self.transposed(try Self.decoded("formats/tiff/grad_pil_RGB_raw.tif"), orientation: 6)
        XCTAssertEqual([xmp.width, xmp.height], [want.width, want.height])
        XCTAssertEqual(xmp.pixels, want.pixels)
    }

    /// Cut and overwritten files of every format: refused exactly where Pillow refuses, and the
    /// files both read give Pillow's pixels (so nothing damaged is hashed as a blank picture).
    func testDamagedFilesAreRefusedWherePillowRefuses() throws {
        var refused = 0, decoded = 0
        var failures: [String] = []
        for (name, expected) in try DecodeTests.expectations() where name.hasPrefix("formats/damaged_classes/") {
            do {
                let image = try Self.decoded(name)
                if let error = expected.error { failures.append("\(name): decoded, Pillow says \(error)"); continue }
                if Checksum.crc32(DecodeTests.rgbBytes(image)) != expected.rgb_crc32 { failures.append("\(name): pixels differ from Pillow's") }
                decoded += 1
            } catch {
                if expected.error == nil { failures.append("\(name): \(error), Pillow reads it") }
                refused += 1
            }
        }
        XCTAssert(failures.isEmpty, failures.joined(separator: "\n"))
        XCTAssertGreaterThan(refused, 40)
        XCTAssertGreaterThan(decoded, 20)
    }

    /// A BMP palette of more than 256 entries: Pillow's "invalid palette size"; 256 still reads.
    func testBMPPalettePast256EntriesIsRefused() throws {
        for (bits, colors) in [(1, 257), (4, 257), (8, 257), (8, 300)] {
            let name = "formats/damaged_classes/grad_bmp_\(bits)bit_\(colors)colors.bmp"
            XCTAssertThrowsError(try Self.decoded(name), name) { error in
                XCTAssert("\(error)".contains("more than the 256"), "\(name): \(error)")
            }
        }
        for bits in [4, 8] { XCTAssertNoThrow(try Self.decoded("formats/damaged_classes/grad_bmp_\(bits)bit_256colors.bmp")) }
    }

    /// RowsPerStrip 0 or past 2^31 in a Pillow-written TIFF: each decodes or is refused as
    /// Pillow does (expected.json).
    func testOverflowingRowsPerStripFollowsPillow() throws {
        let expected = Dictionary(uniqueKeysWithValues: try DecodeTests.expectations())
        for value in ["0", "2147483648", "4294967295"] {
            for comp in ["raw", "tiff_lzw"] {
                let name = "formats/damaged_classes/grad_rowsperstrip_\(value)_\(comp).tif"
                let pillowRefuses = try XCTUnwrap(expected[name], name).error != nil
                XCTAssertEqual((try? Self.decoded(name)) == nil, pillowRefuses, "\(name): Pillow \(expected[name]?.error ?? "reads it")")
            }
        }
    }

    /// 12-bit grey: Pillow opens little-endian MinIsBlack as I;16 (values kept, L = min(v, 255)),
    /// uncompressed, LZW or tiled; big-endian it cannot identify.
    func testTwelveBitGreyTIFFFollowsPillow() throws {
        let expected = Dictionary(uniqueKeysWithValues: try DecodeTests.expectations())
        for variant in ["le", "lzw", "tiled_zip"] {
            let name = "formats/tiff_hand/grad_grey12_\(variant).tif"
            let image = try Self.decoded(name)
            XCTAssertEqual(image.layout, .gray, name)
            XCTAssertEqual(Checksum.crc32(DecodeTests.lBytes(image)), expected[name]?.l_crc32, name)
            XCTAssert(image.pixels.contains(255) && image.pixels.contains { $0 > 0 && $0 < 255 }, "\(name): clamped and kept values")
        }
        XCTAssertThrowsError(try Self.decoded("formats/tiff_hand/grad_grey12_be.tif"))
    }

    /// Separate planes with an unspecified extra sample: compressed, Pillow reads only the planes
    /// it needs (the extra one may have StripByteCounts 0); uncompressed, it cannot open them.
    func testPlanarTIFFWithUnspecifiedExtraPlaneFollowsPillow() throws {
        let expected = Dictionary(uniqueKeysWithValues: try DecodeTests.expectations())
        for kind in ["rgb", "grey"] {
            for extra in ["empty", "full"] {
                let deflate = "formats/tiff_hand/grad_planar_\(kind)_extra_\(extra)_deflate.tif"
                let image = try Self.decoded(deflate)
                XCTAssertEqual(Checksum.crc32(DecodeTests.rgbBytes(image)), expected[deflate]?.rgb_crc32, deflate)
                XCTAssertThrowsError(try Self.decoded("formats/tiff_hand/grad_planar_\(kind)_extra_\(extra)_raw.tif"))
            }
        }
    }
}
