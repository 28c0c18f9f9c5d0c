import AssayCore
import AssayCrypto
import AssayLedger
import Foundation

/// Feeds a scorer from datasets on disk (spec/scoring.md §3).
public enum BundleSet {
    /// Verifies `directory` (spec/dataset.md §8); the findings that are errors, empty when it verifies.
    public static func verify(_ directory: DatasetDirectory) async -> [Finding] {
        await DatasetVerifier(directory: directory).verify().findings.filter { $0.severity == .error }
    }

    /// Verifies `directory` (spec/dataset.md §8) and, in the same pass, adds to `scorer` the bundles it needs
    /// (of `bundles`, or of all when nil) and their records: each file is read once. Returns the findings that
    /// are errors; when there are any, the scorer holds records of a dataset that does not verify and must not
    /// be used.
    public static func verifyAndFeed(_ scorer: Scorer, from directory: DatasetDirectory, bundles: [(String, UTCDay)]?) async -> [Finding] {
        let wanted = bundles.map { Set($0.map { "\($0.0)/\($0.1)" }) }
        let days = scorer.daysNeeded
        let sink = ScorerSink(scorer: scorer) { collector, day in
            days.contains(day) && wanted.map { $0.contains("\(collector)/\(day)") } ?? true
        }
        var options = DatasetVerifier.Options()
        options.sink = sink
        let report = await DatasetVerifier(directory: directory, options: options).verify()
        let errors = report.findings.filter { $0.severity == .error }
        guard errors.isEmpty else { return errors }
        for bundle in report.bundles where sink.wants(bundle.collector, bundle.day) {
            if let manifest = bundle.manifestHash { scorer.add(bundle: bundle.collector, day: bundle.day, manifestSHA256: manifest) }
        }
        return []
    }

    /// Records handed to a scorer at once, from the threads that read them.
    public static let batchRecords = 8192

    /// Adds every bundle of `directory` in the days the scorer needs, and their records.
    public static func feed(_ scorer: Scorer, from directory: DatasetDirectory) throws(ScoreError) {
        var bundles: [(String, UTCDay)] = []
        do {
            for collector in try directory.collectors() {
                bundles += try directory.days(of: collector).filter { scorer.daysNeeded.contains($0) }.map { (collector, $0) }
            }
        } catch {
            throw ScoreError("\(directory.bundlesPath): \(error)")
        }
        try feed(scorer, from: directory, bundles: bundles)
    }

    /// A bundle to read: its place, and its manifest as read (the records file must be the one it names).
    struct Named: Sendable {
        let collector: String
        let day: UTCDay
        let manifest: [UInt8]
        let manifestSHA256: String

        var key: PreparedBundles.Key { PreparedBundles.Key(collector: collector, day: day, manifestSHA256: manifestSHA256) }
    }

    /// Adds exactly the named bundles and their records, read at once on every core, one thread per bundle
    /// (a scorer's output does not depend on the order of its input). With `cache`, a bundle read before
    /// (the same manifest hash) is not read again.
    public static func feed(_ scorer: Scorer, from directory: DatasetDirectory, bundles: [(String, UTCDay)],
                            cache: PreparedBundles? = nil) throws(ScoreError) {
        var named: [Named] = []
        for (collector, day) in bundles {
            let manifest: [UInt8]
            do { manifest = try directory.manifestBytes(collector: collector, day: day) } catch {
                throw ScoreError("\(directory.bundlePath(collector: collector, day: day))/manifest.json: \(error)")
            }
            named.append(Named(collector: collector, day: day, manifest: manifest, manifestSHA256: MessageDigest.sha256(manifest).hex))
        }
        for bundle in named { scorer.add(bundle: bundle.collector, day: bundle.day, manifestSHA256: bundle.manifestSHA256) }
        guard let cache else {
            let sink = ScorerSink(scorer: scorer) { _, _ in true }
            try read(named, from: directory) { _, batch in sink.add(batch) }
            return
        }
        var missing: [Named] = []
        for bundle in named where cache[bundle.key] == nil && !missing.contains(where: { $0.key == bundle.key }) { missing.append(bundle) }
        let fresh = ReadRecords(count: missing.count)
        try read(missing, from: directory) { index, batch in fresh.append(batch, to: index) }
        for (index, bundle) in missing.enumerated() { cache[bundle.key] = fresh.records[index] }
        for bundle in named {
            for batch in cache[bundle.key] ?? [] { scorer.add(batch) }  // every named bundle is in the cache now
        }
    }

    /// Reads `bundles` at once on every core, one thread per bundle, each line read in place; `body` gets each
    /// bundle's position in `bundles` and its records, in batches, on the thread that read them. The error is
    /// the first failing bundle's in the order given, whatever thread finished first.
    static func read(_ bundles: [Named], from directory: DatasetDirectory,
                     _ body: @Sendable (_ index: Int, _ batch: PreparedRecords) -> Void) throws(ScoreError) {
        let failures = Parallel.map(bundles.count) { index -> ScoreError? in
            let bundle = bundles[index]
            do throws(ScoreError) {
                try forEachBatch(of: bundle.manifest, at: directory.bundlePath(collector: bundle.collector, day: bundle.day)) { body(index, $0) }
                return nil
            } catch {
                return error
            }
        }
        if let failure = failures.lazy.compactMap({ $0 }).first { throw failure }
    }

    /// Calls `body` with the scored records of the bundle at `base` whose manifest is `manifest`, in file order,
    /// in batches of at most `batchRecords`.
    static func forEachBatch(of manifest: [UInt8], at base: String, _ body: (PreparedRecords) -> Void) throws(ScoreError) {
        let parsed: Manifest
        do { parsed = try Manifest(bytes: manifest) } catch { throw ScoreError("\(base)/manifest.json: \(error.reason)") }
        let preparer = RecordPreparer()
        // Scores rest on the signed records: each file (records.jsonl or its shards, in either stored form) must be
        // the one the manifest names, and is never read past its size.
        do throws(BundleRecordReader.Failure<ScoreError>) {
            try BundleRecordReader(directory: base, manifest: parsed, base: base).scan { (file, number, line) throws(ScoreError) in
                let path = "\(base)/\(file)"
                guard case .bytes(let bytes) = line else { throw ScoreError("\(path):\(number): line too long for a record") }
                try preparer.add(line: bytes, number: number, path: path)
                if preparer.count == batchRecords { body(preparer.take()) }
            }
        } catch {
            switch error {
            case .file(let failure): throw ScoreError(failure.description)
            case .body(let failure): throw failure
            }
        }
        if preparer.count > 0 { body(preparer.take()) }
    }
}

/// Records read by several threads, in batches, one list per bundle.
final class ReadRecords: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var records: [[PreparedRecords]]

    init(count: Int) { records = Array(repeating: [], count: count) }

    func append(_ batch: PreparedRecords, to index: Int) { lock.withLock { records[index].append(batch) } }
}

/// The scored records of bundles, each read once and kept while a window that moves forward
/// needs them: verifying a year of daily published scores reads each bundle once, not once per
/// window that covers it (spec/scoring.md §10). Bundles can also be taken from the pass that
/// verifies them (`sink`, then `adopt`), so their files are not read a second time. Safe to use from
/// several threads.
public final class PreparedBundles: @unchecked Sendable {
    struct Key: Hashable {
        let collector: String
        let day: UTCDay
        let manifestSHA256: String
    }

    private struct Entry {
        let batches: [PreparedRecords]
        /// Taken from verification: kept to the end (bounded by the sink's budget), never forgotten.
        let verified: Bool
    }

    private let lock = NSLock()
    private var bundles: [Key: Entry] = [:]
    /// Records of bundles as verification read them, by collector and day, until `adopt` names them by hash.
    private var pending: [String: [UTCDay: [PreparedRecords]]] = [:]
    /// How many more records verification may hand over.
    private var budget = 0

    public init() {}

    subscript(key: Key) -> [PreparedRecords]? {
        get { lock.withLock { bundles[key]?.batches } }
        set { lock.withLock { bundles[key] = newValue.map { Entry(batches: $0, verified: false) } } }
    }

    /// Forgets the bundles of days before `day` that were read for a window (not those taken from verification).
    public func forget(before day: UTCDay) {
        lock.withLock { bundles = bundles.filter { $0.key.day >= day || $0.value.verified } }
    }

    /// A sink for `DatasetVerifier` that keeps the scored records of each bundle it verifies, up to about
    /// `maxBytes` of them in all (a bundle that would pass the budget is not kept, and is read again if a
    /// window needs it).
    public func sink(maxBytes: Int = 200 << 20) -> any VerifiedRecordSink {
        lock.withLock { budget = maxBytes / MemoryLayout<Scorer.PreparedRecord>.stride }
        return VerifiedBundles(cache: self)
    }

    /// Keeps the records verification handed over for the bundles of `report` that verified without an
    /// error, by their manifest hash: for those, records.jsonl is the file the manifest names and every
    /// line a valid record, so the records are exactly what reading the bundle again would give.
    public func adopt(_ report: VerificationReport) {
        lock.withLock {
            for bundle in report.bundles where !bundle.hasErrors {
                guard let hash = bundle.manifestHash, let batches = pending[bundle.collector]?[bundle.day] else { continue }
                bundles[Key(collector: bundle.collector, day: bundle.day, manifestSHA256: hash)] = Entry(batches: batches, verified: true)
            }
            pending = [:]
        }
    }

    /// A bundle's records as verification read them, kept if the budget allows.
    fileprivate func offer(collector: String, day: UTCDay, batches: [PreparedRecords], records: Int) {
        lock.withLock {
            guard records <= budget else {
                budget = 0  // past the budget: keep no more; the others are read again when a window needs them
                return
            }
            budget -= records
            pending[collector, default: [:]][day] = batches
        }
    }

    /// Prepares each verified record on the verifier's thread, one receiver per bundle.
    private final class VerifiedBundles: VerifiedRecordSink, @unchecked Sendable {
        let cache: PreparedBundles

        init(cache: PreparedBundles) { self.cache = cache }

        func bundle(collector: String, day: UTCDay) -> any VerifiedRecordReceiver {
            Receiver(cache: cache, collector: collector, day: day)
        }

        final class Receiver: VerifiedRecordReceiver {
            let cache: PreparedBundles
            let collector: String
            let day: UTCDay
            let preparer = RecordPreparer()
            var batches: [PreparedRecords] = []
            var records = 0

            init(cache: PreparedBundles, collector: String, day: UTCDay) {
                self.cache = cache
                self.collector = collector
                self.day = day
            }

            func record(line: Int, _ record: RecordView) {
                preparer.add(record)
                records += 1
                if preparer.count == BundleSet.batchRecords { batches.append(preparer.take()) }
            }

            func finish() {
                if preparer.count > 0 { batches.append(preparer.take()) }
                cache.offer(collector: collector, day: day, batches: batches, records: records)
            }
        }
    }
}

/// Hands records to a scorer from worker threads (the verifier's, or the bundle readers'): each record
/// prepared on its thread, added in batches under a lock.
final class ScorerSink: VerifiedRecordSink, @unchecked Sendable {
    let scorer: Scorer
    let wants: @Sendable (String, UTCDay) -> Bool
    let lock = NSLock()

    init(scorer: Scorer, wants: @escaping @Sendable (String, UTCDay) -> Bool) {
        self.scorer = scorer
        self.wants = wants
    }

    func bundle(collector: String, day: UTCDay) -> any VerifiedRecordReceiver {
        Receiver(sink: wants(collector, day) ? self : nil)
    }

    func add(_ batch: PreparedRecords) {
        lock.withLock { scorer.add(batch) }
    }

    func add(bundle collector: String, day: UTCDay, manifestSHA256: String) {
        lock.withLock { scorer.add(bundle: collector, day: day, manifestSHA256: manifestSHA256) }
    }

    final class Receiver: VerifiedRecordReceiver {
        let sink: ScorerSink?
        let preparer = RecordPreparer()

        init(sink: ScorerSink?) { self.sink = sink }

        func record(line: Int, _ record: RecordView) {
            guard let sink else { return }
            preparer.add(record)
            if preparer.count == BundleSet.batchRecords { sink.add(preparer.take()) }
        }

        func finish() {
            if preparer.count > 0 { sink?.add(preparer.take()) }
        }
    }
}
