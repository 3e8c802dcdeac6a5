import Analysis
import CCodecs
import Foundation
import HashKit

/// JPEG encoding through libjpeg-turbo (the C shim catches libjpeg's longjmp errors).
enum JPEGEncoder {
    static func encode(pixels: [UInt8], width: Int, height: Int, channels: Int, quality: Int) throws -> [UInt8] {
        var out: UnsafeMutablePointer<UInt8>?
        var size: UInt = 0
        var message = [CChar](repeating: 0, count: 256)
        let rc = pixels.withUnsafeBufferPointer { px in
            ccodecs_jpeg_encode(px.baseAddress, Int32(width), Int32(height), Int32(channels), Int32(quality),
                                &out, &size, &message, message.count)
        }
        guard rc == 0, let buffer = out else {
            let text = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw ReportError.drawing(path: "thumbnail", reason: "JPEG encoding failed: \(text)")
        }
        defer { ccodecs_jpeg_free(buffer) }
        return Array(UnsafeBufferPointer(start: buffer, count: Int(size)))
    }
}

/// Shrinks pixels by area averaging: each output pixel is the mean of the source area it
/// covers, partial pixels weighted by coverage. Never enlarges.
enum AreaDownscale {
    static func fit(_ image: DecodedImage, longestSide: Int) -> (pixels: [UInt8], width: Int, height: Int) {
        let longest = max(image.width, image.height)
        guard longest > longestSide else { return (image.pixels, image.width, image.height) }
        let scale = Double(longestSide) / Double(longest)
        let outW = max(1, Int((Double(image.width) * scale).rounded()))
        let outH = max(1, Int((Double(image.height) * scale).rounded()))
        let ch = image.layout.channels
        let wx = weights(from: image.width, to: outW), wy = weights(from: image.height, to: outH)

        // Rows first (width shrinks), then columns; Float sums are ample for 8-bit averages.
        var rows = [Float](repeating: 0, count: outW * image.height * ch)
        image.pixels.withUnsafeBufferPointer { src in
            for y in 0..<image.height {
                let srcRow = y * image.width * ch, dstRow = y * outW * ch
                for (ox, taps) in wx.enumerated() {
                    for c in 0..<ch {
                        var sum: Float = 0
                        for tap in taps { sum += Float(src[srcRow + tap.index * ch + c]) * tap.weight }
                        rows[dstRow + ox * ch + c] = sum
                    }
                }
            }
        }
        var out = [UInt8](repeating: 0, count: outW * outH * ch)
        for (oy, taps) in wy.enumerated() {
            for i in 0..<(outW * ch) {
                var sum: Float = 0
                for tap in taps { sum += rows[tap.index * outW * ch + i] * tap.weight }
                out[oy * outW * ch + i] = UInt8(max(0, min(255, sum.rounded())))
            }
        }
        return (out, outW, outH)
    }

    struct Tap {
        var index: Int
        var weight: Float
    }

    /// For each output position, the source positions it covers and their normalised weights.
    static func weights(from n: Int, to m: Int) -> [[Tap]] {
        let span = Double(n) / Double(m)
        return (0..<m).map { o in
            let start = Double(o) * span, end = min(Double(n), Double(o + 1) * span)
            var taps = [Tap]()
            var i = Int(start.rounded(.down))
            while Double(i) < end && i < n {
                let covered = min(end, Double(i + 1)) - max(start, Double(i))
                if covered > 1e-9 { taps.append(Tap(index: i, weight: Float(covered / span))) }
                i += 1
            }
            return taps
        }
    }
}

/// The thumbnail file names of the reported images: the key's base name with `.jpg`, prefixed
/// with the dataset name (`ArtDL_Q20173413.jpg`) when the same base name occurs in several
/// datasets. Characters that are unsafe in file names or links become `_`; a name still taken
/// (same base name twice in one dataset, or names equal up to case, which collide on macOS
/// and Windows) gets `_2`, `_3`, ... in image order, so the naming is deterministic.
enum ThumbnailNames {
    static func assign(_ refs: [ImageRef], datasetNames: [String]) -> [ImageRef: String] {
        let sorted = Array(Set(refs)).sorted()
        let stems = sorted.map { safe(FileKeyDisplay.withoutExtension(FileKeyDisplay.baseName($0.key.display))) }
        var datasetsByStem = [String: Set<Int>]()
        for (ref, stem) in zip(sorted, stems) { datasetsByStem[stem.lowercased(), default: []].insert(ref.dataset) }
        var taken = Set<String>()
        var names = [ImageRef: String]()
        for (ref, stem) in zip(sorted, stems) {
            let shared = (datasetsByStem[stem.lowercased()]?.count ?? 0) > 1
            let dataset = ref.dataset < datasetNames.count ? datasetNames[ref.dataset] : "dataset\(ref.dataset)"
            let base = shared ? safe(dataset) + "_" + stem : stem
            var candidate = base
            var n = 2
            while taken.contains(candidate.lowercased()) {
                candidate = "\(base)_\(n)"
                n += 1
            }
            taken.insert(candidate.lowercased())
            names[ref] = candidate + ".jpg"
        }
        return names
    }

    /// Letters, digits, `-`, `_` and `.` stay; anything else becomes `_`. Not starting with a
    /// dot (hidden file), at most 120 characters (file systems allow 255 bytes).
    static func safe(_ s: String) -> String {
        var out = String(String.UnicodeScalarView(s.unicodeScalars.map { ch in
            ch.properties.isAlphabetic || ch.properties.numericType != nil || ch == "-" || ch == "_" || ch == "." ? ch : "_"
        }))
        if out.hasPrefix(".") { out = "_" + out.dropFirst() }
        if out.count > 120 { out = String(out.prefix(120)) }
        return out.isEmpty ? "image" : out
    }
}

/// Writes the JPEG thumbnails of the reported images into OUT/examples. An image that cannot be
/// read or decoded gets a grey "no preview" picture under its name, so the reports' links
/// always resolve and one bad file never stops the report.
struct ThumbnailWriter {
    static let longestSide = 256
    static let quality = 85
    var decoder = ImageDecoder()

    /// Returns how many thumbnails fell back to the placeholder.
    @discardableResult
    func write(_ names: [ImageRef: String], datasets: [DatasetResult], to folder: String) throws -> Int {
        try AtomicFile.makeFolder(folder)
        let jobs = names.sorted { $0.key < $1.key }
        let placeholder = Self.placeholder()
        let lock = NSLock()
        var failures = 0
        var writeError: Error?
        DispatchQueue.concurrentPerform(iterations: jobs.count) { i in
            let (ref, name) = jobs[i]
            let bytes: [UInt8]
            if ref.dataset < datasets.count, let jpeg = try? thumbnail(datasets[ref.dataset].pathBytes(for: ref.key)) {
                bytes = jpeg
            } else {
                bytes = placeholder
                lock.lock(); failures += 1; lock.unlock()
            }
            let path = folder + "/" + name
            if !FileManager.default.createFile(atPath: path, contents: Data(bytes)) {
                lock.lock()
                writeError = ReportError.cannotWrite(path: path, reason: "the file could not be created")
                lock.unlock()
            }
        }
        if let writeError { throw writeError }
        return failures
    }

    func thumbnail(_ pathBytes: [UInt8]) throws -> [UInt8] {
        let image = try decoder.decodePreview(pathBytes: pathBytes, minSide: Self.longestSide)
        let small = AreaDownscale.fit(image, longestSide: Self.longestSide)
        return try JPEGEncoder.encode(pixels: small.pixels, width: small.width, height: small.height,
                                      channels: image.layout.channels, quality: Self.quality)
    }

    /// A grey picture saying the preview is missing (the reason is in the logs / errors.json).
    static func placeholder() -> [UInt8] {
        let w = 256, h = 192
        let rgb = Figure.renderRGB(width: w, height: h) { canvas in
            canvas.fillRect(x: 0, y: 0, w: Double(w), h: Double(h), color: Color(hex: 0xe6e6e6))
            canvas.strokeRect(x: 0.5, y: 0.5, w: Double(w) - 1, h: Double(h) - 1, color: Color(hex: 0xaaaaaa))
            canvas.text("no preview", x: Double(w) / 2, y: Double(h) / 2 + 6, size: 20, bold: true, align: .center, color: .muted)
        } ?? [UInt8](repeating: 0xe6, count: w * h * 3)
        return (try? JPEGEncoder.encode(pixels: rgb, width: w, height: h, channels: 3, quality: quality)) ?? []
    }
}
