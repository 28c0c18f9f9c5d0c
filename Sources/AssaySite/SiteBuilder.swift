import AssayCore
import AssayCrypto
import AssayHTTP
import AssayLedger
import AssayScore
import AssayStore
import Foundation

/// Writes the static site of a `SiteModel` into a directory: pages, assets,
/// the read API, CSV and SQLite downloads, copies of the signed files, a
/// Frictionless `datapackage.json` and `SHA256SUMS`. The same model gives the
/// same bytes (no build time, fixed order). The site is written beside the
/// target and renamed into place, so a failed build leaves the old site.
public struct SiteBuilder {
    public let model: SiteModel
    public let directory: DatasetDirectory
    /// The scoring profile's bytes, published beside the scores.
    public let profileBytes: [UInt8]
    /// Records files are copied into the site (for download and in-browser hashing) up to this many bytes in all.
    public var recordsCopyLimit: Int64 = 32 << 20

    public init(model: SiteModel, directory: DatasetDirectory, profileBytes: [UInt8] = ScoringProfile.defaultProfileBytes) {
        self.model = model
        self.directory = directory
        self.profileBytes = profileBytes
    }

    public struct Summary: Sendable {
        public let files: Int
        public let bytes: Int64
        public let orchestrators: Int
    }

    /// Builds into `output` (replacing what is there).
    public func build(into output: String, progress: (String) -> Void = { _ in }) throws -> Summary {
        let temporary = "\(output).tmp-\(getpid())"
        try? FileManager.default.removeItem(atPath: temporary)
        var writer = SiteWriter(root: temporary)
        let pages = SitePages(model: model)
        let orchestrators = Array(Set(model.dailyScores.values.flatMap { $0["scores"]?["orchestrators"]?.list.compactMap { $0["orchestrator"]?.text } ?? [] })
            .union(model.windowScores.values.flatMap { $0.value["scores"]?["orchestrators"]?.list.compactMap { $0["orchestrator"]?.text } ?? [] })).sorted()

        progress("writing pages")
        try writer.write("assets/site.css", SiteAssets.css)
        try writer.write("assets/verify.js", SiteAssets.verifyJS)
        try writer.write("index.html", pages.home())
        try writer.write("leaderboards.html", pages.leaderboardIndex())
        for (name, page) in pages.leaderboards() { try writer.write("leaderboards/\(name)", page) }
        for orchestrator in orchestrators {
            try writer.write("orchestrators/\(SitePath.component(orchestrator)).html", pages.orchestrator(orchestrator))
        }
        let recordsBytes = model.report.bundles.reduce(Int64(0)) { total, bundle in
            total + (bundle.manifest?.files.reduce(Int64(0)) { $0 + $1.size } ?? 0)
        }
        let copyRecords = recordsBytes <= recordsCopyLimit
        try writer.write("provenance.html", pages.provenance(recordsCopied: copyRecords))
        try writer.write("verify.html", pages.verify())

        progress("writing the read API and downloads")
        try writeSignedFiles(&writer, copyRecords: copyRecords)
        try writer.write("data/profiles/\(SitePath.component(model.profile.id)).json", profileBytes)
        try writeAPI(&writer, orchestrators: orchestrators)
        try writeCSV(&writer)
        progress("writing the records database")
        try writeDatabase(&writer)
        var described: [(String, String)] = [
            ("api/v1/index.json", "the dataset index: descriptor, policy, every bundle with its manifest hash and signers"),
            ("api/v1/provenance.json", "what in-browser verification checks: keys, manifests, signatures, files"),
        ]
        described += SiteModel.windows.map { ("api/v1/scores/w\($0).json", "assay score output, \($0)-day window to \(model.lastDay) (spec/scoring.md §9)") }
        described += [("api/v1/days/", "one file per day: that day's 1-day scores"), ("api/v1/orchestrators/", "one file per orchestrator: daily score history")]
        described += SiteModel.windows.map { ("downloads/leaderboard-w\($0).csv", "the \($0)-day leaderboard as CSV") }
        described += [("downloads/daily-scores.csv", "every orchestrator's daily SLA score as CSV"),
                      ("downloads/records.sqlite", "every record of every bundle, one row each, with its canonical JSON (SQLite)"),
                      ("data/bundles/", copyRecords ? "copies of the signed manifests, signatures and record files" : "copies of the signed manifests and signatures (record files: clone the dataset)")]
        try writer.write("downloads.html", pages.downloads(files: described))
        try writeDataPackage(&writer)
        // SHA256SUMS of every file, sorted by path.
        let sums = writer.written.sorted { $0.key < $1.key }.map { "\($0.value)  \($0.key)\n" }.joined()
        try writer.write("SHA256SUMS", sums)

        // Replace the old site.
        let old = "\(output).old-\(getpid())"
        if Files.exists(output) { try FileManager.default.moveItem(atPath: output, toPath: old) }
        try FileManager.default.moveItem(atPath: temporary, toPath: output)
        try? FileManager.default.removeItem(atPath: old)
        return Summary(files: writer.written.count, bytes: writer.bytes, orchestrators: orchestrators.count)
    }

    func writeSignedFiles(_ writer: inout SiteWriter, copyRecords: Bool) throws {
        for bundle in model.report.bundles {
            let relative = DatasetDirectory.bundleRelativePath(collector: bundle.collector, day: bundle.day)
            let source = directory.bundlePath(collector: bundle.collector, day: bundle.day)
            try writer.write("data/\(relative)/manifest.json", try Files.read("\(source)/manifest.json", limit: 16 << 20))
            for name in DatasetDirectory.list("\(source)/signatures") where name.hasSuffix(".sig") && Slug.isValid(String(name.dropLast(4))) {
                try writer.write("data/\(relative)/signatures/\(name)", try Files.read("\(source)/signatures/\(name)", limit: 1 << 16))
            }
            if copyRecords {
                for name in Manifest.fileNames { try writer.write("data/\(relative)/\(name)", try Files.read("\(source)/\(name)")) }
            }
        }
        // What verify.js checks (keys from the policy the report used).
        let keys: [JSONValue] = (model.report.policy?.signers.entries ?? []).map { entry in
            .object([.init("principals", .array(entry.principals.map { .string($0) })), .init("fingerprint", .string(OpenSSHPublicKey(entry.key).fingerprint)),
                     .init("key", .string(Base64.encode(entry.key.rawRepresentation)))])
        }
        let bundles: [JSONValue] = model.report.bundles.map { bundle in
            let base = "data/" + DatasetDirectory.bundleRelativePath(collector: bundle.collector, day: bundle.day)
            let signatures = DatasetDirectory.list("\(directory.bundlePath(collector: bundle.collector, day: bundle.day))/signatures")
                .filter { $0.hasSuffix(".sig") && Slug.isValid(String($0.dropLast(4))) }
            return .object([
                .init("collector", .string(bundle.collector)), .init("day", .string(bundle.day.description)),
                .init("manifest", .string("\(base)/manifest.json")), .init("manifest_sha256", .string(bundle.manifestHash ?? "")),
                .init("signatures", .array(signatures.map { .object([.init("signer", .string(String($0.dropLast(4)))), .init("url", .string("\(base)/signatures/\($0)"))]) })),
                .init("files", .array(copyRecords ? Manifest.fileNames.map { .object([.init("name", .string($0)), .init("url", .string("\(base)/\($0)"))]) } : [])),
            ])
        }
        try writer.write("api/v1/provenance.json", Self.json(.object([.init("format", "assay-site-provenance-v1"), .init("keys", .array(keys)), .init("bundles", .array(bundles))])))
    }

    func writeAPI(_ writer: inout SiteWriter, orchestrators: [String]) throws {
        let pages = SitePages(model: model)
        let descriptor = model.descriptor
        let index = JSONValue.object([
            .init("format", "assay-site-index-v1"),
            .init("dataset", .object([.init("id", .string(descriptor.id)), .init("title", .string(descriptor.title)), .init("licence", .string(descriptor.licence)),
                                      .init("simulated", .bool(descriptor.simulated))])),
            .init("verified", .bool(model.verified)),
            .init("last_day", .string(model.lastDay.description)),
            .init("profile", .object([.init("id", .string(model.profile.id)), .init("sha256", .string(model.profile.sha256))])),
            .init("policy", model.report.policy.map { .object([.init("version", .integer(Int64($0.version))), .init("sha256", .string($0.hash)),
                                                                .init("threshold", .integer(Int64($0.threshold)))]) } ?? .null),
            .init("bundles", .array(model.report.bundles.map { bundle in
                .object([.init("collector", .string(bundle.collector)), .init("day", .string(bundle.day.description)),
                         .init("manifest_sha256", .string(bundle.manifestHash ?? "")), .init("records", .integer(bundle.manifest?.recordsTotal ?? 0)),
                         .init("signers", .array(bundle.signers.map { .string($0) })), .init("unsigned", .array(bundle.unsigned.map { .string($0) })),
                         .init("holds", .bool(bundle.holds))])
            })),
            .init("scores", .array(SiteModel.windows.map { .string("api/v1/scores/w\($0).json") })),
            .init("orchestrators", .array(orchestrators.map { .object([.init("orchestrator", .string($0)),
                                                                         .init("history", .string("api/v1/orchestrators/\(SitePath.component($0)).json"))]) })),
        ])
        try writer.write("api/v1/index.json", Self.json(index))
        for window in SiteModel.windows { try writer.write("api/v1/scores/w\(window).json", model.windowScores[window]!.bytes) }
        for (day, scores) in model.dailyScores { try writer.write("api/v1/days/\(day).json", Self.json(scores)) }
        for orchestrator in orchestrators {
            let history = pages.history(orchestrator, days: SiteModel.historyDays).compactMap { point -> JSONValue? in
                guard let slo = point.entry?["slo"] else { return nil }
                return .object([.init("day", .string(point.day.description)), .init("score", slo["score"] ?? .null), .init("jobs", slo["jobs"] ?? .null),
                                .init("compliant", slo["compliant"] ?? .null)])
            }
            try writer.write("api/v1/orchestrators/\(SitePath.component(orchestrator)).json",
                             Self.json(.object([.init("orchestrator", .string(orchestrator)), .init("history", .array(history))])))
        }
    }

    func writeCSV(_ writer: inout SiteWriter) throws {
        for window in SiteModel.windows {
            var csv = "orchestrator,sla_score,jobs,failure_rate,e2e_p90_ms,slo_compliant\n"
            for standing in SitePages.standings(model.windowScores[window]!.value) {
                csv += "\(standing.orchestrator),\(standing.score.map { Format.fixed($0, scale: 1_000_000, digits: 4) } ?? ""),\(standing.jobs),"
                    + "\(standing.failureRate.map { Format.fixed($0, scale: 1_000_000, digits: 6) } ?? ""),\(standing.e2e.map(String.init) ?? ""),\(standing.compliant)\n"
            }
            try writer.write("downloads/leaderboard-w\(window).csv", csv)
        }
        var daily = "day,orchestrator,sla_score,jobs,slo_compliant\n"
        for day in model.dailyScores.keys.sorted() {
            for entry in model.dailyScores[day]?["scores"]?["orchestrators"]?.list ?? [] {
                guard let orchestrator = entry["orchestrator"]?.text, let slo = entry["slo"] else { continue }
                daily += "\(day),\(orchestrator),\(slo["score"]?.int.map { Format.fixed($0 * 100, scale: 1_000_000, digits: 4) } ?? ""),\(slo["jobs"]?.int ?? 0),\(slo["compliant"]?.flag ?? false)\n"
            }
        }
        try writer.write("downloads/daily-scores.csv", daily)
    }

    /// Every record of every bundle in one SQLite table, inserted in a fixed order so the file's bytes repeat.
    func writeDatabase(_ writer: inout SiteWriter) throws {
        let path = "\(writer.root)/downloads/records.sqlite"
        try FileManager.default.createDirectory(atPath: "\(writer.root)/downloads", withIntermediateDirectories: true)
        let database = try SQLiteDatabase(path: path)
        try database.execute("PRAGMA page_size = 4096; PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;")
        try database.execute("""
            CREATE TABLE records (collector TEXT NOT NULL, day TEXT NOT NULL, line INTEGER NOT NULL, observer_id TEXT NOT NULL, id TEXT NOT NULL,
              kind TEXT NOT NULL, observer_role TEXT NOT NULL, orchestrator TEXT, pipeline TEXT, model TEXT, region TEXT, start_ms INTEGER NOT NULL,
              record TEXT NOT NULL, PRIMARY KEY (collector, day, line)) WITHOUT ROWID;
            """)
        let insert = try database.prepare("INSERT INTO records VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)")
        try database.transaction {
            for bundle in model.report.bundles {
                let reader = try LineReader(path: "\(directory.bundlePath(collector: bundle.collector, day: bundle.day))/records.jsonl")
                var failure: Error?
                try reader.forEachLine { (number, line) throws(Never) in
                    guard failure == nil, case .bytes(let bytes) = line, let record = try? Record.parse(bytes) else { return }
                    func text(_ name: String) -> String? { if case .string(let value)? = record[name] { value } else { nil } }
                    do {
                        try insert.bind(1, bundle.collector)
                        try insert.bind(2, bundle.day.description)
                        try insert.bind(3, Int64(number))
                        try insert.bind(4, text("observer_id") ?? "")
                        try insert.bind(5, text("id") ?? "")
                        try insert.bind(6, record.kind.rawValue)
                        try insert.bind(7, text("observer_role") ?? "")
                        for (index, name) in [(8, "orchestrator"), (9, "pipeline"), (10, "model_id"), (11, "region")] {
                            if let value = text(name) { try insert.bind(Int32(index), value) } else { try insert.bindNull(Int32(index)) }
                        }
                        if case .integer(let start)? = record["start_ms"] { try insert.bind(12, start) } else { try insert.bind(12, Int64(0)) }
                        try insert.bind(13, String(decoding: bytes, as: UTF8.self))
                        _ = try insert.step()
                        insert.reset()
                    } catch { failure = error }
                }
                if let failure { throw failure }
            }
        }
        try database.execute("CREATE INDEX records_orchestrator ON records (orchestrator, start_ms);")
        withExtendedLifetime(insert) {}
        try writer.adopt("downloads/records.sqlite", closing: database)
    }

    func writeDataPackage(_ writer: inout SiteWriter) throws {
        func resource(_ name: String, _ path: String, format: String, mediatype: String) -> JSONValue {
            .object([.init("name", .string(name)), .init("path", .string(path)), .init("format", .string(format)), .init("mediatype", .string(mediatype)),
                     .init("bytes", .integer(writer.sizes[path] ?? 0)), .init("hash", .string("sha256:\(writer.written[path] ?? "")"))])
        }
        var resources = SiteModel.windows.map { resource("scores-w\($0)", "api/v1/scores/w\($0).json", format: "json", mediatype: "application/json") }
        resources += SiteModel.windows.map { resource("leaderboard-w\($0)", "downloads/leaderboard-w\($0).csv", format: "csv", mediatype: "text/csv") }
        resources.append(resource("daily-scores", "downloads/daily-scores.csv", format: "csv", mediatype: "text/csv"))
        resources.append(resource("records", "downloads/records.sqlite", format: "sqlite", mediatype: "application/vnd.sqlite3"))
        resources.append(resource("index", "api/v1/index.json", format: "json", mediatype: "application/json"))
        let package = JSONValue.object([
            .init("profile", "data-package"),
            .init("name", .string(model.descriptor.id)),
            .init("title", .string(model.descriptor.title)),
            .init("description", .string(model.descriptor.description)),
            .init("licenses", .array([.object([.init("name", .string(model.descriptor.licence))])])),
            .init("resources", .array(resources)),
        ])
        try writer.write("datapackage.json", Array(try PrettyJSON.string(package).utf8))
    }

    static func json(_ value: JSONValue) -> [UInt8] { ((try? CanonicalJSON.encode(value)) ?? []) + [0x0A] }
}

/// Writes files under a root, remembering each file's SHA-256 and size.
struct SiteWriter {
    let root: String
    private(set) var written: [String: String] = [:]
    private(set) var sizes: [String: Int64] = [:]
    private(set) var bytes: Int64 = 0
    private var directories: Set<String> = []

    init(root: String) { self.root = root }

    mutating func write(_ path: String, _ text: String) throws { try write(path, Array(text.utf8)) }

    mutating func write(_ path: String, _ contents: [UInt8]) throws {
        precondition(!path.split(separator: "/").contains { $0 == ".." || $0 == "." || $0.isEmpty }, "site paths are built from safe components")
        let full = "\(root)/\(path)"
        let parent = (full as NSString).deletingLastPathComponent
        if directories.insert(parent).inserted { try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true) }
        guard FileManager.default.createFile(atPath: full, contents: Data(contents)) else {
            throw FileError(path: full, operation: "create", errno: errno)
        }
        written[path] = Hasher.sha256(contents).hex
        sizes[path] = Int64(contents.count)
        bytes += Int64(contents.count)
    }

    /// Records a file written by someone else (the SQLite database), after closing it.
    mutating func adopt(_ path: String, closing database: SQLiteDatabase) throws {
        _ = consume database
        let contents = try Files.read("\(root)/\(path)")
        written[path] = Hasher.sha256(contents).hex
        sizes[path] = Int64(contents.count)
        bytes += Int64(contents.count)
    }
}
