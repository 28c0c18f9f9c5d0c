import AssayCore
import AssayStore
import AssayTestSupport
import Testing

/// The exporter's SQLite store against real files: cursors, counters, pruning, duplicates, conflicts, pages.
@Suite("exporter store")
struct ExporterStoreTests {
    func records(_ range: Range<Int>, tries: Int = 1) throws -> [(record: Record, canonical: [UInt8])] {
        try range.map { index in
            let record = try Record.parse(Array(Fixtures.batchRequest(index, tries: tries).utf8))
            return (record, record.canonicalBytes())
        }
    }

    @Test("cursors increase, counters match the rows, and pruning never reuses a cursor")
    func countersAndPruning() throws {
        let directory = try TemporaryDirectory()
        let store = try ExporterStore(path: directory.file("s.sqlite"))
        let first = try store.ingest(try records(0..<50), receivedMs: 1000)
        #expect(first == (1...50).map { .accepted(cursor: Int64($0)) })
        _ = try store.ingest(try records(50..<100), receivedMs: 5000)
        var summary = try store.summary()
        #expect(summary.records == 100)
        #expect(summary.bytes == (try store.database.integer("SELECT sum(length(body)) FROM records")))

        #expect(try store.prune(minimumReceivedMs: 2000, maxBytes: nil) == 50)
        summary = try store.summary()
        #expect(summary.records == 50 && summary.prunedThrough == 50 && summary.oldestCursor == 51)
        #expect(summary.bytes == (try store.database.integer("SELECT sum(length(body)) FROM records")))

        let cap = summary.bytes / 2
        let pruned = try store.prune(minimumReceivedMs: nil, maxBytes: cap)
        #expect(pruned > 0)
        summary = try store.summary()
        #expect(summary.records == (try store.database.integer("SELECT count(*) FROM records")))
        #expect(summary.bytes <= cap)

        // Everything pruned: the next record still gets a fresh cursor.
        _ = try store.prune(minimumReceivedMs: 10_000, maxBytes: nil)
        #expect(try store.ingest(try records(100..<101), receivedMs: 20_000) == [.accepted(cursor: 101)])
        #expect(try store.summary().newestCursor == 101)
    }

    @Test("duplicates keep their cursor; conflicts are added beside the first version")
    func identity() throws {
        let directory = try TemporaryDirectory()
        let store = try ExporterStore(path: directory.file("s.sqlite"))
        _ = try store.ingest(try records(0..<3), receivedMs: 1)
        #expect(try store.ingest(try records(1..<2), receivedMs: 2) == [.duplicate(cursor: 2)])
        #expect(try store.ingest(try records(1..<2, tries: 3), receivedMs: 3) == [.conflict(cursor: 4, existing: 2)])
        #expect(try store.ingest(try records(1..<2, tries: 3), receivedMs: 4) == [.duplicate(cursor: 4)])
        let page = try store.page(after: 0, limit: 10, maxBytes: 1 << 20)
        #expect(page.count == 4 && page.nextCursor == 4 && !page.hasMore)
    }

    @Test("pages respect the record limit and the byte cap, and always make progress")
    func pages() throws {
        let directory = try TemporaryDirectory()
        let store = try ExporterStore(path: directory.file("s.sqlite"))
        _ = try store.ingest(try records(0..<20), receivedMs: 1)
        let limited = try store.page(after: 0, limit: 5, maxBytes: 1 << 20)
        #expect(limited.count == 5 && limited.hasMore && limited.nextCursor == 5)
        let capped = try store.page(after: 5, limit: 100, maxBytes: 1)
        #expect(capped.count == 1 && capped.hasMore && capped.nextCursor == 6)
        let last = try store.page(after: 19, limit: 100, maxBytes: 1 << 20)
        #expect(last.count == 1 && !last.hasMore)
        let empty = try store.page(after: 20, limit: 100, maxBytes: 1 << 20)
        #expect(empty.count == 0 && empty.nextCursor == 20 && !empty.hasMore)
    }
}
