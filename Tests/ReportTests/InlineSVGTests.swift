import Foundation
import HashKit
import XCTest
@testable import Report

/// The byte-level replacement the HTML report inlines charts with, against Foundation's
/// `replacingOccurrences` (what it replaced) as the oracle.
final class InlineSVGTests: XCTestCase {
    func testReplacingEqualsFoundationOnRandomText() {
        var rng = SplitMix64(seed: 42)
        let alphabet = Array("ab<#\"=".utf8)
        for _ in 0..<2_000 {
            let text = String(decoding: (0..<rng.below(40)).map { _ in alphabet[rng.below(alphabet.count)] }, as: UTF8.self)
            let pattern = String(decoding: (0..<(1 + rng.below(3))).map { _ in alphabet[rng.below(alphabet.count)] }, as: UTF8.self)
            let replacement = ["", "x", "#p-", pattern + pattern][rng.below(4)]
            XCTAssertEqual(String(decoding: Text.replacing(pattern, with: replacement, in: Array(text.utf8)), as: UTF8.self),
                           text.replacingOccurrences(of: pattern, with: replacement), "\(text) / \(pattern) / \(replacement)")
        }
    }

    func testInlinedChartDropsThePrologueAndNamespacesAndPrefixesEveryReference() throws {
        let svg = """
        <?xml version="1.0" encoding="UTF-8"?>
        <svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="10" height="10">
        <defs><g id="glyph-0-1"><path d="M 0 0"/></g><clipPath id="clip-0"><rect/></clipPath></defs>
        <use xlink:href="#glyph-0-1" x="1"/><g clip-path="url(#clip-0)"/>
        </svg>

        """
        let inlined = HTMLReport.inlineSVG(svg, idPrefix: "c01-")
        XCTAssertEqual(inlined, """
        <svg width="10" height="10">
        <defs><g id="c01-glyph-0-1"><path d="M 0 0"/></g><clipPath id="c01-clip-0"><rect/></clipPath></defs>
        <use xlink:href="#c01-glyph-0-1" x="1"/><g clip-path="url(#c01-clip-0)"/>
        </svg>
        """)
        XCTAssertEqual(HTMLReport.inlineSVG("no chart here", idPrefix: "p-"), "<p class=\"note\">(chart missing)</p>")
    }
}
