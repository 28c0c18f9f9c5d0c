import AssayCore

/// One answer of an exporter's `GET /v1/records` as a collector reads it
/// (spec/exporter.md §4, spec/collector.md §3): the JSON document is untrusted;
/// each record in it is validated on its own, and what fails is quarantined
/// with its reason, never dropped silently and never staged as a record.
public enum ExporterPage: Sendable {
    /// A page of records: the valid ones (canonical bytes), the quarantined ones, the cursor after the page.
    case records(Records)
    /// HTTP 410: the records after the cursor were pruned; continue after `resumeAfter`.
    case pruned(resumeAfter: Int64)

    public struct Records: Sendable {
        public var valid: [(record: Record, canonical: [UInt8])] = []
        /// (the UTC day of `start_ms` if it has one, the reason code, the record's canonical JSON)
        public var quarantined: [(day: UTCDay?, reason: String, body: [UInt8])] = []
        public var next: Int64 = 0
        public var hasMore = false
    }

    /// Why an answer is not a usable page; the collector records it as `invalid_response`.
    public struct Invalid: Error, Equatable, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// The JSON limits a collector parses pages with (the body itself is capped at the page size limit).
    public static let parserLimits = JSONParser.Limits(maxDepth: 16, maxBytes: 16 << 20)

    /// Reads the answer `page` (HTTP status `status`: 200 or 410) to a request for the records after
    /// `cursor`. With `quarantineAll` (the exporter reported another orchestrator) every record is
    /// quarantined as `address-mismatch`.
    public static func read(_ page: JSONValue, status: Int64, after cursor: Int64, quarantineAll: Bool) throws(Invalid) -> ExporterPage {
        if status == 410 {
            guard let resume = page["resume_after"]?.intValue, resume > cursor else {
                throw Invalid(description: "a 410 answer without a usable resume_after")
            }
            return .pruned(resumeAfter: resume)
        }
        guard page["api"] == .string("assay-exporter-v1"), page["schema"] == .integer(AssayVersion.recordSchema),
              case .array(let values)? = page["records"], let next = page["next_cursor"]?.intValue, next >= cursor,
              case .bool(let hasMore)? = page["has_more"], next > cursor || values.isEmpty
        else {
            throw Invalid(description: "a /v1/records page without api, schema \(AssayVersion.recordSchema), records, a next_cursor at or after \(cursor) and has_more")
        }
        var records = Records()
        records.next = next
        records.hasMore = hasMore
        for value in values {
            let bytes = (try? CanonicalJSON.encode(value)) ?? []
            // The day a quarantined record is counted on, when it has a timestamp at all (any integer may arrive).
            let day = value["start_ms"]?.intValue.flatMap { RecordSchema.timestampRange.contains($0) ? UTCDay(containing: $0) : nil }
            if quarantineAll {
                records.quarantined.append((day, "address-mismatch", bytes))
                continue
            }
            do {
                let record = try Record.validate(value)
                // A page says schema 1 (checked above): a record of another version in it is not what the page claims.
                guard record.schemaVersion == AssayVersion.recordSchema else {
                    records.quarantined.append((day, RecordError.Code.unsupportedSchema.rawValue, bytes))
                    continue
                }
                records.valid.append((record, record.canonicalBytes()))
            } catch {
                records.quarantined.append((day, error.code.rawValue, bytes))
            }
        }
        return .records(records)
    }
}
