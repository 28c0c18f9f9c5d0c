import AssayConfiguration
import AssayCore
import AssayCrypto
import AssayProbe
import AssayTestSupport
import Foundation
import Testing

/// Scenario documents (spec/probe.md §2) against the committed vectors: the YAML input form gives the
/// published document byte for byte, each scenario's hash is the SHA-256 of its bytes in the document, and
/// each refused document is refused with the place and the code the vector names.
@Suite("scenario documents")
struct ScenarioDocumentTests {
    static let directory = Repository.url("spec/vectors/probe").path

    static func vectorDocument() throws -> ScenarioDocument {
        try ScenarioFile.document(yaml: String(decoding: try Repository.bytes("spec/vectors/probe/scenarios.yaml"), as: UTF8.self),
                                  relativeTo: directory)
    }

    /// After a deliberate format change, `ASSAY_WRITE_VECTORS=1 swift test` rewrites the vectors computed by the code
    /// (`invalid.jsonl` is written by hand from the specification, never from the code).
    static let writing = ProcessInfo.processInfo.environment["ASSAY_WRITE_VECTORS"] == "1"

    @Test("the YAML vector gives scenarios.json byte for byte, sorted by id, with the input file hashed from disk")
    func yamlGivesTheDocument() throws {
        let document = try Self.vectorDocument()
        if Self.writing {
            try Files.writeAtomically("\(Self.directory)/scenarios.json", contents: document.bytes)
            let hashes = JSONValue.object(document.scenarios.map { JSONValue.Member($0.id, .string($0.sha256)) })
            try Files.writeAtomically("\(Self.directory)/scenarios.hashes.json", contents: try CanonicalJSON.encode(hashes))
        }
        #expect(document.bytes == (try Repository.bytes("spec/vectors/probe/scenarios.json")))
        #expect(document.scenarios.map(\.id) == ["i2i-bear-16", "live-smoke-30s", "llm-haiku", "t2i-bear-512"])
        let png = try Repository.bytes("spec/vectors/probe/bear-16.png")
        guard case .multipart(let parts) = document["i2i-bear-16"]?.request, case .file(let name, let file) = parts.last else {
            Issue.record("the image-to-image scenario has no file part")
            return
        }
        #expect(name == "image")
        #expect(file == Scenario.InputFile(contentType: "image/png", filename: "bear-16.png", sha256: MessageDigest.sha256(png).hex,
                                           size: Int64(png.count)))
        // The published form reads back to the same scenarios.
        let published = try ScenarioDocument(bytes: document.bytes)
        #expect(published.scenarios == document.scenarios)
    }

    @Test("each scenario's hash is the SHA-256 of its bytes as the document holds them, as the vector says")
    func hashes() throws {
        let document = try Self.vectorDocument()
        let expected = try JSONParser().parse(try Repository.bytes("spec/vectors/probe/scenarios.hashes.json"))
        for scenario in document.scenarios {
            #expect(expected[scenario.id] == .string(scenario.sha256), "\(scenario.id)")
            // The bytes are a slice of the document: what a reader hashes without re-encoding anything.
            let text = String(decoding: document.bytes, as: UTF8.self)
            #expect(text.contains(String(decoding: scenario.canonical, as: UTF8.self)))
        }
        guard case .object(let members) = expected else { throw VectorError("scenarios.hashes.json is not an object") }
        #expect(members.count == document.scenarios.count)
    }

    @Test("every refused document of invalid.jsonl is refused at its place with its code")
    func invalidVectors() throws {
        let lines = try Repository.bytes("spec/vectors/probe/invalid.jsonl").split(separator: 0x0A)
        #expect(lines.count >= 30)
        var codes: Set<String> = []
        for line in lines {
            let vector = try JSONParser().parse(Array(line))
            guard case .string(let name)? = vector["case"], case .string(let code)? = vector["code"], case .string(let path)? = vector["path"] else {
                throw VectorError("a vector without case, code and path: \(String(decoding: line, as: UTF8.self))")
            }
            let input: [UInt8]
            if case .string(let text)? = vector["text"] { input = Array(text.utf8) } else if let document = vector["document"] {
                input = try CanonicalJSON.encode(document)
            } else { throw VectorError("\(name): neither text nor document") }
            do {
                _ = try ScenarioDocument(bytes: input)
                Issue.record("\(name): accepted, expected \(code) at \(path)")
            } catch {
                #expect(error.code.rawValue == code, "\(name): \(error)")
                #expect(error.path == path, "\(name): \(error)")
            }
            codes.insert(code)
        }
        // Every code but the size limit's (a megabyte vector is not worth its bytes; tested below) has a vector.
        #expect(codes == Set(ScenarioIssue.Code.allCases.map(\.rawValue)).subtracting(["too-large"]))
    }

    @Test("the auditor's Python validator (verify/assay_probe.py) accepts the vector document and refuses every refused one")
    func pythonValidator() throws {
        let script = """
        import sys
        sys.path.insert(0, sys.argv[1])
        import assay_probe as probe
        from assay_verify import parse_json
        with open(sys.argv[2], "rb") as file:
            probe.read_document(file.read())
        accepted = []
        with open(sys.argv[3], "rb") as file:
            for line in file:
                vector = parse_json(line.rstrip(b"\\n"))
                data = vector["text"].encode() if "text" in vector else probe.canonical_value(vector["document"])
                try:
                    probe.read_document(data)
                    accepted.append(vector["case"])
                except probe.Refused:
                    pass
        print("accepted:", accepted)
        """
        let result = try Command.run("/usr/bin/env", ["python3", "-c", script, Repository.url("verify").path,
                                                      Repository.url("spec/vectors/probe/scenarios.json").path,
                                                      Repository.url("spec/vectors/probe/invalid.jsonl").path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "accepted: []\n", "\(result.stdout)")
    }

    @Test("a document over a megabyte is refused before it is parsed")
    func tooLarge() {
        let bytes = [UInt8](repeating: 0x20, count: ScenarioDocument.maxBytes + 1)
        #expect(throws: ScenarioIssue(.tooLarge, at: "$", "the document has \(bytes.count) bytes; at most \(ScenarioDocument.maxBytes)")) {
            try ScenarioDocument(bytes: bytes)
        }
    }

    @Test("the input form: YAML 1.1 words stay text, repeated keys and alias bombs are refused, a missing input file is named")
    func inputForm() throws {
        func failure(_ yaml: String) -> String? {
            do {
                _ = try ScenarioFile.document(yaml: yaml, relativeTo: Self.directory)
                return nil
            } catch { return error.description }
        }
        let base = """
            scenarios:
              - id: t
                pipeline: text-to-image
                model_id: m
                request: {json: {model_id: m, prompt: yes, n: 0x10}}
                checks: {status: 200}
                timeout_ms: 1000
                schedule: {per_day: 1}
            version: 1
            """
        let document = try ScenarioFile.document(yaml: base, relativeTo: Self.directory)
        // `yes` and `0x10` are YAML 1.1's true and 16, but not JSON literals: they stay the text they are.
        #expect(String(decoding: document.scenarios[0].canonical, as: UTF8.self).contains(#""n":"0x10","prompt":"yes""#))
        #expect(failure(base.replacingOccurrences(of: "timeout_ms: 1000", with: "timeout_ms: 1000\n    timeout_ms: 2000"))?
            .contains("duplicated key(s): 'timeout_ms'") == true)
        // An alias is its anchor's value; nine levels of ten aliases each would be a billion values: refused.
        var bomb = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for level in 1...9 { bomb += "a\(level): &a\(level) [\(Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", "))]\n" }
        #expect(failure(bomb)?.hasSuffix("the file holds more than 1000000 values once its aliases are expanded") == true)
        #expect(failure("") == "line 1: the file is empty")
        #expect(failure("scenarios: [\n") != nil)
        let missing = base.replacingOccurrences(of: "pipeline: text-to-image", with: "pipeline: image-to-image")
            .replacingOccurrences(of: "request: {json: {model_id: m, prompt: yes, n: 0x10}}",
                                  with: "request: {multipart: [{name: model_id, value: m}, {name: image, file: {path: nowhere.png, content_type: image/png}}]}")
        #expect(failure(missing)?.hasPrefix("scenarios[0].request.multipart[1].file.path: ") == true)
        // Content errors name the place in the input, before sorting.
        let twoScenarios = base.replacingOccurrences(of: "version: 1", with: """
              - id: a
                pipeline: llm
                model_id: m
                request: {json: {model: other}}
                checks: {status: 200}
                timeout_ms: 1000
                schedule: {per_day: 1}
            version: 1
            """)
        #expect(failure(twoScenarios) == "scenarios[1].request.json: the body must name the model: its 'model' must be \"m\", the scenario's model_id [model-mismatch]")
        #expect(failure(base.replacingOccurrences(of: "version: 1", with: "  - id: t\n    pipeline: llm\nversion: 1"))?.hasSuffix("[missing-member]") == true)
    }
}

/// A vector file that does not have the shape its test reads.
struct VectorError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
