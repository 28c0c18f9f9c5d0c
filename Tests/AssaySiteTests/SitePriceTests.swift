import AssayCore
import AssayLedger
@testable import AssaySite
import AssayTestSupport
import Foundation
import Testing

/// What live video costs, SLA per gwei and the network's charts (spec/site.md §6), on the committed sample: the
/// site's numbers recomputed here from the records alone.
@Suite("site: price, value and the network over time")
struct SitePriceTests {
    static let sample = Repository.url("datasets/sample").path

    /// The sample's gateway live sessions of the 7 days to its last day, deduplicated by (observer_id, id).
    static func liveSessions() throws -> [JSONValue] {
        var seen: [String: JSONValue] = [:]
        for collector in ["gw-a", "gw-b", "gw-c"] {
            for day in 2...8 {
                let path = "\(sample)/bundles/\(collector)/2026/01/0\(day)/records.jsonl"
                for line in String(decoding: try Files.read(path), as: UTF8.self).split(separator: "\n") {
                    let record = try JSONParser().parse(Array(line.utf8))
                    guard record["kind"] == "live_session", record["observer_role"] == "gateway" else { continue }
                    seen["\(record["observer_id"]?.stringValue ?? "")\u{0}\(record["id"]?.stringValue ?? "")"] = record
                }
            }
        }
        return Array(seen.values)
    }

    @Test("live cost per minute and SLA per gwei are what the records say; each sort order has its page, in its order")
    func priceAndValue() async throws {
        let model = try await SiteModel(directory: DatasetDirectory(Self.sample), unverified: false)
        // Σ integer parts of cost_wei × 60000 / Σ (end_ms − start_ms), per orchestrator (spec/site.md §6.1).
        var cost: [String: (wei: Int64, ms: Int64)] = [:]
        for record in try Self.liveSessions() {
            guard let text = record["cost_wei"]?.stringValue, let start = record["start_ms"]?.intValue, let end = record["end_ms"]?.intValue,
                  let orchestrator = record["orchestrator"]?.stringValue else { continue }
            let wei = Int64(text.split(separator: ".")[0])!
            cost[orchestrator, default: (0, 0)].wei += wei
            cost[orchestrator, default: (0, 0)].ms += end - start
        }
        #expect(cost.count == 7, "every orchestrator was paid")
        let expected = cost.mapValues { Int64(Int128($0.wei) * 60_000 / Int128($0.ms)) }
        #expect(model.liveCostPerMinute[7] == expected)

        let pages = SitePages(model: model)
        let all = Dictionary(uniqueKeysWithValues: pages.leaderboards())
        let value = try #require(all["all-w7-value.html"]), price = try #require(all["all-w7-price.html"])
        // The value page lists orchestrators by ⌊score × 10⁸ / cost⌋ descending, the price page by cost ascending.
        let scores = Dictionary(uniqueKeysWithValues: SitePages.standings(try #require(model.windowScores[7]?.value)).map { ($0.orchestrator, $0.score! / 100) })
        let byValue = expected.keys.sorted { a, b in
            let x = scores[a]! * 100_000_000 / expected[a]!, y = scores[b]! * 100_000_000 / expected[b]!
            return x != y ? x > y : a < b
        }
        let byPrice = expected.keys.sorted { expected[$0]! != expected[$1]! ? expected[$0]! < expected[$1]! : $0 < $1 }
        func order(_ page: String) -> [String] {
            // The leaderboard is the page's first table (the tester's follows it).
            (page.components(separatedBy: "</table>").first ?? "").components(separatedBy: "<tr>").dropFirst(2).compactMap { row in
                expected.keys.first { row.contains(">\($0)<") || row.contains("/\($0).html") }
            }
        }
        #expect(order(value) == byValue)
        #expect(order(price) == byPrice)
        // The cheap-but-slow orchestrator is the cheapest; the value column shows its number.
        let slow = "0x00000000000000000000000000000000000005e2"
        #expect(byPrice.first == slow)
        #expect(price.contains("\(scores[slow]! * 100_000_000 / expected[slow]!)"))
        #expect(value.contains("SLA per 1,000 gwei/min <span class=\"sorted\">(sorted)</span>"))
        // A batch or LLM job pays one ticket worth a 512 × 512 image at the orchestrator's price: 700 × 262 144 wei for the
        // slow starter, exactly, per job (spec/site.md §6.2).
        let jobs = (0..<7).flatMap { model.gatewayJobs[UTCDay(number: model.lastDay.number - $0)] ?? [] }.filter { $0.orchestrator == slow }
        let perJob: Int64? = SiteModel.costPerJob(jobs)
        #expect(perJob == Int64(700 * 262_144), "\(String(describing: perJob))")
        #expect(SitePages(model: model).orchestrator(slow).contains("<th scope=\"col\" class=\"num\">Cost per job</th>"))
        // Each pipeline and model's cost per orchestrator, as its leaderboard shows it (the sample's profile, naap-sla-v1,
        // has live leaderboards only).
        let t2i: Int64? = model.groupCost[7]?[SiteModel.groupKey(orchestrator: slow, pipeline: "text-to-image", model: "stabilityai/sd-turbo")]
        #expect(t2i == Int64(700 * 262_144))
        let live = try #require(all["live-video-to-video--streamdiffusion-sdxl-w7.html"])
        let sdxl = SiteModel.costPerMinute(jobs.filter { $0.model == "streamdiffusion-sdxl" && $0.kind == .liveSession })
        #expect(live.contains("<td class=\"num\">\(SitePages.gweiPerMinute(sdxl))</td>"))
    }

    @Test("the home page draws the network over time, each chart with its table; a day without data has no point")
    func charts() async throws {
        let model = try await SiteModel(directory: DatasetDirectory(Self.sample), unverified: false)
        let home = SitePages(model: model).home()
        for id in ["chart-jobs", "chart-success", "chart-fps", "chart-capacity", "chart-price", "chart-cost"] {
            #expect(home.contains("<h3 id=\"\(id)\">"), "\(id)")
        }
        #expect(home.components(separatedBy: "<svg class=\"chart\"").count - 1 == home.components(separatedBy: "<summary>The numbers</summary>").count - 1)
        // Capacity: 7 orchestrators × 2 live models, one GPU each, every day; the offline-hours orchestrator's models are
        // cold at its 12:00 snapshot on odd days, warm at the others, so each day has all 14 warm at some point.
        let capacity = try #require(home.components(separatedBy: "id=\"chart-capacity\"").last?.components(separatedBy: "</details>").first)
        #expect(capacity.contains("<td class=\"num\">14</td><td class=\"num\">14</td>"), "\(capacity.prefix(2000))")
        // The slow starter's 700 wei/px is never the median of seven prices; 1500 is (1200 + 100 × index, and 700).
        let prices = try #require(home.components(separatedBy: "id=\"chart-price\"").last?.components(separatedBy: "</details>").first)
        #expect(prices.contains("1500.000 wei/px") && !prices.contains("700.000 wei/px"))
        // Coordinates are integers (spec/site.md §6.3).
        let charts = home.components(separatedBy: "id=\"over-time\"").last ?? ""
        let points = charts.components(separatedBy: "points=\"").dropFirst().map { $0.prefix { $0 != "\"" } }
        #expect(!points.isEmpty && points.allSatisfy { !$0.contains(".") })
    }
}
