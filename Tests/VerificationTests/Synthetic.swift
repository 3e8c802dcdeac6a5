import Foundation
import HashKit
import TestSupport

/// Synthetic pictures and what collections do to copies of them, for the measure's tests.
struct RGBImage {
    var width: Int
    var height: Int
    /// Interleaved RGB, row-major.
    var px: [Float]

    init(width: Int, height: Int, fill: (Int, Int) -> (Float, Float, Float)) {
        self.width = width
        self.height = height
        px = [Float](repeating: 0, count: width * height * 3)
        for y in 0..<height { for x in 0..<width {
            let (r, g, b) = fill(x, y)
            px[(y * width + x) * 3] = r; px[(y * width + x) * 3 + 1] = g; px[(y * width + x) * 3 + 2] = b
        } }
    }

    func at(_ x: Int, _ y: Int) -> (Float, Float, Float) {
        let i = (y * width + x) * 3
        return (px[i], px[i + 1], px[i + 2])
    }

    /// A deterministic "photograph": smooth colour gradients, overlapping shapes of several
    /// sizes and a fine texture, so it has structure at every scale.
    static func scene(seed: UInt64, width: Int = 480, height: Int = 360) -> RGBImage {
        var rng = SplitMix64(seed: seed)
        struct Shape { var cx, cy, rx, ry: Float; var colour: (Float, Float, Float); var disk: Bool }
        let shapes = (0..<14).map { _ in
            Shape(cx: rng.unit() * Float(width), cy: rng.unit() * Float(height),
                  rx: 10 + rng.unit() * Float(width) / 4, ry: 10 + rng.unit() * Float(height) / 4,
                  colour: (rng.unit() * 255, rng.unit() * 255, rng.unit() * 255), disk: rng.unit() < 0.5)
        }
        let base = (rng.unit() * 200, rng.unit() * 200, rng.unit() * 200)
        let fx = 0.02 + rng.unit() * 0.05, fy = 0.02 + rng.unit() * 0.05
        return RGBImage(width: width, height: height) { x, y in
            let gx = Float(x) / Float(width), gy = Float(y) / Float(height)
            var c = (base.0 + 50 * gx, base.1 + 50 * gy, base.2 + 30 * (gx - gy))
            for s in shapes {
                let dx = (Float(x) - s.cx) / s.rx, dy = (Float(y) - s.cy) / s.ry
                let inside = s.disk ? dx * dx + dy * dy < 1 : abs(dx) < 1 && abs(dy) < 1
                if inside { c = (0.3 * c.0 + 0.7 * s.colour.0, 0.3 * c.1 + 0.7 * s.colour.1, 0.3 * c.2 + 0.7 * s.colour.2) }
            }
            let t = 12 * sin(Float(x) * fx * 7) * cos(Float(y) * fy * 7)
            return (c.0 + t, c.1 + t, c.2 + t)
        }
    }

    /// Area resize to `w` × `h`.
    func resized(_ w: Int, _ h: Int) -> RGBImage {
        RGBImage(width: w, height: h) { ox, oy in
            let x0 = ox * width / w, x1 = max(x0 + 1, (ox + 1) * width / w)
            let y0 = oy * height / h, y1 = max(y0 + 1, (oy + 1) * height / h)
            var s: (Float, Float, Float) = (0, 0, 0)
            for y in y0..<y1 { for x in x0..<x1 { let p = at(x, y); s.0 += p.0; s.1 += p.1; s.2 += p.2 } }
            let k = 1 / Float((x1 - x0) * (y1 - y0))
            return (s.0 * k, s.1 * k, s.2 * k)
        }
    }

    /// Crops `fraction` of the width and height from every side.
    func cropped(_ fraction: Double) -> RGBImage {
        let dx = Int(Double(width) * fraction), dy = Int(Double(height) * fraction)
        return RGBImage(width: width - 2 * dx, height: height - 2 * dy) { x, y in at(x + dx, y + dy) }
    }

    /// Pillow's ImageEnhance: brightness scales, contrast moves away from the mean grey.
    func toned(brightness: Float, contrast: Float) -> RGBImage {
        var mean: Float = 0
        for i in stride(from: 0, to: px.count, by: 3) { mean += 0.299 * px[i] + 0.587 * px[i + 1] + 0.114 * px[i + 2] }
        mean = mean / Float(width * height) * brightness
        return RGBImage(width: width, height: height) { x, y in
            let p = at(x, y)
            func f(_ v: Float) -> Float { mean + contrast * (v * brightness - mean) }
            return (f(p.0), f(p.1), f(p.2))
        }
    }

    /// Luma in all three channels.
    func greyed() -> RGBImage {
        RGBImage(width: width, height: height) { x, y in
            let p = at(x, y); let l = 0.299 * p.0 + 0.587 * p.1 + 0.114 * p.2
            return (l, l, l)
        }
    }

    /// Same luma, opposite chroma: the same design in other colours.
    func recoloured() -> RGBImage {
        RGBImage(width: width, height: height) { x, y in
            let p = at(x, y)
            let l = 0.299 * p.0 + 0.587 * p.1 + 0.114 * p.2
            let cb = -(-0.168736 * p.0 - 0.331264 * p.1 + 0.5 * p.2), cr = -(0.5 * p.0 - 0.418688 * p.1 - 0.081312 * p.2)
            return (l + 1.402 * cr, l - 0.344136 * cb - 0.714136 * cr, l + 1.772 * cb)
        }
    }

    /// A different picture in a centred box covering `fraction` of each side (an emblem, a sign).
    func withPatch(_ fraction: Double, seed: UInt64) -> RGBImage {
        let other = RGBImage.scene(seed: seed, width: width, height: height)
        let w = Int(Double(width) * fraction), h = Int(Double(height) * fraction)
        let x0 = (width - w) / 2, y0 = (height - h) / 2
        return RGBImage(width: width, height: height) { x, y in
            (x0..<(x0 + w)).contains(x) && (y0..<(y0 + h)).contains(y) ? other.at(x, y) : at(x, y)
        }
    }

    var bytes: [UInt8] { px.map { UInt8(clamping: Int(max(0, min(255, $0.rounded())))) } }

    var decoded: DecodedImage { DecodedImage(width: width, height: height, layout: .rgb, pixels: bytes) }

    /// Encoded as JPEG at `quality` and decoded again.
    func reencoded(quality: Int32 = 75) throws -> DecodedImage {
        try ImageDecoder().decode(data: jpeg(quality: quality))
    }

    func jpeg(quality: Int32 = 85) -> [UInt8] {
        (try? JPEGEncoder.encode(pixels: bytes, width: width, height: height, channels: 3, quality: Int(quality))) ?? []
    }
}

