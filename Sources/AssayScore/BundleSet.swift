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

    /// Adds exactly the named bundles and their records.
    public static func feed(_ scorer: Scorer, from directory: DatasetDirectory, bundles: [(String, UTCDay)]) throws(ScoreError) {
        for (collector, day) in bundles {
            do {
                let base = directory.bundlePath(collector: collector, day: day)
                let manifest: [UInt8]
                do { manifest = try directory.manifestBytes(collector: collector, day: day) } catch {
                    throw ScoreError("\(base)/manifest.json: \(error)")
                }
                let entry: Optional<Manifest.FileEntry>
                do { entry = try Manifest(bytes: manifest).file("records.jsonl") } catch {
                    throw ScoreError("\(base)/manifest.json: \(error.reason)")
                }
                guard let entry else { throw ScoreError("\(base)/manifest.json names no records.jsonl") }
                let size = entry.size
                scorer.add(bundle: collector, day: day, manifestSHA256: MessageDigest.sha256(manifest).hex)
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
                do {
                    try reader.forEachLine { (number, line) throws(ScoreError) in
                        guard case .bytes(let bytes) = line else { throw ScoreError("\(path):\(number): line too long for a record") }
                        chunk.append((number, Array(bytes)))
                        if chunk.count == chunkLines {
                            try add(chunk, to: scorer, path: path)
                            chunk.removeAll(keepingCapacity: true)
                        }
                    }
                } catch {
                    switch error {
                    case .io(let error): throw ScoreError("\(path): \(error)")
                    case .body(let error): throw error
                    }
                }
                try add(chunk, to: scorer, path: path)
                guard read == size, hasher.finalize().hex == entry.sha256 else {
                    throw ScoreError("\(path) is not the file its manifest names (size or SHA-256 differs)")
                }
            }
        }
    }

    /// Parses and hashes the lines in parallel, then adds them in order.
    static func add(_ lines: [(number: Int, bytes: [UInt8])], to scorer: Scorer, path: String) throws(ScoreError) {
        guard !lines.isEmpty else { return }
        let workers = min(max(1, ProcessInfo.processInfo.activeProcessorCount), lines.count)
        let parsed = UnsafeMutableBufferPointer<Result<Scorer.PreparedRecord?, ScoreError>?>.allocate(capacity: lines.count)
        parsed.initialize(repeating: nil)
        defer { parsed.deinitialize(); parsed.deallocate() }
        nonisolated(unsafe) let output = parsed
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            var index = worker
            while index < lines.count {
                let line = lines[index]
                output[index] = line.bytes.withUnsafeBytes { bytes in
                    switch RecordLine.read(bytes) {
                    case .record(let view): .success(Scorer.prepare(view, sha256: MessageDigest.sha256(bytes).bytes))
                    // A record is identified by its canonical bytes (spec/scoring.md §3): a line that is not
                    // canonical is not input a scorer accepts.
                    case .problem(.invalid(let error)): .failure(ScoreError("\(path):\(line.number): \(error)"))
                    case .problem: .failure(ScoreError("\(path):\(line.number): the record is not in canonical form"))
                    }
                }
                index += workers
            }
        }
        for result in parsed {
            switch result! {
            case .success(let prepared): if let prepared { scorer.add(prepared) }
            case .failure(let error): throw error
            }
        }
    }
}
