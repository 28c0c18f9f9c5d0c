import AssayCore
import AssayCrypto
import AssayLedger
import AssaySimulate
@testable import AssaySite
import AssayTestSupport
import Testing

/// The site builder in process, on a synthetic dataset of 6 orchestrators × 12 days by two
/// collectors with hostile strings on its last day: the same bytes on every build, every file in
/// SHA256SUMS, hostile strings shown as escaped text and never used as paths, an unverifiable
/// dataset refused.
@Suite("site builder")
struct SiteBuilderTests {
    static let lastDay = UTCDay("2026-03-12")!
    static let xssModel = "<script>window.__assay_xss=1</script>"
    static let traversal = "../../../../tmp/assay-site-escape"

    static func hostile(_ day: UTCDay) -> [(collector: String, line: String)] {
        guard day == lastDay else { return [] }
        func job(_ id: String, pipeline: String, model: String) -> String {
            let start = day.startMs + 3_600_000
            return #"{"schema":2,"kind":"live_session","id":"\#(id)","observer_role":"gateway","observer_id":"gw-1","stream_id":"\#(id)","request_id":"\#(id)","attempt":1,"pipeline":"\#(pipeline)","model_id":"\#(model)","orchestrator":"0x0000000000000000000000000000000000000001","region":"<img/src=x/onerror=window.__assay_xss=1>","start_ms":\#(start),"first_output_ms":\#(start + 900),"outcome":"completed","swap_count":0,"restarts":0,"status_samples":3,"session_request_ms":\#(start),"session_playable_ms":\#(start + 2000),"session_last_ms":\#(start + 40_000),"session_swaps":0,"runner_start_ms":\#(start + 500),"status_hours":[{"fps_positive_samples":3,"hour_ms":\#(start),"latency_samples":0,"latency_sum_ms":0,"output_fps_sum_mfps":60000,"running_samples":3,"samples":3}]}"#
        }
        return [("gw-1", job("xss-1", pipeline: "javascript:window.__assay_xss=1", model: xssModel)),
                ("gw-1", job("xss-2", pipeline: traversal, model: traversal))]
    }

    func build(_ dataset: DatasetDirectory, into output: String) async throws {
        let model = try await SiteModel(directory: dataset, unverified: false)
        _ = try SiteBuilder(model: model, directory: dataset).build(into: output)
    }

    @Test("two builds give the same bytes; hostile strings are shown as text and never become paths; an unverifiable dataset is refused")
    func deterministicAndInert() async throws {
        let directory = try TemporaryDirectory()
        let dataset = try SyntheticScoringDataset.build(at: directory.file("dataset"), id: "site-test", orchestrators: 6, lastDay: Self.lastDay,
                                                        days: 12, records: 3000, extra: Self.hostile) { _ in }
        try await build(dataset, into: directory.file("site1"))
        try await build(dataset, into: directory.file("site2"))
        let files = FileTree.regularFiles(under: directory.file("site1"))
        #expect(files == FileTree.regularFiles(under: directory.file("site2")))
        for file in files {
            #expect(try Files.read(directory.file("site1/\(file)")) == Files.read(directory.file("site2/\(file)")), "\(file) differs between builds")
        }
        // SHA256SUMS names every other file with its hash.
        let sums = String(decoding: try Files.read(directory.file("site1/SHA256SUMS")), as: UTF8.self).split(separator: "\n")
        #expect(sums.count == files.count - 1)
        for line in sums {
            let parts = line.split(separator: " ", maxSplits: 1)
            let name = String(parts[1].drop(while: { $0 == " " || $0 == "*" }))
            #expect(MessageDigest.sha256(try Files.read(directory.file("site1/\(name)"))).hex == String(parts[0]), "\(name)")
        }
        // Every page: the hostile strings only ever appear escaped.
        var sawEscaped = false
        for file in files where file.hasSuffix(".html") {
            let html = String(decoding: try Files.read(directory.file("site1/\(file)")), as: UTF8.self)
            #expect(!html.contains("<script>window"), "\(file) carries a live script from data")
            #expect(!html.contains("<img/src"), "\(file) carries a live element from data")
            #expect(!html.lowercased().contains("href=\"javascript:"), "\(file) links to javascript:")
            if html.contains("&lt;script&gt;window.__assay_xss=1&lt;/script&gt;") { sawEscaped = true }
        }
        #expect(sawEscaped, "the hostile model name is displayed (escaped) somewhere")
        // No data value became a path: everything is inside the site, names are safe, and the traversal group has a page.
        #expect(!Files.exists("/tmp/assay-site-escape"))
        for file in files {
            #expect(!file.contains("..") && !file.contains("<") && !file.contains(":"), "unsafe path \(file)")
        }
        #expect(files.contains { $0.hasPrefix("leaderboards/tmp-assay-site-escape-") }, "\(files.filter { $0.hasPrefix("leaderboards/") })")
        // An unverified dataset is refused unless asked for.
        try Files.writeAtomically("\(dataset.root)/bundles/gw-1/2026/03/01/records.jsonl", contents: Array("{}\n".utf8))
        await #expect {
            _ = try await SiteModel(directory: dataset, unverified: false)
        } throws: { ($0 as? SiteModel.LoadError)?.description.contains("does not verify") == true }
    }
}
