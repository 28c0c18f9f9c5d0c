import AssayCore
import PropertyBased
import Testing

@Suite("strict JSON parser")
struct JSONParserTests {
    func code(_ text: [UInt8], limits: JSONParser.Limits = .init()) -> JSONParseError.Code? {
        do {
            _ = try JSONParser(limits: limits).parse(text)
            return nil
        } catch { return error.code }
    }

    @Test("each class of malformed input has its own code", arguments: [
        ("{\"a\":1,\"a\":2}", JSONParseError.Code.duplicateKey),
        ("\"\\ud800\"", .loneSurrogate),
        ("\"\\udc00\"", .loneSurrogate),
        ("\"\\ud800\\u0041\"", .loneSurrogate),
        ("\"\\q\"", .invalidEscape),
        ("\"\\u12\"", .invalidEscape),
        ("\"a\u{01}\"", .controlCharacter),
        ("01", .invalidNumber),
        ("-", .invalidNumber),
        ("1.", .invalidNumber),
        ("1e", .invalidNumber),
        ("1e999", .numberOutOfRange),
        ("[1,]", .unexpectedCharacter),
        ("{\"a\" 1}", .unexpectedCharacter),
        ("tru", .unexpectedEnd),
        ("nul!", .unexpectedCharacter),
        ("[1] x", .trailingData),
        ("", .unexpectedEnd),
        ("\"abc", .unexpectedEnd),
        ("{'a':1}", .unexpectedCharacter),
    ])
    func malformed(text: String, expected: JSONParseError.Code) {
        #expect(code(Array(text.utf8)) == expected)
    }

    @Test("invalid UTF-8 is rejected at the offending byte", arguments: [
        [0x22, 0xC0, 0xAF, 0x22],  // overlong '/'
        [0x22, 0xED, 0xA0, 0x80, 0x22],  // encoded surrogate
        [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22],  // above U+10FFFF
        [0x22, 0xE2, 0x82, 0x22],  // truncated
        [0x22, 0xFF, 0x22],
    ] as [[UInt8]])
    func invalidUTF8(bytes: [UInt8]) throws {
        let error = try #require(throws: JSONParseError.self) { try JSONParser().parse(bytes) }
        #expect(error.code == .invalidUTF8)
        #expect(error.offset == 1)
        #expect(error.column == 2)
    }

    @Test("errors name line and column")
    func position() throws {
        let error = try #require(throws: JSONParseError.self) { try JSONParser().parse("{\n  \"a\": 1,\n  \"a\": 2\n}") }
        #expect(error.code == .duplicateKey)
        #expect(error.line == 3)
        #expect(error.column == 3)
    }

    @Test("depth and size are bounded")
    func limits() {
        let deep = Array(String(repeating: "[", count: 9) + String(repeating: "]", count: 9)).map { UInt8($0.asciiValue!) }
        #expect(code(deep, limits: .record) == .tooDeep)
        let shallow = Array(String(repeating: "[", count: 8) + String(repeating: "]", count: 8)).map { UInt8($0.asciiValue!) }
        #expect(code(shallow, limits: .record) == nil)
        #expect(code(Array(repeating: 0x20, count: 70_000) + [0x31], limits: .record) == .tooLong)
    }

    @Test("integers stay exact; other numbers become doubles")
    func numbers() throws {
        #expect(try JSONParser().parse("9007199254740993") == .integer(9_007_199_254_740_993))
        #expect(try JSONParser().parse("-9223372036854775808") == .integer(.min))
        #expect(try JSONParser().parse("9223372036854775808") == .number(9_223_372_036_854_775_808))
        #expect(try JSONParser().parse("1.0") == .number(1))
        #expect(try JSONParser().parse("-0") == .integer(0))
    }

    @Test("escapes decode, including surrogate pairs")
    func escapes() throws {
        #expect(try JSONParser().parse("\"\\ud83d\\ude00\\u00e9\\n\\/\"") == .string("\u{1F600}é\n/"))
    }

    @Test("parse ∘ encode is the identity on canonical output")
    func roundTrip() async {
        let latin = Gen<Character>.latin1.string(of: 0...8)
        let astral = Gen<UnicodeScalar>.unicodeScalar(in: "\u{FB00}"..."\u{1F6FF}").map(Character.init).string(of: 0...3)
        let text = zip(latin, astral).map { $0 + $1 }
        let scalar = Gen<JSONValue>.oneOf(
            Gen.int(in: -1_000_000...1_000_000).map { JSONValue.integer(Int64($0)) },
            text.map { JSONValue.string($0) },
            Gen.bool.map { JSONValue.bool($0) },
            Gen.always(JSONValue.null))
        let member = zip(text, scalar)
        let object = member.array(of: 0...8).map { pairs -> JSONValue in
            var seen = Set<String>()
            return .object(pairs.filter { seen.insert($0.0).inserted }.map { JSONValue.Member($0.0, $0.1) })
        }
        let document = Gen<JSONValue>.oneOf(object, object.array(of: 0...4).map { JSONValue.array($0) })
        await propertyCheck(count: 300, input: document) { value in
            let encoded = try CanonicalJSON.encode(value)
            let reparsed = try JSONParser().parse(encoded)
            #expect(try CanonicalJSON.encode(reparsed) == encoded)
        }
    }
}

@Suite("canonical member order from the parser")
struct ParserOrderTests {
    @Test("nested objects keep their own members and order")
    func nested() throws {
        let value = try JSONParser().parse(#"{"b":{"z":1,"y":{"q":2,"p":3}},"a":[{"d":4,"c":5}],"c":6}"#)
        #expect(try CanonicalJSON.string(value) == #"{"a":[{"c":5,"d":4}],"b":{"y":{"p":3,"q":2},"z":1},"c":6}"#)
    }

    @Test("duplicates are found in unsorted, escaped and nested objects", arguments: [
        #"{"b":1,"a":2,"b":3}"#, #"{"a":1,"\u0061":2}"#, #"{"x":{"k":1,"j":2,"k":3}}"#,
        "{" + (0..<40).map { "\"k\($0)\":\($0)" }.joined(separator: ",") + ",\"k7\":0}",
    ])
    func duplicates(text: String) throws {
        let error = try #require(throws: JSONParseError.self) { try JSONParser().parse(text) }
        #expect(error.code == .duplicateKey)
    }

    @Test("escaped names sort by their decoded value")
    func escapedNames() throws {
        let value = try JSONParser().parse(#"{"\u0062":1,"a":2,"\u00e9":3}"#)
        #expect(try CanonicalJSON.string(value) == "{\"a\":2,\"b\":1,\"é\":3}")
    }
}
