import AssayCore
import AssayLedger

/// The export's descriptors (spec/export.md §4): a Frictionless Data Package v2 (`datapackage.json`) and a data
/// card (`README.md` with the usual YAML header). Both are functions of the dataset and the exported files: no
/// clock, no host name, the same bytes for the same export.
struct DataCard {
    let descriptor: DatasetDescriptor
    let genesis: String
    let summary: DatasetExport.Summary
    let parquet: Bool

    var range: String { "\(summary.first?.description ?? "?")..\(summary.last?.description ?? "?")" }
    var name: String { "\(descriptor.id)-\(summary.first?.description ?? "")-\(summary.last?.description ?? "")" }

    func file(_ name: String) -> (name: String, bytes: Int64, sha256: String)? { summary.files.first { $0.name == name } }

    func tableSchema() -> JSONValue {
        .object([
            .init("fields", .array(ExportColumns.all.map { column in
                var members: [JSONValue.Member] = [
                    .init("name", .string(column.name)), .init("type", .string(column.frictionlessType)),
                    .init("description", .string(column.description + " (kinds: " + column.kinds.joined(separator: ", ") + ")")),
                ]
                if let values = column.values { members.append(.init("constraints", .object([.init("enum", .array(values.map { .string($0) }))]))) }
                return .object(members)
            })),
            .init("primaryKey", .array([.string("observer_id"), .string("id")])),
        ])
    }

    func resource(_ name: String, path: String, format: String, mediatype: String, title: String, schema: JSONValue) -> JSONValue? {
        guard let file = file(path) else { return nil }
        return .object([
            .init("name", .string(name)), .init("path", .string(path)), .init("title", .string(title)),
            .init("format", .string(format)), .init("mediatype", .string(mediatype)), .init("bytes", .integer(file.bytes)),
            .init("hash", .string("sha256:\(file.sha256)")), .init("schema", schema),
        ])
    }

    /// Frictionless Data Package v2 (https://datapackage.org/standard/data-package/), pretty JSON.
    func dataPackage() throws -> [UInt8] {
        let bundleSchema = JSONValue.object([.init("fields", .array([
            .object([.init("name", "collector"), .init("type", "string"), .init("description", "The collector that sealed the bundle.")]),
            .object([.init("name", "day"), .init("type", "date"), .init("description", "The bundle's UTC day.")]),
            .object([.init("name", "manifest_sha256"), .init("type", "string"), .init("description", "SHA-256 of the bundle's signed manifest.json.")]),
            .object([.init("name", "records"), .init("type", "integer"), .init("description", "Records read from the bundle (before records seen by several collectors were merged).")]),
        ]))])
        let resources: [JSONValue] = [
            resource("records", path: DatasetExport.recordsFile, format: "jsonl", mediatype: "application/jsonl+zstd",
                     title: "The canonical records (RFC 8785 JSON, one per line), zstd-compressed", schema: tableSchema()),
            resource("records-parquet", path: DatasetExport.parquetFile, format: "parquet", mediatype: "application/vnd.apache.parquet",
                     title: "The same records as Parquet (written by DuckDB)", schema: tableSchema()),
            resource("bundles", path: DatasetExport.bundlesFile, format: "csv", mediatype: "text/csv",
                     title: "The signed bundles the records come from", schema: bundleSchema),
        ].compactMap { $0 }
        let value = JSONValue.object([
            .init("$schema", "https://datapackage.org/profiles/2.0/datapackage.json"),
            .init("name", .string(name)),
            .init("title", .string("\(descriptor.title), \(range)")),
            .init("description", .string(descriptor.description)),
            .init("version", .string(summary.contentSHA256)),
            .init("licenses", .array([.object([.init("name", .string(descriptor.licence))])])),
            .init("keywords", .array(["livepeer", "ai-video", "sla", "verifiable"].map { .string($0) })),
            .init("sources", .array([.object([.init("title", .string("Assay dataset \(descriptor.id), genesis \(genesis)"))])])),
            .init("resources", .array(resources)),
        ])
        return Array(try PrettyJSON.string(value).utf8)
    }

    /// The data card: YAML header (licence, size, configs), then what the data is, its fields, how it was made and verified.
    func readme() -> String {
        let records = summary.records
        let size = records < 1_000 ? "n<1K" : records < 10_000 ? "1K<n<10K" : records < 100_000 ? "10K<n<100K" : records < 1_000_000 ? "100K<n<1M"
            : records < 10_000_000 ? "1M<n<10M" : records < 100_000_000 ? "10M<n<100M" : "100M<n<1B"
        var text = """
            ---
            license: \(descriptor.licence.lowercased())
            pretty_name: "\(descriptor.title.replacingOccurrences(of: "\"", with: "'")), \(range)"
            size_categories:
              - \(size)
            tags:
              - livepeer
              - ai-video
              - sla
              - verifiable
            configs:
              - config_name: default
                data_files: \(parquet ? DatasetExport.parquetFile : DatasetExport.recordsFile)
            \(descriptor.simulated ? "simulated: true\n" : "")---

            # \(descriptor.title): records \(range)

            \(descriptor.description)\(descriptor.simulated ? "\n\n**Simulated data**: the dataset's signed descriptor marks it synthetic." : "")

            ## Files

            | file | bytes | SHA-256 |
            |---|---|---|

            """
        for file in summary.files { text += "| `\(file.name)` | \(file.bytes) | `\(file.sha256)` |\n" }
        text += """

            `\(DatasetExport.recordsFile)` holds \(records) records, each distinct record once, sorted by day, then
            `observer_id` and `id`: \(summary.contentBytes) bytes of canonical JSON Lines whose SHA-256 is
            `\(summary.contentSHA256)` (the `version` of `datapackage.json`)\(parquet ? "; `\(DatasetExport.parquetFile)` the same rows, in the same order" : "").
            \(summary.disputedKeys == 0 ? "No" : "\(summary.disputedKeys)") record key\(summary.disputedKeys == 1 ? " was" : "s were") disputed (different bytes for one `observer_id` and `id` in two bundles) and left out.

            ## Fields

            One column per field of any record kind (spec/records.md); a field a record lacks is empty (null).

            | field | type | kinds | description |
            |---|---|---|---|

            """
        for column in ExportColumns.all {
            text += "| `\(column.name)` | \(column.frictionlessType) | \(column.kinds.joined(separator: ", ")) | \(column.description.replacingOccurrences(of: "|", with: "\\|")) |\n"
        }
        text += """

            ## How it was made

            Collectors (Livepeer gateway operators) sealed each day's job records into signed bundles of the Assay
            dataset `\(descriptor.id)`; `assay export` verified the \(summary.bundles.count) bundles listed in
            `\(DatasetExport.bundlesFile)` (hashes, signatures, chain, log) and wrote their records, a record seen by several
            collectors once.

            ## How to verify it

            Every row comes from a signed bundle named in `\(DatasetExport.bundlesFile)` by its manifest hash. With the
            dataset's repository:

            ```sh
            assay verify DATASET --trust \(genesis) --fetch COLLECTOR/\(range)
            ```

            checks the bundles against the genesis `\(genesis)`, and `assay export` run again on them writes records
            whose SHA-256 is the one above.

            """
        return text
    }
}
