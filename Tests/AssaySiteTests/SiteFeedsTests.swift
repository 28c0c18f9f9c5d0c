import AssayCore
import AssayLedger
@testable import AssaySite
import AssayTestSupport
import Foundation
import Testing

/// Feeds and badges (spec/site.md §6.4) of the committed sample's site.
@Suite("site: feeds and badges")
struct SiteFeedsTests {
    static let sample = Repository.url("datasets/sample").path

    @Test("the feeds are RFC 4287 feeds whose entries follow the daily verdicts and the failed scrapes; ids are stable")
    func feeds() async throws {
        let directory = try TemporaryDirectory()
        let model = try await SiteModel(directory: DatasetDirectory(Self.sample), unverified: false)
        _ = try SiteBuilder(model: model, directory: DatasetDirectory(Self.sample)).build(into: directory.file("site"))
        let feeds = try FileManager.default.contentsOfDirectory(atPath: directory.file("site/feeds/orchestrators")).sorted()
        #expect(feeds.count == 7)
        let check = try Command.run("/usr/bin/env", ["python3", Repository.url("Tests/site/atom_check.py").path, directory.file("site/feeds/network.atom")]
                                        + feeds.map { directory.file("site/feeds/orchestrators/\($0)") })
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")

        // The events, restated from the published daily history (api/v1/orchestrators/) and the probe records.
        for name in feeds {
            let address = String(name.dropLast(".atom".count))
            let history = try JSONParser().parse(try Files.read(directory.file("site/api/v1/orchestrators/\(address).json")).dropLast())["history"]?.arrayValue ?? []
            var previous: String?
            var expected: [String] = []
            for day in history {
                guard let verdict = day["verdict"]?.stringValue, verdict != "not_judged" else { continue }
                if verdict == "missed" && previous != "missed" { expected.append("\(address) missed its SLO on \(day["day"]!.stringValue!)") }
                if verdict == "met" && previous == "missed" { expected.append("\(address) met its SLO again on \(day["day"]!.stringValue!)") }
                previous = verdict
            }
            let feed = String(decoding: try Files.read(directory.file("site/feeds/orchestrators/\(name)")), as: UTF8.self)
            let titles = feed.components(separatedBy: "<title>").dropFirst(2).map { $0.components(separatedBy: "</title>")[0] }
            #expect(titles.filter { !$0.contains("exporter unreachable") }.sorted() == expected.sorted(), "\(address)")
        }
        // The offline-hours orchestrator's exporter is down 10:00–16:00 on 2026-01-02, -04, -06 and -08: an outage each day,
        // 6 hourly scrapes × 3 collectors failed of 24 × 3; nobody else's.
        let offline = String(decoding: try Files.read(directory.file("site/feeds/orchestrators/0x00000000000000000000000000000000000005e5.atom")), as: UTF8.self)
        for day in ["02", "04", "06", "08"] {
            #expect(offline.contains("exporter unreachable on 2026-01-\(day)</title>"), "\(day)")
            #expect(offline.contains("18 of 72 scrapes by the collectors failed on 2026-01-\(day)."))
        }
        let network = String(decoding: try Files.read(directory.file("site/feeds/network.atom")), as: UTF8.self)
        #expect(network.components(separatedBy: "exporter unreachable").count - 1 == 4)

        // Stable ids: the same event has the same id in a second build (and in any later one: they hash only its facts).
        let again = try TemporaryDirectory()
        _ = try SiteBuilder(model: model, directory: DatasetDirectory(Self.sample)).build(into: again.file("site"))
        #expect(try Files.read(again.file("site/feeds/network.atom")) == (try Files.read(directory.file("site/feeds/network.atom"))))
        #expect(SiteFeeds.uuid(["assay-feed-entry-v1", "assay-demo", "0x00000000000000000000000000000000000005e5", "2026-01-08", "outage"])
                == "urn:uuid:e4b3fe49-53e7-8d64-8d8f-9597e7d25829")
        #expect(network.contains("<id>urn:uuid:e4b3fe49-53e7-8d64-8d8f-9597e7d25829</id>"))
    }

    @Test("each badge is a shields.io endpoint document and a static SVG, its colour the 7-day verdict's")
    func badges() async throws {
        let directory = try TemporaryDirectory()
        let model = try await SiteModel(directory: DatasetDirectory(Self.sample), unverified: false)
        _ = try SiteBuilder(model: model, directory: DatasetDirectory(Self.sample)).build(into: directory.file("site"))
        let scores = try #require(model.windowScores[7]?.value["scores"]?["orchestrators"]?.arrayValue)
        #expect(scores.count == 7)
        for entry in scores {
            let address = try #require(entry["orchestrator"]?.stringValue)
            let bytes = try Files.read(directory.file("site/api/v1/badges/\(address).json"))
            let badge = try JSONParser().parse(bytes.dropLast())
            // shields.io's endpoint schema: schemaVersion 1, label and message strings, a colour; nothing it does not know.
            guard case .object(let members) = badge else { Issue.record("not an object"); continue }
            #expect(members.map(\.key) == ["color", "label", "message", "schemaVersion"])
            #expect(badge["schemaVersion"] == .integer(1) && badge["label"] == "SLA 7d")
            let score = entry["slo"]?["score"]?.intValue ?? 0
            #expect(badge["message"]?.stringValue == Format.score(score * 100))
            let verdict = entry["slo"]?["verdict"]?.stringValue
            #expect(badge["color"]?.stringValue == (verdict == "met" ? "brightgreen" : verdict == "missed" ? "red" : "lightgrey"))
            #expect(try CanonicalJSON.encode(badge) + [0x0A] == bytes, "canonical JSON")
            let svg = String(decoding: try Files.read(directory.file("site/badges/\(address).svg")), as: UTF8.self)
            #expect(svg.contains("aria-label=\"SLA 7d: \(Format.score(score * 100))\"") && svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
        }
        let sums = String(decoding: try Files.read(directory.file("site/SHA256SUMS")), as: UTF8.self)
        #expect(sums.contains("  feeds/network.atom") && sums.contains("  api/v1/badges/") && sums.contains("  badges/"))
    }
}
