import HashKit

/// The synthetic images of ALGORITHMS.md §7, built from their integer formulas.
public enum SpecImages {
    public static func rgb(_ w: Int, _ h: Int, _ f: (Int, Int) -> (Int, Int, Int)) -> DecodedImage {
        var p = [UInt8]()
        p.reserveCapacity(w * h * 3)
        for y in 0..<h {
            for x in 0..<w {
                let (r, g, b) = f(x, y)
                p += [UInt8(r & 255), UInt8(g & 255), UInt8(b & 255)]
            }
        }
        return DecodedImage(width: w, height: h, layout: .rgb, pixels: p)
    }

    public static let a = rgb(97, 61) { x, y in (5 * x + 3 * y, x * y, (x ^ y) * 9) }
    public static let b = rgb(300, 200) { x, y in
        let v = (40..<100).contains(y) && (50..<150).contains(x) ? 20 : 255 * x / 299
        return (v, v, v)
    }
    public static let c = rgb(40, 500) { x, y in (2 * y + 9 * x, 3 * y, 20 * x) }
    public static let d = rgb(64, 48) { _, _ in (128, 128, 128) }
    public static let e = rgb(640, 480) { x, y in
        let dx = x - 320, dy = y - 240
        let r = dx * dx + dy * dy < 150 * 150 ? 255 : 200 * ((x / 20) % 2)
        return (r, 255 * y / 479, 128 + (x * y % 64))
    }
    /// Pass-order regression image: Pillow 13 resizes it vertically first.
    public static let passOrder = rgb(40, 500) { x, y in (7 * x + 11 * y, (x * y / 7) % 256, (x ^ y) * 5) }

    /// (name, image, imagehash phash, cv BlockMeanHash mode 0) from §7.
    public static let vectors: [(String, DecodedImage, String, String)] = [
        ("A", a, "80050e101d7f7f7f", "8020f0f0f8f87cf8767c3a783a783e381e3e1e3f1e1f0e1f0f0f8f8f878fc7c7"),
        ("B", b, "a131cecece3331cc", "00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff"),
        ("C", c, "814b6d4b6d4b654b", "0000fef0bfff0000fce7fce01ce0ffff0002f8e0ffff0000f8c7fef318c0ffff"),
        ("D", d, "8000000000000000", "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"),
        ("E", e, "8a646153365dce5d", "0000000000000000c003e007e00ff00ff00fffffffffffffffffffffffffffff"),
    ]
}
