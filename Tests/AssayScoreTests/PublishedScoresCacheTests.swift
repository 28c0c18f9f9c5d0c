import AssayCore
import AssayLedger
import AssayScore
import AssayTestSupport
import Foundation
import Testing

/// Published scores are judged the same whether their bundles' records are taken from the pass that
/// verified them or read again from the files (spec/scoring.md §10): on the sample, and on copies of it
/// where a record, a scores document or a manifest was changed.
@Suite struct PublishedScoresCacheTests {
    /// The findings of verifying `root` and its published scores, with or without the records of verification.
    /// `between` runs after verification, before the scores are checked.
    static func findings(_ root: String, fromVerification: Bool, between: () throws -> Void = {}) async throws -> [String] {
        let directory = DatasetDirectory(root)
        let prepared = PreparedBundles()
        var options = DatasetVerifier.Options()
        options.today = UTCDay("2026-02-01")
        if fromVerification { options.sink = prepared.sink() }
        let report = await DatasetVerifier(directory: directory, options: options).verify()
        prepared.adopt(report)
        try between()
        let descriptor = try directory.descriptor()
        return PublishedScores.verify(directory, report: report, profiles: descriptor.scoringProfiles, cache: prepared)
            .map { "\($0.rule.rawValue) \($0.path) \($0.message)" }
    }

    /// A copy of the sample with `change` applied to the file at `relative`.
    static func sample(changing relative: String?, _ change: (inout String) -> Void = { _ in }) throws -> TemporaryDirectory {
        let copy = try TemporaryDirectory()
        try FileManager.default.copyItem(atPath: Repository.url("datasets/sample").path, toPath: copy.file("sample"))
        if let relative {
            let path = copy.file("sample/\(relative)")
            var text = try String(contentsOfFile: path, encoding: .utf8)
            change(&text)
            try text.write(toFile: path, atomically: false, encoding: .utf8)
        }
        return copy
    }

    @Test func theSampleHolds() async throws {
        let copy = try Self.sample(changing: nil)
        #expect(try await Self.findings(copy.file("sample"), fromVerification: true).isEmpty)
        #expect(try await Self.findings(copy.file("sample"), fromVerification: false).isEmpty)
    }

    /// Empties every records.jsonl of the dataset at `root`.
    static func emptyRecordFiles(_ root: String) throws {
        let files = FileManager.default.enumerator(atPath: "\(root)/bundles")!.compactMap { $0 as? String }
        for file in files where file.hasSuffix("records.jsonl") { try Data().write(to: URL(fileURLWithPath: "\(root)/bundles/\(file)")) }
    }

    /// With the records of verification, no bundle is read a second time: emptying every records.jsonl
    /// after verification changes nothing (and the same scores, read again, fail).
    @Test(arguments: [true, false])
    func recordsAreReadOnce(fromVerification: Bool) async throws {
        let copy = try Self.sample(changing: nil)
        let findings = try await Self.findings(copy.file("sample"), fromVerification: fromVerification) {
            try Self.emptyRecordFiles(copy.file("sample"))
        }
        #expect(findings.isEmpty == fromVerification)
        #expect(fromVerification || findings.contains { $0.hasPrefix("scores-input ") })
    }

    @Test(arguments: [
        // A record of a bundle that three days' scores read: its bundle breaks, and the scores naming it with it.
        ("bundles/gw-b/2026/01/05/records.jsonl", "\"success\":true", "\"success\":false"),
        // A published number.
        ("scores/gw-a/2026/01/06/scores.json", "\"read\":", "\"read\":1"),
        // A manifest: the bundle's hash changes, so every document naming it names a bundle the dataset lacks.
        ("bundles/gw-c/2026/01/04/manifest.json", "\"collector\":\"gw-c\"", "\"collector\":\"gw-c\" "),
    ])
    func changesAreJudgedAlike(change: (file: String, from: String, to: String)) async throws {
        let copy = try Self.sample(changing: change.file) { text in
            text = text.replacingCharacters(in: text.range(of: change.from)!, with: change.to)
        }
        let taken = try await Self.findings(copy.file("sample"), fromVerification: true)
        let read = try await Self.findings(copy.file("sample"), fromVerification: false)
        #expect(!taken.isEmpty, "the change is found")
        #expect(taken == read)
    }
}
