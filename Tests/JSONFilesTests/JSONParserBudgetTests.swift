import XCTest
@testable import JSONFiles

/// The JSON reader: the inverse of the canonical writer, without recursion, within a budget of
/// values and nesting (issue 16: a document must not cost more than its budget before refusal).
final class JSONParserBudgetTests: XCTestCase {
    func testRoundTripOfTheWritersOutput() throws {
        let value = JSONValue.obj([
            ("a", .array([.int(1), .double(2.5), .null, .bool(true), .bool(false), .array([]), .obj([])])),
            ("b", .obj([("c", .array([.obj([("d", .str("é\"\\\n"))])]))])),
            ("e", .string([0x66, 0xFF, 0x80])),  // not UTF-8: surrogate-escaped and read back as bytes
            ("f", .int(-42)),
        ])
        XCTAssertEqual(try JSONValue.parse(value.serialized()), value)
        XCTAssertEqual(try JSONValue.parse(Array("[1 , {\"x\" : [ ] } ]".utf8)), .array([.int(1), .obj([("x", .array([]))])]))
        for bad in ["", "[", "[1,]", "{\"a\"}", "{\"a\":1,}", "[1 2]", "{1:2}", "tru", "\"abc", "[1]x", "{\"a\":1"] {
            XCTAssertThrowsError(try JSONValue.parse(Array(bad.utf8)), bad) { error in
                XCTAssertFalse((error as? JSONParseError)?.exceededBudget ?? true, "\(bad): a syntax error, not a budget one")
            }
        }
    }

    func testTheBudgetStopsAtTheFirstValueOverIt() throws {
        let budget = JSONBudget(maxValues: 10, maxDepth: 4)
        XCTAssertNoThrow(try JSONValue.parse(Array("[1,2,3,4,5,6,7,8,9]".utf8), budget: budget))  // 10 values
        do {
            _ = try JSONValue.parse(Array(("[" + String(repeating: "1,", count: 1_000_000) + "1]").utf8), budget: budget)
            XCTFail("a million values within a budget of 10")
        } catch {
            XCTAssertTrue(error.exceededBudget, "\(error)")
            XCTAssertLessThan(error.offset, 30, "refused at the 11th value, not after reading the whole document: \(error)")
        }
        XCTAssertNoThrow(try JSONValue.parse(Array("[[[1]]]".utf8), budget: budget))
        XCTAssertThrowsError(try JSONValue.parse(Array("[[[[1]]]]".utf8), budget: budget)) { error in
            XCTAssertTrue((error as? JSONParseError)?.exceededBudget ?? false, "\(error)")
        }
    }

    /// A million open brackets: refused at depth 512 whatever the budget asks (no recursion in
    /// the parser; a value nested deeper could not even be released without deep recursion).
    func testDeepNestingCannotOverflowTheStack() throws {
        let unlimited = JSONBudget(maxValues: .max, maxDepth: .max)
        XCTAssertEqual(unlimited.maxDepth, JSONValue.maxDepth)
        for open in ["[", "{\"a\":"] {
            let text = Array(String(repeating: open, count: 1_000_000).utf8)
            for budget in [JSONBudget.files, unlimited] {
                XCTAssertThrowsError(try JSONValue.parse(text, budget: budget)) { error in
                    XCTAssertTrue((error as? JSONParseError)?.exceededBudget ?? false, "\(error)")
                }
            }
        }
        let deep = String(repeating: "[", count: 511) + String(repeating: "]", count: 511)
        XCTAssertNoThrow(try JSONValue.parse(Array(deep.utf8)))
    }
}
