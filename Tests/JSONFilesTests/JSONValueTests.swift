import XCTest
@testable import JSONFiles

final class JSONValueTests: XCTestCase {
    func testCanonicalFormMatchesPythonSortedIndent2() {
        // Python: json.dumps({"b": [1, {"z": None, "a": True}], "a": "x", "e": [], "f": {}}, indent=2, sort_keys=True)
        let value = JSONValue.obj([
            ("b", .array([.int(1), .obj([("z", .null), ("a", .bool(true))])])),
            ("a", .str("x")), ("e", .array([])), ("f", .obj([])),
        ])
        let expected = """
        {
          "a": "x",
          "b": [
            1,
            {
              "a": true,
              "z": null
            }
          ],
          "e": [],
          "f": {}
        }

        """
        XCTAssertEqual(value.text, expected)
    }

    func testStringEscapes() {
        let value = JSONValue.str("q\"b\\n\nt\tc\u{01}é/")
        XCTAssertEqual(value.text, "\"q\\\"b\\\\n\\nt\\tc\\u0001é/\"\n")
    }

    func testInvalidUTF8BytesUseSurrogateEscape() {
        // b"caf\xe9.jpg" as Python's os.fsdecode gives "caf\udce9.jpg"; json.dumps writes \udce9.
        let value = JSONValue.string(Array("caf".utf8) + [0xE9] + Array(".jpg".utf8))
        XCTAssertEqual(value.text, "\"caf\\udce9.jpg\"\n")
        // A truncated multi-byte sequence is escaped byte by byte, valid ones pass through.
        XCTAssertEqual(JSONValue.string([0xE2, 0x82]).text, "\"\\udce2\\udc82\"\n")
        XCTAssertEqual(JSONValue.string([0xE2, 0x82, 0xAC]).text, "\"€\"\n")
        // Overlong and surrogate encodings are not valid UTF-8.
        XCTAssertEqual(JSONValue.string([0xC0, 0xAF]).text, "\"\\udcc0\\udcaf\"\n")
        XCTAssertEqual(JSONValue.string([0xED, 0xA0, 0x80]).text, "\"\\udced\\udca0\\udc80\"\n")
    }

    func testKeysSortByCodePoint() {
        let value = JSONValue.obj([("é", .int(1)), ("z", .int(2)), ("Z", .int(3)), ("a/b", .int(4))])
        XCTAssertEqual(value.text, "{\n  \"Z\": 3,\n  \"a/b\": 4,\n  \"z\": 2,\n  \"é\": 1\n}\n")
    }

    func testDoublesPrintLikePython() {
        XCTAssertEqual(JSONValue.double(3).text, "3.0\n")
        XCTAssertEqual(JSONValue.double(0.125).text, "0.125\n")
        XCTAssertEqual(JSONValue.double(.nan).text, "null\n")
    }
}
