import AssayCore
import AssayTestSupport
import Foundation
import Testing

@Suite("RFC 8785 canonical JSON")
struct CanonicalJSONTests {
    static let vectorNames = Shared.list("testvectors/jcs/input")

    @Test("every RFC 8785 vector canonicalizes byte-exactly", .enabled(if: Shared.isAvailable, Shared.skipReason),
          arguments: vectorNames)
    func vector(name: String) throws {
        let input = try Shared.bytes("testvectors/jcs/input/\(name)")
        let expected = try Shared.bytes("testvectors/jcs/output/\(name)")
        let value = try JSONParser().parse(input)
        #expect(try CanonicalJSON.encode(value) == expected)
        // The canonical form is a fixed point.
        #expect(try CanonicalJSON.encode(JSONParser().parse(expected)) == expected)
    }

    @Test("the vector set is complete", .enabled(if: Shared.isAvailable, Shared.skipReason))
    func vectorSetIsPresent() {
        #expect(Self.vectorNames.count == 6)
    }

    @Test("ECMAScript number forms", arguments: [
        (0.0, "0"), (-0.0, "0"), (1.0, "1"), (-1.5, "-1.5"), (1e21, "1e+21"), (1e20, "100000000000000000000"),
        (1e-7, "1e-7"), (1e-6, "0.000001"), (123456789012345680000.0, "123456789012345680000"),
        (5e-324, "5e-324"), (1.7976931348623157e308, "1.7976931348623157e+308"), (0.1, "0.1"),
        (333333333.3333333, "333333333.3333333"), (9007199254740993.0, "9007199254740992"), (4.5e15, "4500000000000000"),
        (1.2345e-10, "1.2345e-10"), (2.5e22, "2.5e+22"),
    ])
    func numbers(value: Double, expected: String) {
        #expect(ECMAScriptNumber.format(value) == expected)
    }

    @Test("keys sort by UTF-16 code units, not by UTF-8 bytes")
    func utf16Order() throws {
        // U+FB33 (UTF-8 EF AC B3) sorts before U+1F600 (UTF-8 F0 9F 98 80) in UTF-8 but after it in UTF-16 (D83D…).
        let value = JSONValue.object([.init("\u{FB33}", 1), .init("\u{1F600}", 2), .init("a", 3)])
        #expect(try CanonicalJSON.string(value) == "{\"a\":3,\"\u{1F600}\":2,\"\u{FB33}\":1}")
    }

    @Test("string escapes are minimal")
    func escapes() throws {
        let value = JSONValue.string("\"\\/\u{08}\u{0C}\n\r\t\u{01}\u{1F}\u{7F}é\u{2028}")
        #expect(try CanonicalJSON.string(value) == "\"\\\"\\\\/\\b\\f\\n\\r\\t\\u0001\\u001f\u{7F}é\u{2028}\"")
    }

    @Test("values with no canonical form are refused")
    func refusals() {
        #expect(throws: CanonicalJSON.EncodingError.nonFiniteNumber) { try CanonicalJSON.encode(.number(.nan)) }
        #expect(throws: CanonicalJSON.EncodingError.duplicateKey("a")) {
            try CanonicalJSON.encode(.object([.init("a", 1), .init("a", 2)]))
        }
    }

    @Test("integers are written exactly across the Int64 range", arguments: [
        Int64.min, -9_007_199_254_740_991, -1, 0, 7, 1_000_000, 9_007_199_254_740_991, Int64.max,
    ])
    func integers(value: Int64) throws {
        #expect(try CanonicalJSON.string(.integer(value)) == String(value))
    }
}
