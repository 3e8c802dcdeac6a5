import XCTest
import Foundation
import CCodecs
import HashKit
#if canImport(Glibc)
import Glibc
#endif

/// Issue 16: any image within `--max-pixels` costs at most 4 bytes a pixel + 100 MB of resident
/// memory in `crosshash hash`, with hashes unchanged. Large pictures (5000 x 5000, 25M pixels:
/// 200 MB allowed) are written here in each format, by hand or with the libraries the codecs
/// link, and hashed by a child `crosshash hash` whose own peak (wait4) is compared with its peak
/// for a tiny picture. Every lossless file holds the same pixels as a PNG, so its hashes must be
/// the PNG's. Before the fix, TIFF held its whole sample buffer beside the output (16-bit RGB:
/// about 10 bytes a pixel, ~250 MB here). Lossless WebP is the documented exception (libwebp
/// keeps the image as 32-bit ARGB: 7 bytes a pixel, `ImageHeader.decodeBytesPerPixel`); it is
/// held to that figure. Memory is asserted only outside AddressSanitizer.
///
/// The child's peak is its own VmHWM, polled while it runs: wait4's ru_maxrss would not do here,
/// because Linux carries the spawning process's peak into the child across exec (through
/// posix_spawn's shared address space), and this test process holds the pictures it wrote.
final class DecoderMemoryTests: XCTestCase {
    /// Under AddressSanitizer (no memory figure asserted) a smaller picture keeps the pass quick.
    static var side: Int { ProcStatus.underASan ? 1500 : 5000 }
    var dir = ""

    override func setUpWithError() throws { dir = try E2E.tempDir("decmem") }
    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    var checksMemory: Bool { !ProcStatus.underASan }

    func testLargePicturesOfEveryFormatStayWithinFourBytesAPixel() throws {
        let w = Self.side, h = Self.side
        let picture = Picture(width: w, height: h)
        let zlib = try Zlib()
        var files: [(name: String, bytes: [UInt8], sameAsPNG: Bool)] = []
        files.append(("reference.png", try picture.png(zlib), true))
        files.append(("strips.tif", try picture.tiff(zlib, bits: 8, rowsPerStrip: 16), true))
        files.append(("one_strip.tif", try picture.tiff(zlib, bits: 8, rowsPerStrip: h), true))
        files.append(("rgb16.tif", try picture.tiff(zlib, bits: 16, rowsPerStrip: 8), true))
        files.append(("index.gif", picture.gif(), true))
        files.append(("rgb.bmp", picture.bmp(), true))
        if let jpeg = picture.jpeg() { files.append(("rgb.jpg", jpeg, false)) }
        let webp = WebPEncoder()
        if let lossy = webp?.lossy(picture) { files.append(("lossy.webp", lossy, false)) }

        // YCbCr (Deflate, not JPEG) goes through libtiff's RGBA interface. Grey pixels (Cb = Cr =
        // 128) come back as R = G = B = Y, so its reference is the PNG of that grey picture.
        let grey = Picture(width: w, height: h, grey: true)
        files.append(("grey_reference.png", try grey.png(zlib), false))
        files.append(("ycbcr.tif", try grey.tiff(zlib, bits: 8, rowsPerStrip: 16, ycbcr: true), false))

        let tiny = dir + "/tiny.png"
        try Data(try Picture(width: 4, height: 4).png(zlib)).write(to: URL(fileURLWithPath: tiny))
        let base = try ProcStatus.spawnMeasured(["hash", "--device", "cpu", "--json", tiny], out: dir + "/tiny.json")
        XCTAssertEqual(base.status, 0)
        let budget = 4 * w * h + 100_000_000

        var hashes: [String: (phash: String, blockmean: String)] = [:]
        for file in files {
            let path = dir + "/" + file.name
            try Data(file.bytes).write(to: URL(fileURLWithPath: path))
            let run = try ProcStatus.spawnMeasured(["hash", "--device", "cpu", "--json", path],
                                                               out: path + ".json")
            try? FileManager.default.removeItem(atPath: path)
            XCTAssertEqual(run.status, 0, "crosshash hash \(file.name)")
            let result = try ThinImageEndToEndTests.hashes(Data(contentsOf: URL(fileURLWithPath: path + ".json")))
            XCTAssertNotNil(result, "\(file.name) gives hashes")
            hashes[file.name] = result
            print("\(file.name): \((run.peakBytes - base.peakBytes) >> 20) MiB above a tiny picture (budget \(budget >> 20) MiB)")
            if checksMemory {
                XCTAssertLessThanOrEqual(run.peakBytes - base.peakBytes, budget,
                                         "\(file.name) (\(w)x\(h)): peak \(run.peakBytes >> 20) MiB, tiny \(base.peakBytes >> 20) MiB")
            }
            if file.sameAsPNG, let result, let png = hashes["reference.png"] {
                XCTAssertEqual(result.phash, png.phash, "\(file.name): same pixels as the PNG, same phash")
                XCTAssertEqual(result.blockmean, png.blockmean, "\(file.name): same pixels as the PNG, same blockmean")
            }
        }
        XCTAssertEqual(hashes["ycbcr.tif"]?.phash, hashes["grey_reference.png"]?.phash, "YCbCr grey = the grey PNG")
        XCTAssertEqual(hashes["ycbcr.tif"]?.blockmean, hashes["grey_reference.png"]?.blockmean, "YCbCr grey = the grey PNG")
    }

    /// Lossless WebP cannot meet 4 bytes a pixel with libwebp; it must stay within the figure its
    /// header reports (3 output + 4 working bytes a pixel) and hash as the same pixels in PNG.
    /// 2048 x 2048: libwebp's lossless encoder is slow.
    func testLosslessWebPStaysWithinItsReportedCost() throws {
        guard let webp = WebPEncoder() else { throw XCTSkip("libwebp.so.7 not loadable") }
        let picture = Picture(width: 2048, height: 2048)
        let zlib = try Zlib()
        guard let lossless = webp.lossless(picture) else { return XCTFail("libwebp could not encode") }
        let header = try ImageDecoder.probe(data: lossless)
        XCTAssertEqual(header.decodeBytesPerPixel, 7)
        XCTAssertGreaterThan(header.budgetPixels, header.width * header.height)

        let tiny = dir + "/tiny.png", png = dir + "/same.png", path = dir + "/lossless.webp"
        try Data(try Picture(width: 4, height: 4).png(zlib)).write(to: URL(fileURLWithPath: tiny))
        try Data(try picture.png(zlib)).write(to: URL(fileURLWithPath: png))
        try Data(lossless).write(to: URL(fileURLWithPath: path))
        let base = try ProcStatus.spawnMeasured(["hash", "--device", "cpu", "--json", tiny], out: dir + "/tiny.json")
        let reference = try ProcStatus.spawnMeasured(["hash", "--device", "cpu", "--json", png], out: png + ".json")
        let run = try ProcStatus.spawnMeasured(["hash", "--device", "cpu", "--json", path], out: path + ".json")
        XCTAssertEqual([base.status, reference.status, run.status], [0, 0, 0])
        let expected = try ThinImageEndToEndTests.hashes(Data(contentsOf: URL(fileURLWithPath: png + ".json")))
        let got = try ThinImageEndToEndTests.hashes(Data(contentsOf: URL(fileURLWithPath: path + ".json")))
        XCTAssertEqual(got?.phash, expected?.phash)
        XCTAssertEqual(got?.blockmean, expected?.blockmean)
        if checksMemory {
            XCTAssertLessThanOrEqual(run.peakBytes - base.peakBytes, header.decodeBytesPerPixel * 2048 * 2048 + 100_000_000)
        }
    }
}

// MARK: Writers

/// A palette picture (256 colours, so GIF holds it exactly) with enough structure for non-trivial
/// hashes: blocks of colour drifting across the picture.
private struct Picture {
    let width: Int
    let height: Int
    let grey: Bool
    /// The pixels as RGB rows, top row first (computed once: the writers all start from them).
    let rgb: [UInt8]

    init(width: Int, height: Int, grey: Bool = false) {
        self.width = width
        self.height = height
        self.grey = grey
        var out = [UInt8](repeating: 0, count: width * height * 3)
        out.withUnsafeMutableBufferPointer { p in
            for y in 0..<height {
                for x in 0..<width {
                    let at = (y * width + x) * 3
                    let c = Self.palette[Self.index(x, y, width, height)]
                    p[at] = c.0; p[at + 1] = grey ? c.0 : c.1; p[at + 2] = grey ? c.0 : c.2
                }
            }
        }
        rgb = out
    }

    static let palette: [(UInt8, UInt8, UInt8)] = (0..<256).map { (i: Int) -> (UInt8, UInt8, UInt8) in
        let green = UInt8((i * 7) & 255)
        return (UInt8(i), green, UInt8(255 - i))
    }

    static func index(_ x: Int, _ y: Int, _ width: Int, _ height: Int) -> Int {
        ((x * 64 / width) * 3 + (y * 48 / height) * 5 + ((x + 2 * y) * 4 / (width + height))) & 255
    }

    func png(_ zlib: Zlib) throws -> [UInt8] {
        var raw = [UInt8](repeating: 0, count: (width * 3 + 1) * height)
        raw.withUnsafeMutableBufferPointer { r in
            rgb.withUnsafeBufferPointer { s in
                for y in 0..<height {
                    let from = y * width * 3, to = y * (width * 3 + 1) + 1
                    for k in 0..<(width * 3) { r[to + k] = s[from + k] }
                }
            }
        }
        var png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        func chunk(_ type: String, _ body: [UInt8]) {
            let typed = Array(type.utf8) + body
            png += be32(body.count) + typed + be32(Int(typed.withUnsafeBufferPointer { cc_crc32(0, $0.baseAddress, $0.count) }))
        }
        chunk("IHDR", be32(width) + be32(height) + [8, 2, 0, 0, 0])
        chunk("IDAT", try zlib.compress(raw))
        chunk("IEND", [])
        return png
    }

    /// Little-endian TIFF, Adobe Deflate strips, RGB (8 or 16 bits a sample) or YCbCr without
    /// subsampling (Y, Cb, Cr = grey, 128, 128).
    func tiff(_ zlib: Zlib, bits: Int, rowsPerStrip: Int, ycbcr: Bool = false) throws -> [UInt8] {
        let sampleBytes = bits / 8, rowBytes = width * 3 * sampleBytes
        var strips: [[UInt8]] = []
        var y = 0
        while y < height {
            let rows = min(rowsPerStrip, height - y)
            var raw = [UInt8](repeating: 0, count: rows * rowBytes)
            raw.withUnsafeMutableBufferPointer { r in
                rgb.withUnsafeBufferPointer { s in
                    for k in 0..<(rows * width * 3) {
                        var v = s[y * width * 3 + k]
                        if ycbcr && k % 3 != 0 { v = 128 }
                        if sampleBytes == 1 { r[k] = v } else { r[2 * k] = v; r[2 * k + 1] = v } // v * 257
                    }
                }
            }
            strips.append(try zlib.compress(raw))
            y += rows
        }
        // Header, then strips, then the arrays the IFD points to, then the IFD.
        var out: [UInt8] = [0x49, 0x49, 42, 0] + le32(0)
        var offsets: [Int] = []
        for s in strips { offsets.append(out.count); out += s }
        let bitsAt = out.count
        out += le16(bits) + le16(bits) + le16(bits)
        let offsetsAt = out.count
        for o in offsets { out += le32(o) }
        let countsAt = out.count
        for s in strips { out += le32(s.count) }
        var entries: [(tag: Int, type: Int, count: Int, value: [UInt8])] = [
            (256, 4, 1, le32(width)), (257, 4, 1, le32(height)), (258, 3, 3, le32(bitsAt)), (259, 3, 1, le16(8) + [0, 0]),
            (262, 3, 1, le16(ycbcr ? 6 : 2) + [0, 0]),
            (273, 4, strips.count, strips.count == 1 ? le32(offsets[0]) : le32(offsetsAt)),
            (277, 3, 1, le16(3) + [0, 0]), (278, 4, 1, le32(rowsPerStrip)),
            (279, 4, strips.count, strips.count == 1 ? le32(strips[0].count) : le32(countsAt)),
            (284, 3, 1, le16(1) + [0, 0]),
        ]
        if ycbcr { entries.append((530, 3, 2, le16(1) + le16(1))) }
        if out.count % 2 == 1 { out.append(0) }
        let ifd = out.count
        out.replaceSubrange(4..<8, with: le32(ifd))
        out += le16(entries.count)
        for e in entries { out += le16(e.tag) + le16(e.type) + le32(e.count) + e.value }
        out += le32(0)
        return out
    }

    /// 24-bit bottom-up BMP.
    func bmp() -> [UInt8] {
        let stride = (width * 3 + 3) & ~3
        var out = [UInt8](repeating: 0, count: 54 + stride * height)
        var head: [UInt8] = [0x42, 0x4D]
        for field in [out.count, 0, 54, 40, width, height] { head += le32(field) }
        head += le16(1) + le16(24)
        for field in [0, stride * height, 2835, 2835, 0, 0] { head += le32(field) }
        out.replaceSubrange(0..<54, with: head)
        out.withUnsafeMutableBufferPointer { o in
            rgb.withUnsafeBufferPointer { s in
                for y in 0..<height {
                    let row = 54 + (height - 1 - y) * stride
                    for x in 0..<width {
                        let from = (y * width + x) * 3
                        o[row + 3 * x] = s[from + 2]; o[row + 3 * x + 1] = s[from + 1]; o[row + 3 * x + 2] = s[from]
                    }
                }
            }
        }
        return out
    }

    /// GIF89a with a 256-colour global palette. The LZW stream never compresses: every pixel is
    /// a literal 9-bit code, with a clear code every 250 literals so the code size never grows.
    func gif() -> [UInt8] {
        var out = Array("GIF89a".utf8) + le16(width) + le16(height) + [0xF7, 0, 0]
        for c in Self.palette { out += [c.0, c.1, c.2] }
        out += [0x2C] + le16(0) + le16(0) + le16(width) + le16(height) + [0, 8]
        var codes = [UInt8]()
        codes.reserveCapacity(width * height * 9 / 8 + 1024)
        var acc: UInt32 = 0, bits = 0
        func emit(_ code: Int) {
            acc |= UInt32(code) << UInt32(bits)
            bits += 9
            while bits >= 8 { codes.append(UInt8(acc & 255)); acc >>= 8; bits -= 8 }
        }
        var sinceClear = 250
        for y in 0..<height {
            for x in 0..<width {
                if sinceClear == 250 { emit(256); sinceClear = 0 }
                emit(Self.index(x, y, width, height))
                sinceClear += 1
            }
        }
        emit(257)
        if bits > 0 { codes.append(UInt8(acc & 255)) }
        var at = 0
        while at < codes.count {
            let n = min(255, codes.count - at)
            out.append(UInt8(n))
            out += codes[at..<at + n]
            at += n
        }
        out += [0, 0x3B]
        return out
    }

    func jpeg() -> [UInt8]? {
        var out: UnsafeMutablePointer<UInt8>?
        var size: UInt = 0
        var message = [CChar](repeating: 0, count: 256)
        let rc = rgb.withUnsafeBufferPointer { p in
            ccodecs_jpeg_encode(p.baseAddress, Int32(width), Int32(height), 3, 90, &out, &size, &message, message.count)
        }
        guard rc == 0, let out else { return nil }
        defer { ccodecs_jpeg_free(out) }
        return Array(UnsafeBufferPointer(start: out, count: Int(size)))
    }
}

private func le16(_ v: Int) -> [UInt8] { [UInt8(v & 255), UInt8(v >> 8 & 255)] }
private func le32(_ v: Int) -> [UInt8] { le16(v & 0xFFFF) + le16(v >> 16 & 0xFFFF) }
private func be32(_ v: Int) -> [UInt8] { [UInt8(v >> 24 & 255), UInt8(v >> 16 & 255), UInt8(v >> 8 & 255), UInt8(v & 255)] }

/// The system zlib (the codecs link it), loaded at run time.
private struct Zlib {
    typealias Compress2 = @convention(c) (UnsafeMutablePointer<UInt8>, UnsafeMutablePointer<UInt>,
                                          UnsafePointer<UInt8>, UInt, Int32) -> Int32
    let compress2: Compress2

    init() throws {
        guard let z = dlopen("libz.so.1", RTLD_NOW), let sym = dlsym(z, "compress2") else {
            throw XCTSkip("libz.so.1 not loadable")
        }
        compress2 = unsafeBitCast(sym, to: Compress2.self)
    }

    func compress(_ raw: [UInt8]) throws -> [UInt8] {
        var packed = [UInt8](repeating: 0, count: raw.count + raw.count / 1000 + 1024)
        var length = UInt(packed.count)
        let rc = packed.withUnsafeMutableBufferPointer { p in
            raw.withUnsafeBufferPointer { r in compress2(p.baseAddress!, &length, r.baseAddress!, UInt(r.count), 1) }
        }
        guard rc == 0 else { throw NSError(domain: "zlib", code: Int(rc)) }
        return Array(packed[0..<Int(length)])
    }
}

/// libwebp's simple encoding calls, loaded at run time (the codecs link libwebp).
private struct WebPEncoder {
    typealias Lossy = @convention(c) (UnsafePointer<UInt8>, Int32, Int32, Int32, Float,
                                      UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>) -> Int
    typealias Lossless = @convention(c) (UnsafePointer<UInt8>, Int32, Int32, Int32,
                                         UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>) -> Int
    typealias Free = @convention(c) (UnsafeMutableRawPointer?) -> Void
    let encodeRGB: Lossy
    let encodeLosslessRGB: Lossless
    let free: Free

    init?() {
        guard let lib = dlopen("libwebp.so.7", RTLD_NOW), let a = dlsym(lib, "WebPEncodeRGB"),
              let b = dlsym(lib, "WebPEncodeLosslessRGB"), let c = dlsym(lib, "WebPFree") else { return nil }
        encodeRGB = unsafeBitCast(a, to: Lossy.self)
        encodeLosslessRGB = unsafeBitCast(b, to: Lossless.self)
        free = unsafeBitCast(c, to: Free.self)
    }

    private func take(_ out: UnsafeMutablePointer<UInt8>?, _ size: Int) -> [UInt8]? {
        guard let out, size > 0 else { return nil }
        defer { free(out) }
        return Array(UnsafeBufferPointer(start: out, count: size))
    }

    func lossy(_ p: Picture) -> [UInt8]? {
        let rgb = p.rgb
        var out: UnsafeMutablePointer<UInt8>?
        let size = rgb.withUnsafeBufferPointer { encodeRGB($0.baseAddress!, Int32(p.width), Int32(p.height), Int32(p.width * 3), 75, &out) }
        return take(out, size)
    }

    func lossless(_ p: Picture) -> [UInt8]? {
        let rgb = p.rgb
        var out: UnsafeMutablePointer<UInt8>?
        let size = rgb.withUnsafeBufferPointer { encodeLosslessRGB($0.baseAddress!, Int32(p.width), Int32(p.height), Int32(p.width * 3), &out) }
        return take(out, size)
    }
}
