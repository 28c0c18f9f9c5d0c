import AssayCore
import AssayFuzzTargets
import AssayIngest
import AssayTestSupport
import Foundation
import Testing

/// The fuzz targets (Tests/fuzz/README.md) in the ordinary test run: every input that
/// once broke a target (Tests/fuzz/regressions) and every seed must pass through its
/// target without a trap or a broken property. Tests/fuzz/run does the fuzzing.
@Suite("fuzz targets: regressions and seeds")
struct FuzzRegressionTests {
    init() {
        setenv("ASSAY_FUZZ_DATASET", Repository.url("spec/vectors/dataset").path, 1)
    }

    static func inputs(under directory: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory).sorted().map { "\(directory)/\($0)" }
    }

    /// Runs one input through its target on a thread of its own. Targets are synchronous (libFuzzer
    /// calls them on its own thread) and the tree target waits for the async verifier, which would
    /// starve the cooperative pool if it waited on one of its threads.
    static func run(_ target: FuzzTarget, _ path: String) async throws {
        let bytes = try Files.read(path, limit: 1 << 20)
        try await DedicatedThread.run { try target.run(bytes) }
    }

    @Test("every committed regression input passes its target", arguments: FuzzTarget.allCases)
    func regressions(target: FuzzTarget) async throws {
        let directory = Repository.url("Tests/fuzz/regressions/\(target.rawValue)").path
        guard FileManager.default.fileExists(atPath: directory) else { return }
        for path in try Self.inputs(under: directory) {
            await #expect(throws: Never.self, "\(path)") { try await Self.run(target, path) }
        }
    }

    @Test("a page whose record has start_ms = Int64.min is read (it used to trap the collector)")
    func pageWithInt64MinStart() throws {
        let page = try JSONParser().parse(Array(#"{"api":"assay-exporter-v1","schema":1,"records":[{"start_ms":-9223372036854775808}],"next_cursor":1,"has_more":false}"#.utf8))
        guard case .records(let records) = try ExporterPage.read(page, status: 200, after: 0, quarantineAll: false) else {
            Issue.record("not a page of records")
            return
        }
        #expect(records.valid.isEmpty && records.quarantined.count == 1 && records.quarantined[0].day == nil)
    }

    @Test("every seed passes its target", .enabled(if: Shared.isAvailable, "needs ../shared (third-party seeds)"))
    func seeds() async throws {
        let directory = try TemporaryDirectory()
        let made = try Command.system("python3", [Repository.url("Tests/fuzz/seeds.py").path, directory.file("seeds"), "--shared", Shared.root.path])
        try #require(made.status == 0, "\(made.stderr)")
        var total = 0
        for target in FuzzTarget.allCases {
            let inputs = try Self.inputs(under: directory.file("seeds/\(target.rawValue)"))
            #expect(!inputs.isEmpty, "\(target.rawValue) has seeds")
            for path in inputs {
                total += 1
                await #expect(throws: Never.self, "\(target.rawValue): \(path)") { try await Self.run(target, path) }
            }
        }
        #expect(total > 100)
    }
}
