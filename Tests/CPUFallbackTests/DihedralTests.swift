import Foundation
import XCTest
import HashKit
import CPUFallback
import TestSupport

/// Dihedral variants (issue 20) on real pixels: the CPU engine's phash and blockmean variants
/// must be each family's hash of its explicitly transposed working grid (`ReferenceHasher`),
/// its PDQ variants what `pdqhash.compute_dihedral` returned (Tests/Fixtures/expected_pdq.json),
/// and the identity variant the plain hash.
final class DihedralTests: XCTestCase {
    /// Where each of our variants sits in `compute_dihedral`'s list (original, rot90, rot180,
    /// rot270, flipX, flipY, flipPlus1, flipMinus1): Meta's flipX is Pillow's FLIP_TOP_BOTTOM.
    static let metaIndex: [Dihedral: Int] = [
        .identity: 0, .flipH: 5, .flipV: 4, .rot90: 1, .rot180: 2, .rot270: 3, .transpose: 6, .transverse: 7,
    ]

    func testNamesAndGridMapsAreNumpysTransposes() {
        XCTAssertEqual(Dihedral.allCases.map(\.name),
                       ["identity", "flip_h", "flip_v", "rot90", "rot180", "rot270", "transpose", "transverse"])
        for d in Dihedral.allCases { XCTAssertEqual(Dihedral(name: d.name), d) }
        XCTAssertNil(Dihedral(name: "rot45"))
        // numpy on arange(9).reshape(3, 3): a[:, ::-1], a[::-1], rot90 (counter-clockwise, as
        // Pillow's ROTATE_90), ..., a.T, rot90(a, 2).T.
        let grid = Array(0..<9)
        let expected: [Dihedral: [Int]] = [
            .identity: grid,
            .flipH: [2, 1, 0, 5, 4, 3, 8, 7, 6],
            .flipV: [6, 7, 8, 3, 4, 5, 0, 1, 2],
            .rot90: [2, 5, 8, 1, 4, 7, 0, 3, 6],
            .rot180: [8, 7, 6, 5, 4, 3, 2, 1, 0],
            .rot270: [6, 3, 0, 7, 4, 1, 8, 5, 2],
            .transpose: [0, 3, 6, 1, 4, 7, 2, 5, 8],
            .transverse: [8, 5, 2, 7, 4, 1, 6, 3, 0],
        ]
        for d in Dihedral.allCases { XCTAssertEqual(d.transposed(grid, side: 3), expected[d], d.name) }
    }

    /// A DCT coefficient transform equals the DCT of the transposed grid (float, small sizes
    /// where the naive DCT's rounding cannot flip a sign).
    func testTransformedDCTIsTheDCTOfTheTransposedGrid() {
        let side = 6
        var rng = SplitMix64(seed: 7)
        let grid = (0..<(side * side)).map { _ in Double(rng.next() % 256) }
        func dct(_ g: [Double]) -> [Float] {
            var out = [Float](repeating: 0, count: side * side)
            for u in 0..<side {
                for v in 0..<side {
                    var s = 0.0
                    for y in 0..<side {
                        for x in 0..<side {
                            s += g[y * side + x] * cos(Double.pi * Double(u + 1) * Double(2 * y + 1) / Double(2 * side))
                                * cos(Double.pi * Double(v + 1) * Double(2 * x + 1) / Double(2 * side))
                        }
                    }
                    out[u * side + v] = Float(s)
                }
            }
            return out
        }
        let base = dct(grid)
        for d in Dihedral.allCases {
            let direct = dct(d.transposed(grid, side: side))
            let derived = d.transformedDCT(base, side: side, firstFrequency: 1)
            for i in direct.indices { XCTAssertEqual(direct[i], derived[i], accuracy: 1e-2, "\(d) \(i)") }
        }
    }

    func testEveryFixtureVariantIsTheHashOfItsTransposedGrid() throws {
        let fixtures = GoldenFixtureTests.fixtures
        let data = try Data(contentsOf: fixtures.appendingPathComponent("expected_pdq.json"))
        let raw = try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
        let engine = CPUEngine()
        let decoder = ImageDecoder()
        var checked = 0
        var failures: [String] = []
        for name in raw.keys.sorted() where name != "versions" {
            let entry = raw[name] as? [String: Any] ?? [:]
            let expectedPDQ = entry["pdq_dihedral"] as? [String] ?? []
            let path = fixtures.appendingPathComponent("images").appendingPathComponent(name).path
            guard let image = try? decoder.decode(path: path) else { continue }
            let got = try engine.dihedral(image, families: HashFamily.known)
            let plain = engine.hash(image)
            let reference = ReferenceHasher.dihedral(image)
            for family in [HashFamily.phash, .blockmean] {
                if got.variants[family.id] != reference.variants[family.id] {
                    failures.append("\(name) \(family): \(got.hex(family) ?? []) != grid \(reference.hex(family) ?? [])")
                }
                if got.words(family, .identity) != family.words(of: plain) {
                    failures.append("\(name) \(family): identity is not the plain hash")
                }
            }
            let pdq = got.hex(.pdq) ?? []
            let metaOrder = Dihedral.allCases.map { expectedPDQ.indices.contains(Self.metaIndex[$0]!) ? expectedPDQ[Self.metaIndex[$0]!] : "" }
            if pdq != metaOrder { failures.append("\(name) pdq: \(pdq) != \(metaOrder)") }
            checked += 1
        }
        XCTAssert(failures.isEmpty, failures.prefix(20).joined(separator: "\n"))
        XCTAssertGreaterThan(checked, 300, "too few fixtures hashed; is Tests/Fixtures complete?")
    }

    /// The one-pass entry `--dihedral` runs hash with: its hashes are the plain engine's (with
    /// PDQ, as `PDQEngine` adds it, and PDQ's hash and quality what `pdqhash.compute` gave), its
    /// variants `dihedral`'s, for every fixture and for family lists with and without PDQ.
    func testOnePassHashesAndVariantsEqualThePlainEntries() throws {
        let fixtures = GoldenFixtureTests.fixtures
        let data = try Data(contentsOf: fixtures.appendingPathComponent("expected_pdq.json"))
        let raw = try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
        let engine = CPUEngine()
        let withPDQ = PDQEngine(wrapping: engine)
        let decoder = ImageDecoder()
        var checked = 0, sixtyFour = 0
        var failures: [String] = []
        for name in raw.keys.sorted() where name != "versions" {
            let entry = raw[name] as? [String: Any] ?? [:]
            let path = fixtures.appendingPathComponent("images").appendingPathComponent(name).path
            guard let image = try? decoder.decode(path: path) else { continue }
            if image.width == 64 && image.height == 64 { sixtyFour += 1 }
            let both = try engine.hashWithDihedral(image, families: HashFamily.known)
            let plainWithPDQ = try withPDQ.hash([image])[0]
            if both.hashes != plainWithPDQ { failures.append("\(name): hashes differ from the engine's") }
            if HashFamily.pdq.hex(of: both.hashes) != entry["pdq"] as? String || both.hashes.pdqQuality != entry["pdq_quality"] as? Int {
                failures.append("\(name): pdq \(HashFamily.pdq.hex(of: both.hashes)) q\(both.hashes.pdqQuality) != pdqhash's")
            }
            let variants = try engine.dihedral(image, families: HashFamily.known)
            if both.variants != variants { failures.append("\(name): variants differ") }
            // Other family lists on a sample (debug builds are slow), 64x64 pictures always.
            for families in [HashFamily.all, [.pdq], [.phash]] where checked % 16 == 0 || image.width == 64 && image.height == 64 {
                let some = try engine.hashWithDihedral(image, families: families)
                let plain = families.contains(.pdq) ? plainWithPDQ : engine.hash(image)
                if some.hashes != plain { failures.append("\(name) \(families): hashes differ from the engine's") }
                let someVariants = try engine.dihedral(image, families: families)
                if some.variants != someVariants { failures.append("\(name) \(families): variants differ") }
            }
            checked += 1
        }
        XCTAssert(failures.isEmpty, failures.prefix(20).joined(separator: "\n"))
        XCTAssertGreaterThan(checked, 300, "too few fixtures hashed; is Tests/Fixtures complete?")
        XCTAssertGreaterThan(sixtyFour, 0, "no 64x64 fixture (edge/square_64.png)")
    }

    /// The dihedral entry has no 64x64 shortcut: a 64x64 picture is box-filtered, so its
    /// identity can differ from `compute`'s hash. Vectors from `pdqhash` 0.2.8: pixel (x, y, c) =
    /// `(x + 3y + c) % 256` and `(6x + 8y + 6c + 5 ((x y) % 2)) % 256`, RGB; variants in Meta's order.
    func testSixtyFourSquarePicturesFollowTheDihedralEntry() throws {
        let cases: [((Int, Int, Int) -> Int, String, [String])] = [
            ({ x, y, c in x + 3 * y + c }, "77ca1d79eeae811533316bada0ec9e237449246c27d52d88be07d412fa3bae90", [
                "220fd43fccaf8937d57767af8ce4de228c6034c02c61258108c7fcb7b83fab18",
                "7b87127ba4f7b6b933bf100b854123ce3e5c21177fe627d8e40301f1fd0e03c1",
                "322a7fd5bbfa235d82a2cd45d9b17488b9359c4a7924872b5d92561ded6a01b2",
                "2ed2b8d1f1a21c1366eabaa1f81489446b098bbdaab38d72b156ab5ba85ba96b",
                "677f2a80eeaf7608d7f798108ce421ddec60c91f2c71d27e08c70348b83f54e7",
                "320a802ab9fadca280a232bad9b18b77b93563b5782478d45d92a9e2ed6afe4d",
                "7b876d048477494633af6ff485011c11265c0ae87fa65807e403fe0efd0efc3e",
                "2ed2472ef1a2e3ec66ea455ef81476bb6b097442aab3728db15654a4a85b5694",
            ]),
            ({ x, y, c in 6 * x + 8 * y + 6 * c + 5 * ((x * y) % 2) },
             "faa29174ffff1166ff151224ffff1234fdea1004fffd1006eeac0000f6ee0000", [
                "faa29174ffff1166ff151224ffbf1234fde21004ff5f1006eefd0000db6f0000",
                "ea2a5d552888220f888aff5faf0aa77da288af75f78ab6d7022a88a51012ddfd",
                "8fd53bde8160bbccea40b88e06f0b89e28b5baae0104baacbfa9aaaa9e3aaaaa",
                "1d5dd5dd5d5d8085dd5d55d5585f0dd555dd05dd00dd1455555d000f45455555",
                "58006e8b0000ee99ab00eddb0000edcb55e0effb0000eff9eaecffff0204ffff",
                "8ff5c421b7f04433ee45477197f8476128b54551814d4553bfa955559e3a5555",
                "eaaaaaaaaaa8fff2aaaa2aa8af2a7aa2a28870aaf78a6b28222a7f7ab2b22a2a",
                "bd5f08005ddd555adddf820ada5ff028d7ddfa0022dfc382555fd5f045478088",
            ]),
        ]
        func hex(_ h: Hash256) -> String { HashFamily.pdq.hex([h.words[0], h.words[1], h.words[2], h.words[3]]) }
        for (formula, computeHex, meta) in cases {
            var pixels = [UInt8]()
            for y in 0..<64 { for x in 0..<64 { for c in 0..<3 { pixels.append(UInt8(formula(x, y, c) % 256)) } } }
            let image = DecodedImage(width: 64, height: 64, layout: .rgb, pixels: pixels)
            XCTAssertEqual(hex(try PDQ.hash(image).hash), computeHex)
            let got = try PDQ.dihedral(image).variants.map(hex)
            XCTAssertEqual(got, Dihedral.allCases.map { meta[Self.metaIndex[$0]!] })
            // The one-pass entry keeps both: compute's hash and quality, the dihedral entry's variants.
            let both = try PDQ.hashAndDihedral(image)
            XCTAssertEqual(hex(both.hash), computeHex)
            XCTAssertEqual(both.quality, try PDQ.hash(image).quality)
            XCTAssertEqual(both.variants.map(hex), got)
            XCTAssertNotEqual(both.variants[0], both.hash, "the vector should tell the two entries apart")
        }
        let small = DecodedImage(width: 4, height: 64, layout: .gray, pixels: [UInt8](repeating: 9, count: 256))
        XCTAssertEqual(try PDQ.dihedral(small).variants, Array(repeating: Hash256(), count: 8))
        let smallBoth = try PDQ.hashAndDihedral(small)
        XCTAssertEqual(smallBoth.hash, Hash256())
        XCTAssertEqual(smallBoth.quality, 0)
        XCTAssertEqual(smallBoth.variants, Array(repeating: Hash256(), count: 8))
    }
}
