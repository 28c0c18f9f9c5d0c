import AssayCore
import AssayTestSupport
import Foundation
import PropertyBased
import Testing

/// The byte-level record reader against the reference parser (spec/records.md §2.1): on every
/// line they must agree on accept/refuse and, for an accepted line, on every field.
@Suite("record readers agree")
struct RecordReaderAgreementTests {
    /// Every record line of the sample dataset (all kinds, schema 1 and 2) and the record vectors.
    static let corpus: [[UInt8]] = {
        var lines: [[UInt8]] = []
        func add(_ path: String) {
            guard let data = FileManager.default.contents(atPath: path) else { return }
            lines += data.split(separator: 0x0A, omittingEmptySubsequences: true).map { Array($0) }
        }
        for name in ["valid.jsonl", "valid.canonical.jsonl", "invalid.jsonl", "test_job.valid.jsonl", "test_job.valid.canonical.jsonl",
                     "test_job.invalid.jsonl", "schema4.valid.jsonl", "schema4.invalid.jsonl"] { add(Repository.url("spec/vectors/records/\(name)").path) }
        let bundles = Repository.url("datasets/sample/bundles").path
        let files = FileManager.default.enumerator(atPath: bundles)?.compactMap { $0 as? String }.filter { $0.hasSuffix(".jsonl") }.sorted() ?? []
        for file in files { add("\(bundles)/\(file)") }
        return lines
    }()

    static func disagreement(_ line: [UInt8]) -> String? {
        line.withUnsafeBytes { RecordReaderAgreement.disagreement($0) }
    }

    @Test("on every line of the sample dataset and the record vectors")
    func corpusLines() {
        #expect(Self.corpus.count > 9000)
        var accepted = 0
        for line in Self.corpus {
            if let disagreement = Self.disagreement(line) {
                Issue.record("\(disagreement): \(String(decoding: line.prefix(300), as: UTF8.self))")
            }
            if case .record = line.withUnsafeBytes({ RecordLine.read($0) }) { accepted += 1 }
        }
        // The sample's lines are canonical records: the fast path takes (nearly) all of them.
        #expect(accepted > 9000)
    }

    /// Bytes that change a JSON line's meaning: structure, digits, escapes, non-ASCII, controls.
    static let alphabet = Array(#"{}[]":,0123456789-.eE tfnulrsaAx\/"#.utf8) + [0x00, 0x09, 0x1F, 0x7F, 0xC3, 0xA9, 0xFF]
    static let numbers = ["0", "00", "01", "1", "-1", "-0", "1.0", "1e3", "255", "240", "241", "3600000", "3600001", "9007199254740993",
                          "18446744073709551616", "946684799999", "946684800000", "4102444799999", "4102444800000", "86400000", "86400001"]
    static let strings = ["", "a b", "\\u0041", "é", "\\\"", "x\\ny", "0x" + String(repeating: "A", count: 40), "0x" + String(repeating: "a", count: 39),
                          "https://", "http://x", "https://a<b", String(repeating: "i", count: 257), String(repeating: "i", count: 256),
                          "live_session", "batch_request", "probe", "byoc_job", "llm_request", "gateway", "orchestrator", "ok", "completed",
                          "no_orchestrator", "zero_fps", "swapped", "startup_failed", "007", "1"]

    /// One of several mutations of a corpus line, chosen by `choice`.
    static func mutate(_ line: [UInt8], _ choice: [Int]) -> [UInt8] {
        var bytes = line
        let position = choice[1] % max(1, bytes.count)
        let commas = bytes.indices.filter { bytes[$0] == UInt8(ascii: ",") }
        switch choice[0] % 8 {
        case 0: bytes[position] = alphabet[choice[2] % alphabet.count]
        case 1: bytes.remove(at: position)
        case 2: bytes.insert(alphabet[choice[2] % alphabet.count], at: position)
        case 3 where commas.count >= 2:  // drop one member (roughly: from one comma to the next)
            let a = commas[choice[2] % (commas.count - 1)], b = commas[choice[2] % (commas.count - 1) + 1]
            bytes.removeSubrange(a..<b)
        case 4 where commas.count >= 2:  // repeat one member
            let a = commas[choice[2] % (commas.count - 1)], b = commas[choice[2] % (commas.count - 1) + 1]
            bytes.insert(contentsOf: Array(bytes[a..<b]), at: b)
        case 5 where commas.count >= 3:  // swap two neighbouring members
            let i = choice[2] % (commas.count - 2)
            let first = Array(bytes[commas[i]..<commas[i + 1]]), second = Array(bytes[commas[i + 1]..<commas[i + 2]])
            bytes.replaceSubrange(commas[i]..<commas[i + 2], with: second + first)
        case 6:  // a number from the edges of the ranges
            guard let start = bytes[position...].firstIndex(where: { $0 >= 0x30 && $0 <= 0x39 }) else { break }
            let end = bytes[start...].firstIndex(where: { !($0 >= 0x30 && $0 <= 0x39) }) ?? bytes.endIndex
            bytes.replaceSubrange(start..<end, with: Array(numbers[choice[2] % numbers.count].utf8))
        default:  // a string's characters from the edges of the formats
            let quotes = bytes.indices.filter { bytes[$0] == UInt8(ascii: "\"") }
            guard quotes.count >= 2 else { break }
            let i = (choice[2] % (quotes.count / 2)) * 2
            bytes.replaceSubrange(quotes[i] + 1..<quotes[i + 1], with: Array(strings[choice[3] % strings.count].utf8))
        }
        return bytes
    }

    @Test("on mutated lines (property)")
    func mutations() async {
        let corpus = Self.corpus
        let input = Gen.int(in: 0...1_000_000_000).array(of: 6...6)
        await propertyCheck(count: 4000, input: input) { choice in
            var line = corpus[choice[5] % corpus.count]
            line = Self.mutate(line, choice)
            if choice[4] % 3 == 0 { line = Self.mutate(line, choice.reversed()) }
            let disagreement = Self.disagreement(line)
            #expect(disagreement == nil, "\(disagreement ?? ""): \(String(decoding: line.prefix(400), as: UTF8.self))")
        }
    }

    @Test("every single-byte deletion of a few lines of each kind")
    func deletions() {
        var kinds = Set<String>()
        for line in Self.corpus {
            guard case .record(let view) = line.withUnsafeBytes({ RecordLine.read($0) }),
                  kinds.insert("\(view.kind.rawValue) \(view.schemaVersion)").inserted else { continue }
            for position in line.indices {
                var mutated = line
                mutated.remove(at: position)
                if let disagreement = Self.disagreement(mutated) { Issue.record("\(disagreement): deleting byte \(position)") }
            }
        }
        #expect(kinds.count >= 5)
    }

    @Test("a refused line gets the reference parser's error")
    func refusedLines() throws {
        let line = Array(#"{"id":"x","kind":"probe","observer_id":"c","observer_role":"collector","outcome":"ok","records_received":1,"schema":1,"start_ms":1767225600000,"target_url":"http://o"}"#.utf8)
        guard case .problem(.invalid(let error)) = line.withUnsafeBytes({ RecordLine.read($0) }) else {
            Issue.record("a probe without latency_ms was not refused")
            return
        }
        #expect(error.code == .ruleViolated && error.rule == "ok-has-latency")
        let spaced = Array(#"{ "id":"x"}"#.utf8)
        guard case .problem(.invalid(let other)) = spaced.withUnsafeBytes({ RecordLine.read($0) }) else {
            Issue.record("a line with a space was not refused")
            return
        }
        #expect(other.code == .missingField)
        let valid = Array(#"{"id":"x","kind":"probe","latency_ms":5,"observer_id":"c","observer_role":"collector","outcome":"ok","records_received":1,"schema":1,"start_ms":1767225600000,"target_url":"http://o"}"#.utf8)
        guard case .record = valid.withUnsafeBytes({ RecordLine.read($0) }) else {
            Issue.record("a valid canonical probe was refused")
            return
        }
        let reordered = Array(#"{"kind":"probe","id":"x","latency_ms":5,"observer_id":"c","observer_role":"collector","outcome":"ok","records_received":1,"schema":1,"start_ms":1767225600000,"target_url":"http://o"}"#.utf8)
        guard case .problem(.notCanonical) = reordered.withUnsafeBytes({ RecordLine.read($0) }) else {
            Issue.record("members out of order were not reported as not canonical")
            return
        }
    }
}
