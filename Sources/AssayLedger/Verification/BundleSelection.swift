import AssayCore

/// Which bundles' records a verification reads (spec/dataset.md §8.5): a list of `COLLECTOR`,
/// `COLLECTOR/DAY` or `COLLECTOR/FIRST..LAST` (days inclusive). Bundles outside it are not checked:
/// their manifests, signatures and chain links are, their records are not, and the report says so.
public struct BundleSelection: Sendable, Equatable, CustomStringConvertible {
    public struct Item: Sendable, Equatable, CustomStringConvertible {
        public let collector: String
        /// nil: every day of the collector.
        public let days: ClosedRange<UTCDay>?

        public init(collector: String, days: ClosedRange<UTCDay>?) {
            self.collector = collector
            self.days = days
        }

        /// Parses one item; the error says what is wrong with it.
        public init(parsing text: String) throws(DocumentError) {
            let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
            let collector = String(parts[0])
            guard Slug.isValid(collector) else {
                throw DocumentError("'\(text)': the collector '\(collector)' must be \(Slug.rule) (COLLECTOR, COLLECTOR/DAY or COLLECTOR/FIRST..LAST)")
            }
            guard parts.count == 2 else {
                self.init(collector: collector, days: nil)
                return
            }
            let range = parts[1].components(separatedBy: "..")
            guard range.count <= 2, let first = UTCDay(range[0]), let last = range.count == 2 ? UTCDay(range[1]) : first else {
                throw DocumentError("'\(text)': the days must be YYYY-MM-DD or YYYY-MM-DD..YYYY-MM-DD")
            }
            guard first <= last else { throw DocumentError("'\(text)': the first day is after the last") }
            self.init(collector: collector, days: first...last)
        }

        public func contains(collector: String, day: UTCDay) -> Bool {
            collector == self.collector && (days?.contains(day) ?? true)
        }

        public var description: String {
            guard let days else { return collector }
            return days.lowerBound == days.upperBound ? "\(collector)/\(days.lowerBound)" : "\(collector)/\(days.lowerBound)..\(days.upperBound)"
        }
    }

    public let items: [Item]

    public init(items: [Item]) { self.items = items }

    public init(parsing texts: [String]) throws(DocumentError) {
        var items: [Item] = []
        for text in texts { items.append(try Item(parsing: text)) }
        self.init(items: items)
    }

    public func contains(collector: String, day: UTCDay) -> Bool { items.contains { $0.contains(collector: collector, day: day) } }

    public var description: String { items.map(\.description).joined(separator: ", ") }
}
