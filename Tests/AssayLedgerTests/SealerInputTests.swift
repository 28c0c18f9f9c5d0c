import AssayCore
import AssayCrypto
import AssayLedger
import AssayTestSupport
import Foundation
import Testing

/// Lines validated on every core (`SealerInput`) seal exactly what the same lines read one by one seal, and
/// the bad lines are reported in line order with their numbers, however the batches and threads cut them.
@Suite struct SealerInputTests {
    static let day = UTCDay("2026-01-09")!

    /// Several thousand lines (enough for every thread in each batch) with bad, non-canonical, duplicate and
    /// conflicting lines among them.
    static func lines() -> [String] {
        var lines = canonical(DatasetFixture.records(collector: "gw-a", day: day, count: 1400))
        for index in stride(from: 17, to: lines.count, by: 97) {
            switch index % 5 {
            case 0: lines[index] = "{not json"
            case 1: lines[index] = ""
            case 2: lines[index] = notCanonical(lines[index])  // valid, not canonical
            case 3: lines[index] = lines[index - 1]  // a duplicate
            default: lines[index] = lines[index - 2].replacingOccurrences(of: "\"tries\":1", with: "\"tries\":2")  // a second version
            }
        }
        lines.append(String(repeating: "x", count: 70_000))  // longer than a record line may be
        lines += canonical(DatasetFixture.records(collector: "gw-a", day: UTCDay(number: day.number + 1), count: 1))  // another day
        return lines
    }

    static func canonical(_ lines: [String]) -> [String] {
        lines.map { String(decoding: try! Record.parse(Array($0.utf8)).canonicalBytes(), as: UTF8.self) }
    }

    /// The same record with a space after its first colon.
    static func notCanonical(_ line: String) -> String {
        line.replacingCharacters(in: line.range(of: ":")!, with: ": ")
    }

    /// Seals `text` the reference way: each line read and staged in turn on this thread.
    static func sealOneByOne(_ text: String) throws -> (SealedBundle, [String]) {
        let file = try TemporaryDirectory()
        try file.write("input.jsonl", text)
        var sealer = BundleSealer(dataset: "fixture", collector: "gw-a", day: day, prev: nil)
        var issues: [String] = []
        try RecordLines.scan(try LineReader(path: file.file("input.jsonl"))) { _, record in
            sealer.add(record)
        } onIssue: { issue in
            sealer.reject(issue.code)
            issues.append("\(issue.line) \(issue.code)")
        }
        return (sealer.seal(), issues)
    }

    @Test(arguments: [1 << 12, 1 << 16, 4 << 20])
    func sealsWhatOneByOneSeals(batchBytes: Int) throws {
        let text = Self.lines().joined(separator: "\n")  // the last line without a newline
        let (expected, expectedIssues) = try Self.sealOneByOne(text)
        let file = try TemporaryDirectory()
        try file.write("input.jsonl", text)
        var sealer = BundleSealer(dataset: "fixture", collector: "gw-a", day: Self.day, prev: nil)
        var input = SealerInput(source: "input", requireCanonical: false, batchBytes: batchBytes)
        var issues: [String] = []
        try input.add(try LineReader(path: file.file("input.jsonl")), into: &sealer) { issues.append("\($0.line) \($0.code)") }
        let sealed = sealer.seal()
        #expect(issues == expectedIssues)
        #expect(issues.count == 7)  // 3 lines of bad JSON and 3 empty of the 15 changed, and the long line
        // By hash: a failure names two hashes, not two files' bytes.
        #expect(MessageDigest.sha256(sealed.manifestBytes).hex == MessageDigest.sha256(expected.manifestBytes).hex)
        #expect(MessageDigest.sha256(sealed.records).hex == MessageDigest.sha256(expected.records).hex)
        #expect(MessageDigest.sha256(sealed.conflicts).hex == MessageDigest.sha256(expected.conflicts).hex)
        #expect(sealed.outsideDay == 1 && sealed.duplicatesCollapsed == expected.duplicatesCollapsed)
        #expect(sealed.manifest.conflictKeys > 0 && sealed.duplicatesCollapsed > 0)
    }

    /// The hashes computed on several threads are the hashes of the file and of its lines as spec/dataset.md
    /// §4 defines them, computed here one after the other.
    @Test func hashesAreTheFilesAndTheLeaves() throws {
        let (sealed, _) = try Self.sealOneByOne(Self.lines().joined(separator: "\n") + "\n")
        let lines = sealed.records.split(separator: 0x0A, omittingEmptySubsequences: false).dropLast()
        #expect(lines.count > 1024)  // enough lines for the leaves to be hashed on several threads
        let leaves = lines.map { Merkle.leafHash(Array($0)) }
        #expect(sealed.manifest.merkleRoot == Hex.encode(Merkle.root(leafHashes: leaves)))
        #expect(sealed.manifest.merkleTreeSize == Int64(lines.count))
        #expect(sealed.manifest.file("records.jsonl")?.sha256 == MessageDigest.sha256(sealed.records).hex)
    }

    /// A staging store's lines must be canonical already: one that is not is rejected, numbered in the order given.
    @Test func storeLinesMustBeCanonical() {
        let records = Self.canonical(DatasetFixture.records(collector: "gw-a", day: Self.day, count: 3))
        let lines = [records[0], Self.notCanonical(records[1]), records[2]]
        var sealer = BundleSealer(dataset: "fixture", collector: "gw-a", day: Self.day, prev: nil)
        var input = SealerInput(source: "staging.sqlite", requireCanonical: true)
        var issues: [String] = []
        for line in lines { Array(line.utf8).withUnsafeBytes { input.add(next: $0, into: &sealer) { issues.append($0.description) } } }
        input.flush(into: &sealer) { issues.append($0.description) }
        #expect(issues.count == 1 && issues[0].hasPrefix("staging.sqlite:2: ") && issues[0].hasSuffix("[not-canonical]"))
        #expect(sealer.seal().manifest.recordsTotal == 2)
    }
}
