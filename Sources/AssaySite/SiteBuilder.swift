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
        func addresses(_ list: JSONValue?) -> [String] { list?.list.compactMap { $0["orchestrator"]?.text } ?? [] }
        var named = Set(model.dailyScores.values.flatMap { addresses($0["scores"]?["orchestrators"]) })
        named.formUnion(model.windowScores.values.flatMap { addresses($0.value["scores"]?["orchestrators"]) })
        // Orchestrators the job tester tested have a page, organic jobs or not (spec/scoring.md §13).
        named.formUnion(model.windowScores.values.flatMap { addresses($0.value["scores"]?["tested"]?["orchestrators"]) })
        let orchestrators = named.sorted()

        progress("writing pages")
        try writer.write("assets/site.css", SiteAssets.css)
        try writer.write("assets/verify.js", SiteAssets.verifyJS)
        try writer.write("index.html", pages.home())
        try writer.write("leaderboards.html", pages.leaderboardIndex())
        for (name, page) in pages.leaderboards() { try writer.write("leaderboards/\(name)", page) }
        for orchestrator in orchestrators {
            try writer.write("orchestrators/\(SitePath.component(orchestrator)).html", pages.orchestrator(orchestrator))
        }
        let copyRecords = model.keepsLines
        // The records database is built and compressed beside the pages and the read API, on another core.
        let databasePath = "\(temporary).records.sqlite"
        let compressedPath = "\(temporary).records.sqlite.gz"
        let database = ResultBox<Result<SiteWriter.Prepared, Error>>()
        let databaseDone = DispatchGroup()
        databaseDone.enter()
        // Whatever happens below, the other core's work ends before this returns and leaves no file behind.
        defer {
            databaseDone.wait()
            try? FileManager.default.removeItem(atPath: compressedPath)
        }
        DispatchQueue.global().async { [model] in
            database.value = Result {
                defer { try? FileManager.default.removeItem(atPath: databasePath) }
                try Self.buildDatabase(model, at: databasePath, withJSON: copyRecords)
                // Compressed there too, as it is read: never held in memory, whole or compressed.
                return try SiteWriter.stream(to: compressedPath) { output in
                    let compressed = try Gzip.compress(level: 6, input: { chunk in
                        var failure: Error?
                        try Files.stream(databasePath) { bytes in
                            guard failure == nil else { return }
                            do { try chunk(bytes) } catch { failure = error }
                        }
                        if let failure { throw failure }
                    }, output: output)
                    guard compressed else { throw FileError(path: databasePath, operation: "gzip", errno: EIO) }
                }
            }
            databaseDone.leave()
        }
        try writer.write("provenance.html", pages.provenance(recordsCopied: copyRecords))
        try writer.write("verify.html", pages.verify())

        progress("writing the read API and downloads")
        try writeSignedFiles(&writer, copyRecords: copyRecords)
        try writer.write("data/profiles/\(SitePath.component(model.profile.id)).json", profileBytes)
        try writeAPI(&writer, orchestrators: orchestrators)
        try writeCSV(&writer)
        // Feeds and badges (spec/site.md §6.4).
        let feeds = SiteFeeds(model: model)
        for (path, feed) in feeds.feeds(orchestrators: orchestrators) { try writer.write(path, feed) }
        for orchestrator in orchestrators {
            guard let badge = feeds.badge(orchestrator) else { continue }
            try writer.write("api/v1/badges/\(SitePath.component(orchestrator)).json", Self.json(SiteFeeds.endpointJSON(message: badge.message, color: badge.color)))
            try writer.write("badges/\(SitePath.component(orchestrator)).svg", SiteFeeds.svg(message: badge.message, color: badge.color))
        }
        progress("writing the records database")
        databaseDone.wait()
        try writer.adopt("downloads/records.sqlite.gz", try database.value!.get())
        var described: [(String, String)] = [
            ("api/v1/index.json", "the dataset index: descriptor, policy, every bundle with its manifest hash and signers"),
            ("api/v1/provenance.json", "what in-browser verification checks: keys, manifests, signatures, files"),
        ]
        described += SiteModel.windows.map { ("api/v1/scores/w\($0).json", "assay score output, \($0)-day window to \(model.lastDay) (spec/scoring.md §9)") }
        described += [("api/v1/days/", "one file per day: every orchestrator's 1-day SLO figures (the full scores: assay score --day DAY --window 1)"),
                      ("api/v1/orchestrators/", "one file per orchestrator: its daily SLA score history"),
                      ("api/v1/badges/", "one shields.io endpoint badge per orchestrator with a 7-day score"),
                      ("badges/", "the same badges as static SVG"),
                      ("feeds/network.atom", "Atom feed of every orchestrator's SLO changes and exporter outages; feeds/orchestrators/ has one per orchestrator")]
        described += SiteModel.windows.map { ("downloads/leaderboard-w\($0).csv", "the \($0)-day leaderboard as CSV") }
        described += [("downloads/daily-scores.csv", "every orchestrator's daily SLA score as CSV"),
                      ("downloads/records.sqlite.gz", copyRecords ? "every record of every bundle, one row each, its main fields as columns and its canonical JSON (SQLite, gzip)"
                                                                  : "every record of every bundle, one row each, its main fields as columns (SQLite, gzip; the full records are in the dataset)"),
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

    /// The files of a bundle the site copies: conflicts.jsonl and the records (one file or its shards), in manifest order.
    static func dataFiles(_ manifest: Manifest?) -> [Manifest.FileEntry] {
        (manifest?.files ?? []).filter { $0.name == Manifest.conflictsName || Manifest.isRecordsFileName($0.name) }
    }

    func writeSignedFiles(_ writer: inout SiteWriter, copyRecords: Bool) throws {
        for bundle in model.report.bundles {
            let relative = DatasetDirectory.bundleRelativePath(collector: bundle.collector, day: bundle.day)
            let source = directory.bundlePath(collector: bundle.collector, day: bundle.day)
            try writer.write("data/\(relative)/manifest.json", try Files.readRegular("\(source)/manifest.json", limit: DatasetDirectory.manifestLimit))
            for name in try DatasetDirectory.list("\(source)/signatures") where name.hasSuffix(".sig") && Slug.isValid(String(name.dropLast(4))) {
                try writer.write("data/\(relative)/signatures/\(name)", try Files.readRegular("\(source)/signatures/\(name)", limit: DatasetDirectory.signatureLimit))
            }
            if copyRecords {
                // The content, whichever form it is stored in (spec/dataset.md §4.7): what the manifest's hashes name.
                for entry in Self.dataFiles(bundle.manifest) {
                    guard case .success(let stored) = StoredFile.locate(entry.name, in: source), !stored.isPointer else {
                        throw FileError(path: "\(relative)/\(entry.name)", operation: "copy", errno: ENOENT,
                                        detail: "it is not there, or only as a Git LFS pointer (it verified a moment ago: the dataset changed meanwhile)")
                    }
                    try writer.write("data/\(relative)/\(entry.name)", try stored.read(limit: Int(clamping: entry.size)))
                }
            }
        }
        // What verify.js checks (keys from the policy the report used).
        let keys: [JSONValue] = (model.report.policy?.signers.entries ?? []).map { entry in
            .object([.init("principals", .array(entry.principals.map { .string($0) })), .init("fingerprint", .string(OpenSSHPublicKey(entry.key).fingerprint)),
                     .init("key", .string(Base64.encode(entry.key.rawRepresentation)))])
        }
        var bundles: [JSONValue] = []
        for bundle in model.report.bundles {
            let base = "data/" + DatasetDirectory.bundleRelativePath(collector: bundle.collector, day: bundle.day)
            func fileLink(_ name: String) -> JSONValue { .object([.init("name", .string(name)), .init("url", .string("\(base)/\(name)"))]) }
            let signatures = try DatasetDirectory.list("\(directory.bundlePath(collector: bundle.collector, day: bundle.day))/signatures")
                .filter { $0.hasSuffix(".sig") && Slug.isValid(String($0.dropLast(4))) }
            bundles.append(.object([
                .init("collector", .string(bundle.collector)), .init("day", .string(bundle.day.description)),
                .init("manifest", .string("\(base)/manifest.json")), .init("manifest_sha256", .string(bundle.manifestHash ?? "")),
                .init("signatures", .array(signatures.map { .object([.init("signer", .string(String($0.dropLast(4)))), .init("url", .string("\(base)/signatures/\($0)"))]) })),
                .init("files", .array(copyRecords ? Self.dataFiles(bundle.manifest).map(\.name).map(fileLink) : [])),
            ]))
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
            .init("genesis", model.report.genesis.map { .string($0.sha256) } ?? .null),
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
        for day in model.dailyScores.keys.sorted() {
            let orchestrators = model.dailyScores[day]?["scores"]?["orchestrators"] ?? .array([])
            try writer.write("api/v1/days/\(day).json", Self.json(.object([
                .init("format", "assay-site-day-v1"), .init("day", .string(day.description)), .init("orchestrators", orchestrators),
            ])))
        }
        for orchestrator in orchestrators {
            let history = pages.history(orchestrator, days: SiteModel.historyDays).compactMap { point -> JSONValue? in
                guard let slo = point.entry?["slo"] else { return nil }
                return .object([.init("day", .string(point.day.description)), .init("score", slo["score"] ?? .null), .init("jobs", slo["jobs"] ?? .null),
                                .init("verdict", slo["verdict"] ?? .null), .init("not_judged_because", slo["not_judged_because"] ?? .array([]))])
            }
            try writer.write("api/v1/orchestrators/\(SitePath.component(orchestrator)).json",
                             Self.json(.object([.init("orchestrator", .string(orchestrator)), .init("history", .array(history))])))
        }
    }

    func writeCSV(_ writer: inout SiteWriter) throws {
        for window in SiteModel.windows {
            var csv = "orchestrator,sla_score,jobs,failure_rate,slo_e2e_ms,slo_verdict,not_judged_because\n"
            for standing in SitePages.standings(model.windowScores[window]!.value) {
                csv += "\(standing.orchestrator),\(standing.score.map { Format.fixed($0, scale: 1_000_000, digits: 4) } ?? ""),\(standing.jobs),"
                    + "\(standing.failureRate.map { Format.fixed($0, scale: 1_000_000, digits: 6) } ?? ""),\(standing.e2e.map(String.init) ?? ""),\(standing.entry["slo"]?["verdict"]?.text ?? ""),"
                    + "\(standing.verdict.reasons.joined(separator: " "))\n"
            }
            try writer.write("downloads/leaderboard-w\(window).csv", csv)
        }
        var daily = "day,orchestrator,sla_score,jobs,slo_verdict,not_judged_because\n"
        for day in model.dailyScores.keys.sorted() {
            for entry in model.dailyScores[day]?["scores"]?["orchestrators"]?.list ?? [] {
                guard let orchestrator = entry["orchestrator"]?.text, let slo = entry["slo"] else { continue }
                daily += "\(day),\(orchestrator),\(slo["score"]?.int.map { Format.fixed($0 * 100, scale: 1_000_000, digits: 4) } ?? ""),\(slo["jobs"]?.int ?? 0),\(slo["verdict"]?.text ?? ""),"
                    + "\(SLOVerdict(slo).reasons.joined(separator: " "))\n"
            }
        }
        try writer.write("downloads/daily-scores.csv", daily)
    }

    /// A value handed from a worker thread to the builder (written before `leave`, read after `wait`).
    final class ResultBox<T>: @unchecked Sendable { var value: T? }

    /// Every record of every bundle in one SQLite table, inserted in a fixed order so the bytes repeat.
    /// The canonical JSON of each record is included when `withJSON` (small datasets).
    static func buildDatabase(_ model: SiteModel, at path: String, withJSON: Bool) throws {
        try? FileManager.default.removeItem(atPath: path)
        let database = try SQLiteDatabase(path: path)
        try database.execute("PRAGMA page_size = 4096; PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;")
        try database.execute("""
            CREATE TABLE records (collector TEXT NOT NULL, day TEXT NOT NULL, line INTEGER NOT NULL, observer_id TEXT NOT NULL, id TEXT NOT NULL,
              kind TEXT NOT NULL, observer_role TEXT NOT NULL, orchestrator TEXT, pipeline TEXT, model TEXT, region TEXT, outcome TEXT,
              start_ms INTEGER NOT NULL, end_ms INTEGER, success INTEGER, e2e_latency_ms INTEGER, output_fps_mfps INTEGER, duration_ms INTEGER,
              ttft_ms INTEGER, record TEXT, PRIMARY KEY (collector, day, line)) WITHOUT ROWID;
            """)
        let insert = try database.prepare("INSERT INTO records VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20)")
        try database.transaction {
            for bundle in model.report.bundles {
                guard let rows = model.rows[bundle.relativePath] else { continue }
                let strings = rows.strings.strings
                for row in rows.rows {
                    try insert.bind(1, bundle.collector)
                    try insert.bind(2, bundle.day.description)
                    try insert.bind(3, Int64(row.line))
                    try insert.bind(5, row.id)
                    // Columns 4 and 6–12: observer_id, then kind … outcome; the first three are NOT NULL.
                    for offset in 0..<row.strings.count {
                        let index = Int32(offset == 0 ? 4 : 5 + offset), value = row.strings[offset]
                        if value >= 0 { try insert.bind(index, strings[Int(value)]) } else if offset < 3 { try insert.bind(index, "") } else { try insert.bindNull(index) }
                    }
                    for offset in 0..<row.integers.count {
                        let index = Int32(13 + offset), value = row.integers[offset]
                        if value != SiteModel.Row.absent { try insert.bind(index, value) } else if offset == 0 { try insert.bind(index, Int64(0)) } else { try insert.bindNull(index) }
                    }
                    if withJSON, let canonical = row.canonical { try insert.bind(20, canonical) } else { try insert.bindNull(20) }
                    _ = try insert.step()
                    insert.reset()
                }
            }
        }
        withExtendedLifetime(insert) {}
    }

    func writeDataPackage(_ writer: inout SiteWriter) throws {
        func resource(_ name: String, _ path: String, format: String, mediatype: String) -> JSONValue {
            .object([.init("name", .string(name)), .init("path", .string(path)), .init("format", .string(format)), .init("mediatype", .string(mediatype)),
                     .init("bytes", .integer(writer.sizes[path] ?? 0)), .init("hash", .string("sha256:\(writer.written[path] ?? "")"))])
        }
        var resources = SiteModel.windows.map { resource("scores-w\($0)", "api/v1/scores/w\($0).json", format: "json", mediatype: "application/json") }
        resources += SiteModel.windows.map { resource("leaderboard-w\($0)", "downloads/leaderboard-w\($0).csv", format: "csv", mediatype: "text/csv") }
        resources.append(resource("daily-scores", "downloads/daily-scores.csv", format: "csv", mediatype: "text/csv"))
        resources.append(resource("records", "downloads/records.sqlite.gz", format: "sqlite", mediatype: "application/gzip"))
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

    /// The full path of `path` in the site, its directory made. Paths are built from SitePath components;
    /// anything else is refused rather than written outside the site.
    private mutating func place(_ path: String) throws -> String {
        guard !path.hasPrefix("/"), !path.split(separator: "/", omittingEmptySubsequences: false).contains(where: { $0 == ".." || $0 == "." || $0.isEmpty }) else {
            throw FileError(path: path, operation: "write (not a path inside the site)", errno: EINVAL)
        }
        let full = "\(root)/\(path)"
        let parent = (full as NSString).deletingLastPathComponent
        if directories.insert(parent).inserted { try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true) }
        return full
    }

    mutating func write(_ path: String, _ contents: [UInt8]) throws {
        let full = try place(path)
        guard FileManager.default.createFile(atPath: full, contents: Data(contents)) else {
            throw FileError(path: full, operation: "create", errno: errno)
        }
        written[path] = MessageDigest.sha256(contents).hex
        sizes[path] = Int64(contents.count)
        bytes += Int64(contents.count)
    }

    /// A file written outside the site (beside it, on the same file system) and its SHA-256 and size, to
    /// be moved in with `adopt`: what another thread writes while this writer goes on.
    struct Prepared: Sendable {
        let path: String
        let sha256: String
        let size: Int64
    }

    /// Writes `full` from the chunks that `body` hands over, hashing them as they go (a large download
    /// is never held in memory).
    static func stream(to full: String, _ body: ((UnsafeRawBufferPointer) throws -> Void) throws -> Void) throws -> Prepared {
        let fd = open(full, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FileError(path: full, operation: "create", errno: errno) }
        defer { close(fd) }
        let hasher = MessageDigest(.sha256)
        var size: Int64 = 0
        try body { chunk in
            try Files.writeAll(fd, chunk, path: full)
            hasher.update(chunk)
            size += Int64(chunk.count)
        }
        return Prepared(path: full, sha256: hasher.finalize().hex, size: size)
    }

    /// Moves a file written by `stream` into the site at `path`.
    mutating func adopt(_ path: String, _ file: Prepared) throws {
        let full = try place(path)
        guard rename(file.path, full) == 0 else { throw FileError(path: full, operation: "rename from \(file.path)", errno: errno) }
        written[path] = file.sha256
        sizes[path] = file.size
        bytes += file.size
    }
}
