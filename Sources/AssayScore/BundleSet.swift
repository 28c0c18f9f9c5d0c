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

    /// Lines parsed at once: parsing and hashing run on every core, adding to the scorer on one.
    static let chunkLines = 8192

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

    /// Adds exactly the named bundles and their records; with `cache`, a bundle read before (the same
    /// manifest hash) is not read again. Without one, the bundles are read at once on every core, each by
    /// one thread (a scorer's output does not depend on the order of its input).
    public static func feed(_ scorer: Scorer, from directory: DatasetDirectory, bundles: [(String, UTCDay)],
                            cache: PreparedBundles? = nil) throws(ScoreError) {
        guard let cache else {
            try feedInParallel(scorer, from: directory, bundles: bundles)
            return
        }
        for (collector, day) in bundles {
            let base = directory.bundlePath(collector: collector, day: day)
            let (manifest, manifestSHA256) = try manifest(directory, collector, day)
            scorer.add(bundle: collector, day: day, manifestSHA256: manifestSHA256)
            let key = PreparedBundles.Key(collector: collector, day: day, manifestSHA256: manifestSHA256)
            let records = try cache.records(key) { () throws(ScoreError) in
                var records: [Scorer.PreparedRecord] = []
                try forEachRecord(of: manifest, at: base) { records.append($0) }
                return records
            }
            for record in records { scorer.add(record) }
        }
    }

    static func feedInParallel(_ scorer: Scorer, from directory: DatasetDirectory, bundles: [(String, UTCDay)]) throws(ScoreError) {
        let sink = ScorerSink(scorer: scorer) { _, _ in true }
        let failures = UnsafeMutableBufferPointer<ScoreError?>.allocate(capacity: bundles.count)
        failures.initialize(repeating: nil)
        defer { failures.deinitialize(); failures.deallocate() }
        nonisolated(unsafe) let failed = failures
        DispatchQueue.concurrentPerform(iterations: bundles.count) { index in
            let (collector, day) = bundles[index]
            do throws(ScoreError) {
                let (manifest, manifestSHA256) = try Self.manifest(directory, collector, day)
                var batch: [Scorer.PreparedRecord] = []
                try forEachRecord(of: manifest, at: directory.bundlePath(collector: collector, day: day), workers: 1) { record in
                    batch.append(record)
                    if batch.count == chunkLines {
                        sink.add(batch)
                        batch.removeAll(keepingCapacity: true)
                    }
                }
                sink.add(batch)
                sink.add(bundle: collector, day: day, manifestSHA256: manifestSHA256)
            } catch {
                failed[index] = error
            }
        }
        // The first failing bundle in the order given, whatever thread finished first.
        if let failure = failures.lazy.compactMap({ $0 }).first { throw failure }
    }

    /// A bundle's manifest bytes and their SHA-256.
    static func manifest(_ directory: DatasetDirectory, _ collector: String, _ day: UTCDay) throws(ScoreError) -> ([UInt8], String) {
        let manifest: [UInt8]
        do { manifest = try directory.manifestBytes(collector: collector, day: day) } catch {
            throw ScoreError("\(directory.bundlePath(collector: collector, day: day))/manifest.json: \(error)")
        }
        return (manifest, MessageDigest.sha256(manifest).hex)
    }

    /// Calls `body` with each scored record of the bundle at `base` whose manifest is `manifest`, in file order.
    /// `workers`: threads that read the lines of a chunk.
    static func forEachRecord(of manifest: [UInt8], at base: String, workers: Int = ProcessInfo.processInfo.activeProcessorCount,
                              _ body: (Scorer.PreparedRecord) -> Void) throws(ScoreError) {
        let entry: Optional<Manifest.FileEntry>
        do { entry = try Manifest(bytes: manifest).file("records.jsonl") } catch {
            throw ScoreError("\(base)/manifest.json: \(error.reason)")
        }
        guard let entry else { throw ScoreError("\(base)/manifest.json names no records.jsonl") }
        let size = entry.size
        let path = "\(base)/records.jsonl"
        let reader: LineReader
        // Never more than the manifest says the file holds.
        do { reader = try LineReader(regularFile: path, byteLimit: size) } catch { throw ScoreError("\(error)") }  // the error names the path
        // Scores rest on the signed records: the file must be the one the manifest names.
        let hasher = MessageDigest(.sha256)
        var read: Int64 = 0
        reader.onChunk = { bytes in
            hasher.update(bytes)
            read += Int64(bytes.count)
        }
        var chunk: [(number: Int, bytes: [UInt8])] = []
        let preparer = workers <= 1 ? RecordPreparer() : nil
        do {
            try reader.forEachLine { (number, line) throws(ScoreError) in
                guard case .bytes(let bytes) = line else { throw ScoreError("\(path):\(number): line too long for a record") }
                if let preparer {
                    // One thread: each line read in place, not copied into a chunk.
                    if let prepared = try prepare(bytes, number: number, path: path, preparer) { body(prepared) }
                    return
                }
                chunk.append((number, Array(bytes)))
                if chunk.count == chunkLines {
                    try prepare(chunk, path: path, workers: workers, body)
                    chunk.removeAll(keepingCapacity: true)
                }
            }
        } catch {
            switch error {
            case .io(let error): throw ScoreError("\(path): \(error)")
            case .body(let error): throw error
            }
        }
        try prepare(chunk, path: path, workers: workers, body)
        guard read == size, hasher.finalize().hex == entry.sha256 else {
            throw ScoreError("\(path) is not the file its manifest names (size or SHA-256 differs)")
        }
    }

    /// One line as a scorer takes it: a valid record in canonical form, prepared; nil for records not scored.
    static func prepare(_ bytes: UnsafeRawBufferPointer, number: Int, path: String, _ preparer: RecordPreparer) throws(ScoreError)
        -> Scorer.PreparedRecord? {
        switch RecordLine.read(bytes) {
        case .record(let view): return preparer.prepare(view)
        // A record is identified by its canonical bytes (spec/scoring.md §3): a line that is not
        // canonical is not input a scorer accepts.
        case .problem(.invalid(let error)): throw ScoreError("\(path):\(number): \(error)")
        case .problem: throw ScoreError("\(path):\(number): the record is not in canonical form")
        }
    }

    /// Reads and hashes the lines in parallel, then hands them to `body` in order.
    static func prepare(_ lines: [(number: Int, bytes: [UInt8])], path: String, workers: Int,
                        _ body: (Scorer.PreparedRecord) -> Void) throws(ScoreError) {
        guard !lines.isEmpty else { return }
        let workers = min(max(1, workers), lines.count)
        let parsed = UnsafeMutableBufferPointer<Result<Scorer.PreparedRecord?, ScoreError>?>.allocate(capacity: lines.count)
        parsed.initialize(repeating: nil)
        defer { parsed.deinitialize(); parsed.deallocate() }
        nonisolated(unsafe) let output = parsed
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            let preparer = RecordPreparer()
            var index = worker
            while index < lines.count {
                let line = lines[index]
                output[index] = line.bytes.withUnsafeBytes { bytes in
                    do throws(ScoreError) { return .success(try prepare(bytes, number: line.number, path: path, preparer)) } catch {
                        return .failure(error)
                    }
                }
                index += workers
            }
        }
        for result in parsed {
            switch result! {
            case .success(let prepared): if let prepared { body(prepared) }
            case .failure(let error): throw error
            }
        }
    }
}

/// The scored records of bundles, each read once and kept while a window that moves forward
/// needs them: verifying a year of daily published scores reads each bundle once, not once per
/// window that covers it (spec/scoring.md §10).
public final class PreparedBundles {
    struct Key: Hashable {
        let collector: String
        let day: UTCDay
        let manifestSHA256: String
    }

    private var bundles: [Key: [Scorer.PreparedRecord]] = [:]

    public init() {}

    func records(_ key: Key, read: () throws(ScoreError) -> [Scorer.PreparedRecord]) throws(ScoreError) -> [Scorer.PreparedRecord] {
        if let known = bundles[key] { return known }
        let records = try read()
        bundles[key] = records
        return records
    }

    /// Forgets the bundles of days before `day`.
    public func forget(before day: UTCDay) {
        bundles = bundles.filter { $0.key.day >= day }
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

    func add(_ records: [Scorer.PreparedRecord]) {
        lock.withLock { for record in records { scorer.add(record) } }
    }

    func add(bundle collector: String, day: UTCDay, manifestSHA256: String) {
        lock.withLock { scorer.add(bundle: collector, day: day, manifestSHA256: manifestSHA256) }
    }

    final class Receiver: VerifiedRecordReceiver {
        let sink: ScorerSink?
        let preparer = RecordPreparer()
        var batch: [Scorer.PreparedRecord] = []

        init(sink: ScorerSink?) { self.sink = sink }

        func record(line: Int, _ record: RecordView) {
            guard let sink, let prepared = preparer.prepare(record) else { return }
            batch.append(prepared)
            if batch.count == BundleSet.chunkLines {
                sink.add(batch)
                batch.removeAll(keepingCapacity: true)
            }
        }

        func finish() {
            sink?.add(batch)
            batch = []
        }
    }
}
