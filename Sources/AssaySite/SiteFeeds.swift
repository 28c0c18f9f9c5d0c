import AssayCore
import AssayCrypto

/// The site's Atom feeds and badges (spec/site.md §6.4): pure functions of the model.
struct SiteFeeds {
    let model: SiteModel

    /// One thing worth telling a subscriber.
    struct Event: Sendable, Equatable {
        enum Kind: String, Sendable { case missed, recovered, outage }
        let orchestrator: String
        let day: UTCDay
        let kind: Kind
        let title: String
        let detail: String
    }

    /// Outcomes of a scrape that mean the exporter was not reached or did not answer correctly (records.md §4.5).
    static let failedScrapes: Set<String> = ["timeout", "connect_error", "http_error", "invalid_response"]

    /// Per orchestrator and day: (scrapes, failed scrapes) of its exporter, over every collector.
    func scrapes() -> [String: [UTCDay: (total: Int, failed: Int)]] {
        var counts: [String: [UTCDay: (total: Int, failed: Int)]] = [:]
        for bundle in model.report.bundles {
            guard let rows = model.rows[bundle.relativePath] else { continue }
            let strings = rows.strings.strings
            func text(_ row: SiteModel.Row, _ slot: Int) -> String? { row.strings[slot] < 0 ? nil : strings[Int(row.strings[slot])] }
            for row in rows.rows where text(row, 1) == RecordKind.probe.rawValue {
                guard let orchestrator = text(row, 3) else { continue }
                var count = counts[orchestrator, default: [:]][bundle.day] ?? (0, 0)
                count.total += 1
                if let outcome = text(row, 7), Self.failedScrapes.contains(outcome) { count.failed += 1 }
                counts[orchestrator, default: [:]][bundle.day] = count
            }
        }
        return counts
    }

    /// Every orchestrator's events, by orchestrator, each list in day order (spec/site.md §6.4).
    func events() -> [String: [Event]] {
        let start = UTCDay(number: model.lastDay.number - SiteModel.historyDays + 1)
        let days = model.bundlesByDay.keys.filter { $0 >= start }.sorted()
        let scrapes = scrapes()
        var result: [String: [Event]] = [:]
        for orchestrator in Set(model.sloByOrchestrator.keys).union(scrapes.keys).sorted() {
            var previous: String?
            var events: [Event] = []
            for day in days {
                if let slo = model.sloByOrchestrator[orchestrator]?[day]?["slo"], let verdict = slo["verdict"]?.text, verdict != "not_judged" {
                    let score = Format.score(slo["score"]?.int.map { $0 * 100 })
                    if verdict == "missed" && previous != "missed" {
                        events.append(Event(orchestrator: orchestrator, day: day, kind: .missed, title: "\(orchestrator) missed its SLO on \(day)",
                                            detail: "SLA score \(score) on \(day), failure rate \(Format.percent(slo["failure_rate"]?.int)); "
                                                + "profile \(model.profile.id), 1-day window."))
                    } else if verdict == "met" && previous == "missed" {
                        events.append(Event(orchestrator: orchestrator, day: day, kind: .recovered, title: "\(orchestrator) met its SLO again on \(day)",
                                            detail: "SLA score \(score) on \(day); profile \(model.profile.id), 1-day window."))
                    }
                    previous = verdict
                }
                if let count = scrapes[orchestrator]?[day], count.failed > 0 {
                    events.append(Event(orchestrator: orchestrator, day: day, kind: .outage, title: "\(orchestrator)'s exporter unreachable on \(day)",
                                        detail: "\(count.failed) of \(count.total) scrapes by the collectors failed on \(day)."))
                }
            }
            if !events.isEmpty { result[orchestrator] = events }
        }
        return result
    }

    /// `urn:uuid:` and a version-8 UUID from SHA-256 of `parts` joined by 0x00 (spec/site.md §6.4).
    static func uuid(_ parts: [String]) -> String {
        var bytes = Array(MessageDigest.sha256(Array(parts.joined(separator: "\u{0}").utf8)).bytes.prefix(16))
        bytes[6] = (bytes[6] & 0x0F) | 0x80
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        let hex = Hex.encode(bytes)
        let index = { (offset: Int) in hex.index(hex.startIndex, offsetBy: offset) }
        return "urn:uuid:\(hex[..<index(8)])-\(hex[index(8)..<index(12)])-\(hex[index(12)..<index(16)])-\(hex[index(16)..<index(20)])-\(hex[index(20)...])"
    }

    /// XML text: `& < > " '` escaped.
    static func xml(_ text: String) -> String { HTML.escape(text) }

    /// The end of `day`, when its events are final.
    static func updated(_ day: UTCDay) -> String { "\(UTCDay(number: day.number + 1))T00:00:00Z" }

    /// An Atom 1.0 feed of `events` at `path` (relative to the site's root), its links made relative to it.
    func atom(path: String, title: String, events: [Event]) -> String {
        let root = String(repeating: "../", count: path.split(separator: "/").count - 1)
        let ordered = events.map { event in (event, Self.uuid(["assay-feed-entry-v1", model.descriptor.id, event.orchestrator, "\(event.day)", event.kind.rawValue])) }
            .sorted { $0.0.day != $1.0.day ? $0.0.day > $1.0.day : $0.1 < $1.1 }
        let updated = Self.updated(ordered.first?.0.day ?? model.lastDay)
        var feed = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n"
        feed += "  <id>\(Self.uuid(["assay-feed-v1", model.descriptor.id, path]))</id>\n"
        feed += "  <title>\(Self.xml(title))</title>\n"
        feed += "  <updated>\(updated)</updated>\n"
        feed += "  <author><name>\(Self.xml(model.descriptor.title))</name></author>\n"
        feed += "  <link rel=\"alternate\" type=\"text/html\" href=\"\(root)index.html\"/>\n"
        for (event, id) in ordered {
            feed += "  <entry>\n    <id>\(id)</id>\n    <title>\(Self.xml(event.title))</title>\n    <updated>\(Self.updated(event.day))</updated>\n"
            feed += "    <link rel=\"alternate\" type=\"text/html\" href=\"\(root)orchestrators/\(SitePath.component(event.orchestrator)).html\"/>\n"
            feed += "    <category term=\"\(event.kind.rawValue)\"/>\n    <summary type=\"text\">\(Self.xml(event.detail))</summary>\n  </entry>\n"
        }
        return feed + "</feed>\n"
    }

    /// (path, contents) of the network's feed and of each of `orchestrators`' (one for every page, events or not: a
    /// reader can subscribe before anything happens).
    func feeds(orchestrators: [String]) -> [(String, String)] {
        let all = events()
        var files: [(String, String)] = []
        let newest = all.values.flatMap { $0 }.sorted { $0.day != $1.day ? $0.day > $1.day : ($0.orchestrator, $0.kind.rawValue) < ($1.orchestrator, $1.kind.rawValue) }
        files.append(("feeds/network.atom", atom(path: "feeds/network.atom", title: "\(model.descriptor.title): SLO changes and outages",
                                                  events: Array(newest.prefix(200)))))
        for orchestrator in Set(orchestrators).union(all.keys).sorted() {
            let path = "feeds/orchestrators/\(SitePath.component(orchestrator)).atom"
            files.append((path, atom(path: path, title: "\(orchestrator): SLO changes and outages (\(model.descriptor.title))", events: all[orchestrator] ?? [])))
        }
        return files
    }

    // MARK: Badges

    /// The badge of an orchestrator's 7-day score: (message, shields.io colour), nil without a score.
    func badge(_ orchestrator: String) -> (message: String, color: String)? {
        guard let entry = model.windowScores[7]?.value["scores"]?["orchestrators"]?.list.first(where: { $0["orchestrator"]?.text == orchestrator }),
              let score = entry["slo"]?["score"]?.int else { return nil }
        let color = switch entry["slo"]?["verdict"]?.text {
        case "met": "brightgreen"
        case "missed": "red"
        default: "lightgrey"
        }
        return (Format.score(score * 100), color)
    }

    static let label = "SLA 7d"

    /// The shields.io endpoint JSON (spec/site.md §6.4), canonical.
    static func endpointJSON(message: String, color: String) -> JSONValue {
        .object([.init("color", .string(color)), .init("label", .string(label)), .init("message", .string(message)),
                 .init("schemaVersion", .integer(1))])
    }

    /// The same badge as a static SVG: widths from the number of characters.
    static func svg(message: String, color: String) -> String {
        let fill = ["brightgreen": "#2e7d32", "red": "#c62828"][color] ?? "#616161"
        let left = 10 + 7 * label.count, right = 10 + 7 * message.count
        let text = "\(label): \(message)"
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(left + right)\" height=\"20\" role=\"img\" aria-label=\"\(xml(text))\">"
            + "<title>\(xml(text))</title><rect width=\"\(left)\" height=\"20\" fill=\"#424242\"/><rect x=\"\(left)\" width=\"\(right)\" height=\"20\" fill=\"\(fill)\"/>"
            + "<g fill=\"#fff\" font-family=\"DejaVu Sans,Verdana,sans-serif\" font-size=\"11\" text-anchor=\"middle\">"
            + "<text x=\"\(left / 2)\" y=\"14\">\(xml(label))</text><text x=\"\(left + right / 2)\" y=\"14\">\(xml(message))</text></g></svg>\n"
    }
}
