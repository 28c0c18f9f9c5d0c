import AssayCore
import AssayLedger
import AssaySimulate
import Foundation

/// `assay-bench network`: the network preset of spec/scale.md run through the real programs, day after day —
/// each collector's day sealed (`assay seal`) and published (`assay publish`: an SSH-signed commit, its
/// compressed files in Git LFS, pushed to a local bare remote), the day verified (`assay-verify --only`
/// each collector's day), scored (`assay score`), and at the end the whole dataset verified, the site built
/// and the metadata cloned without the LFS objects — measuring what each costs (spec/scale.md §5). The first
/// `scorePublishers` collectors each publish the day's scores right after their own bundle (`assay publish
/// --scores`), as collectors do: over what the dataset holds by then, so their documents differ.
public struct NetworkBenchmark {
    public let workload: NetworkWorkload
    public let days: Int
    public let firstDay: UTCDay
    public let directory: String
    /// Build the site at the end (slow at full size).
    public let site: Bool
    /// How many collectors publish each day's scores after sealing it (spec/scoring.md §10).
    public let scorePublishers: Int

    /// The benchmark of the preset named `preset`; the error says which option is wrong.
    public static func make(preset: String, scale: Double, days: Int, firstDay: String, directory: String, site: Bool,
                            scorePublishers: Int = 0) throws -> NetworkBenchmark {
        guard let chosen = NetworkWorkload.presets.first(where: { $0.name == preset }) else {
            throw BenchError(message: "--preset must be one of: \(NetworkWorkload.presets.map(\.name).joined(separator: ", "))")
        }
        guard scale > 0 && scale <= 1 else { throw BenchError(message: "--scale must be in (0, 1]") }
        guard (1...400).contains(days) else { throw BenchError(message: "--days must be 1 to 400") }
        guard let first = UTCDay(firstDay) else { throw BenchError(message: "--first-day must be YYYY-MM-DD") }
        let workload = NetworkWorkload(preset: chosen, scale: scale)
        guard (0...workload.collectors.count).contains(scorePublishers) else {
            throw BenchError(message: "--score-publishers must be 0 to \(workload.collectors.count) (the preset's collectors)")
        }
        return NetworkBenchmark(workload: workload, days: days, firstDay: first, directory: directory, site: site, scorePublishers: scorePublishers)
    }

    public init(workload: NetworkWorkload, days: Int, firstDay: UTCDay, directory: String, site: Bool, scorePublishers: Int = 0) {
        self.workload = workload
        self.days = days
        self.firstDay = firstDay
        self.directory = directory
        self.site = site
        self.scorePublishers = scorePublishers
    }

    /// One day's costs.
    public struct Day: Sendable {
        public var day: UTCDay
        public var jobs = 0
        public var records: Int64 = 0
        /// The records' canonical bytes (what the manifests sign), conflicts included.
        public var rawBytes: Int64 = 0
        /// The bundles' files as stored (compressed where they are), manifests and signatures included.
        public var storedBytes: Int64 = 0
        /// Growth of the remote's git objects (everything but LFS) and of its LFS store.
        public var gitBytes: Int64 = 0
        public var lfsBytes: Int64 = 0
        public var largestStoredFile: Int64 = 0
        public var sealSeconds = 0.0, sealCPU = 0.0, sealPeak = 0
        public var publishSeconds = 0.0, publishPeak = 0
        public var verifySeconds = 0.0, verifyPeak = 0
        public var scoreSeconds = 0.0, scorePeak = 0
        /// Publishing the day's scores (every publisher's `assay publish --scores`, summed; the peak of one).
        public var scoresPublishSeconds = 0.0, scoresPublishPeak = 0
        /// The published scores documents of the day: their content and their stored (compressed) bytes, summed.
        public var scoresContentBytes: Int64 = 0, scoresStoredBytes: Int64 = 0
        /// Growth of the remote's git objects and LFS store while the scores were published.
        public var scoresGitBytes: Int64 = 0, scoresLFSBytes: Int64 = 0
    }

    public struct Report: Sendable {
        public var days: [Day] = []
        public var fullVerifySeconds = 0.0, fullVerifyPeak = 0
        public var siteSeconds: Double?, sitePeak: Int?
        public var cloneSeconds = 0.0, cloneBytes: Int64 = 0, cloneGitBytes: Int64 = 0
        public var remoteGitBytes: Int64 = 0, remoteLFSBytes: Int64 = 0
        public var largestFile: (path: String, bytes: Int64) = ("", 0)
    }

    /// Runs the preset; `assay` and `assayVerify` are the release executables.
    public func run(assay: String, assayVerify: String, progress: (String) -> Void) throws -> Report {
        let remote = "\(directory)/remote.git", dataset = "\(directory)/dataset", key = "\(directory)/key"
        try? FileManager.default.removeItem(atPath: directory)
        try FileManager.default.createDirectory(atPath: "\(directory)/staging", withIntermediateDirectories: true)
        try check(ProcessTimer.run("git", ["init", "-q", "--bare", "-b", "main", remote]), "git init")
        try check(ProcessTimer.run(assay, ["keygen", "-o", key]), "assay keygen")
        let collectors = workload.collectors
        try check(ProcessTimer.run(assay, ["dataset", "init", dataset, "--id", workload.preset.name, "--title", "The network at 1,000x (simulated)",
                                           "--description", "assay-bench network: \(workload.preset.name) at scale \(workload.scale)", "--licence", "CC0-1.0",
                                           "--threshold", "1", "--simulated", "--issued", firstDay.description, "--remote", remote, "--key", key]
                                          + collectors.flatMap { ["--signer", "\($0)=\(key).pub"] }), "assay dataset init")
        try check(ProcessTimer.run(assay, ["publish", "--dataset", dataset, "--key", key, "--signer", collectors[0]]), "assay publish (the genesis)")
        var report = Report()
        var gitBefore = try Self.bytes(under: remote, excluding: "lfs"), lfsBefore = try Self.bytes(under: "\(remote)/lfs")
        for offset in 0..<days {
            let day = UTCDay(number: firstDay.number + offset)
            var row = Day(day: day)
            progress("\(day): simulating \(workload.jobsPerDay) jobs")
            let counts = try workload.writeDay(day, to: "\(directory)/staging")
            row.jobs = counts.jobs
            for (index, collector) in collectors.enumerated() {
                progress("\(day): sealing and publishing \(collector) (\(index + 1)/\(collectors.count))")
                let input = "\(directory)/staging/\(collector).jsonl"
                let sealed = try check(ProcessTimer.run(assay, ["seal", "--dataset", dataset, "--collector", collector, "--day", day.description,
                                                                "--key", key, "--records", input]), "assay seal \(collector) \(day)")
                row.sealSeconds += sealed.wallSeconds
                row.sealCPU += sealed.cpuSeconds
                row.sealPeak = max(row.sealPeak, sealed.peakResidentBytes)
                unlink(input)
                let published = try check(ProcessTimer.run(assay, ["publish", "--dataset", dataset, "--key", key, "--signer", collector]), "assay publish \(collector) \(day)")
                row.publishSeconds += published.wallSeconds
                row.publishPeak = max(row.publishPeak, published.peakResidentBytes)
                if index < scorePublishers {
                    // As a collector does after its seal pass: the day's scores over what the dataset holds by then.
                    progress("\(day): \(collector) publishes the day's scores")
                    let (gitStart, lfsStart) = (try Self.bytes(under: remote, excluding: "lfs"), try Self.bytes(under: "\(remote)/lfs"))
                    let scored = try check(ProcessTimer.run(assay, ["publish", "--dataset", dataset, "--key", key, "--signer", collector, "--scores", collector]),
                                           "assay publish --scores \(collector) \(day)")
                    row.scoresPublishSeconds += scored.wallSeconds
                    row.scoresPublishPeak = max(row.scoresPublishPeak, scored.peakResidentBytes)
                    let relative = DatasetDirectory.scoresRelativePath(collector: collector, day: day)
                    row.scoresStoredBytes += try Self.size(of: "\(dataset)/\(ScoresDocumentFile.storedPath(root: dataset, relative: relative))")
                    if case .bytes(let content) = try ScoresDocumentFile.read(root: dataset, relative: relative) { row.scoresContentBytes += Int64(content.count) }
                    row.scoresGitBytes += try Self.bytes(under: remote, excluding: "lfs") - gitStart
                    row.scoresLFSBytes += try Self.bytes(under: "\(remote)/lfs") - lfsStart
                }
            }
            for collector in collectors {
                let bundle = DatasetDirectory(dataset).bundlePath(collector: collector, day: day)
                let manifest = try Manifest(bytes: try Files.read("\(bundle)/manifest.json"))
                row.records += manifest.recordsTotal
                row.rawBytes += manifest.files.reduce(0) { $0 + $1.size }
                for file in try FileManager.default.subpathsOfDirectory(atPath: bundle) {
                    let size = try Self.size(of: "\(bundle)/\(file)")
                    row.storedBytes += size
                    row.largestStoredFile = max(row.largestStoredFile, size)
                }
            }
            progress("\(day): verifying the day's bundles")
            let verified = try check(ProcessTimer.run(assayVerify, [dataset] + collectors.flatMap { ["--only", "\($0)/\(day)"] }), "assay-verify \(day)")
            (row.verifySeconds, row.verifyPeak) = (verified.wallSeconds, verified.peakResidentBytes)
            progress("\(day): scoring the day")
            let scored = try check(ProcessTimer.run(assay, ["score", "--dataset", dataset, "--day", day.description, "--window", "1"]), "assay score \(day)")
            (row.scoreSeconds, row.scorePeak) = (scored.wallSeconds, scored.peakResidentBytes)
            let gitNow = try Self.bytes(under: remote, excluding: "lfs"), lfsNow = try Self.bytes(under: "\(remote)/lfs")
            (row.gitBytes, row.lfsBytes) = (gitNow - gitBefore, lfsNow - lfsBefore)
            (gitBefore, lfsBefore) = (gitNow, lfsNow)
            report.days.append(row)
        }
        progress("verifying the whole dataset")
        let whole = try check(ProcessTimer.run(assayVerify, [dataset]), "assay-verify (everything)")
        (report.fullVerifySeconds, report.fullVerifyPeak) = (whole.wallSeconds, whole.peakResidentBytes)
        if site {
            progress("building the site")
            let built = try check(ProcessTimer.run(assay, ["site", "--dataset", dataset, "--out", "\(directory)/site"]), "assay site")
            (report.siteSeconds, report.sitePeak) = (built.wallSeconds, built.peakResidentBytes)
        }
        progress("cloning the metadata (GIT_LFS_SKIP_SMUDGE=1)")
        setenv("GIT_LFS_SKIP_SMUDGE", "1", 1)
        defer { unsetenv("GIT_LFS_SKIP_SMUDGE") }
        let cloned = try check(ProcessTimer.run("git", ["clone", "-q", "-b", "main", "file://\(remote)", "\(directory)/clone"]), "git clone")
        report.cloneSeconds = cloned.wallSeconds
        report.cloneBytes = try Self.bytes(under: "\(directory)/clone")
        report.cloneGitBytes = try Self.bytes(under: "\(directory)/clone/.git")
        report.remoteGitBytes = try Self.bytes(under: remote, excluding: "lfs")
        report.remoteLFSBytes = try Self.bytes(under: "\(remote)/lfs")
        for file in try FileManager.default.subpathsOfDirectory(atPath: remote) {
            let size = try Self.size(of: "\(remote)/\(file)")
            if size > report.largestFile.bytes { report.largestFile = (file, size) }
        }
        return report
    }

    @discardableResult
    func check(_ run: ProcessRun, _ what: String) throws -> ProcessRun {
        guard run.status == 0 else { throw BenchError(message: "\(what) failed (exit \(run.status)): \(run.standardError.suffix(2000))") }
        return run
    }

    /// The bytes of the regular files under `path` (not following links), leaving out the top-level entry `excluding`.
    static func bytes(under path: String, excluding: String? = nil) throws -> Int64 {
        guard Files.exists(path) else { return 0 }  // an LFS store before its first object
        var total: Int64 = 0
        for file in try FileManager.default.subpathsOfDirectory(atPath: path) where excluding.map({ !file.hasPrefix($0 + "/") && file != $0 }) ?? true {
            total += try size(of: "\(path)/\(file)")
        }
        return total
    }

    /// The size of a regular file, 0 for anything else.
    static func size(of path: String) throws -> Int64 {
        var info = stat()
        guard lstat(path, &info) == 0 else { throw FileError(path: path, operation: "stat", errno: errno) }
        return (info.st_mode & S_IFMT) == S_IFREG ? Int64(info.st_size) : 0
    }
}

extension NetworkBenchmark.Report {
    /// The table of spec/scale.md §5, one row per day, then the totals.
    public func lines(workload: NetworkWorkload) -> [String] {
        func mib(_ bytes: Int64) -> String { String(format: "%.1f", Double(bytes) / 1_048_576) }
        func mibPeak(_ bytes: Int) -> String { String(format: "%.0f", Double(bytes) / 1_048_576) }
        func seconds(_ value: Double) -> String { String(format: "%.1f", value) }
        var lines = [
            "\(workload.preset.name) at scale \(workload.scale): \(workload.jobsPerDay) jobs/day, \(workload.orchestrators) orchestrators, "
                + "\(workload.collectors.count) collectors, \(workload.preset.copies) per orchestrator",
            "",
            "| day | jobs | records | raw MiB | stored MiB | git MiB | LFS MiB | largest file MiB | seal s (CPU s) | seal peak MiB | publish s | verify s | verify peak MiB | score s | score peak MiB |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for day in days {
            lines.append("| \(day.day) | \(day.jobs) | \(day.records) | \(mib(day.rawBytes)) | \(mib(day.storedBytes)) | \(mib(day.gitBytes)) | \(mib(day.lfsBytes)) | "
                + "\(mib(day.largestStoredFile)) | \(seconds(day.sealSeconds)) (\(seconds(day.sealCPU))) | \(mibPeak(day.sealPeak)) | \(seconds(day.publishSeconds)) | "
                + "\(seconds(day.verifySeconds)) | \(mibPeak(day.verifyPeak)) | \(seconds(day.scoreSeconds)) | \(mibPeak(day.scorePeak)) |")
        }
        if days.contains(where: { $0.scoresContentBytes > 0 }) {
            lines += ["", "| day | scores publish s | peak MiB | scores MiB (content) | stored MiB | git MiB | LFS MiB |", "|---|---|---|---|---|---|---|"]
            for day in days {
                lines.append("| \(day.day) | \(seconds(day.scoresPublishSeconds)) | \(mibPeak(day.scoresPublishPeak)) | \(mib(day.scoresContentBytes)) | "
                    + "\(mib(day.scoresStoredBytes)) | \(String(format: "%.3f", Double(day.scoresGitBytes) / 1_048_576)) | \(mib(day.scoresLFSBytes)) |")
            }
        }
        lines.append("")
        lines.append("whole dataset verified: \(seconds(fullVerifySeconds)) s, peak \(mibPeak(fullVerifyPeak)) MiB")
        if let siteSeconds, let sitePeak { lines.append("site built: \(seconds(siteSeconds)) s, peak \(mibPeak(sitePeak)) MiB") }
        lines.append("remote: git \(mib(remoteGitBytes)) MiB, LFS \(mib(remoteLFSBytes)) MiB; largest file \(largestFile.path) \(mib(largestFile.bytes)) MiB")
        lines.append("metadata clone (GIT_LFS_SKIP_SMUDGE=1): \(mib(cloneBytes)) MiB (.git \(mib(cloneGitBytes)) MiB, the rest the checkout) in \(seconds(cloneSeconds)) s")
        return lines
    }
}
