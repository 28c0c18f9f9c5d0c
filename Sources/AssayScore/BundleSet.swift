import AssayCore
import AssayCrypto
import AssayLedger

/// Feeds a scorer from datasets on disk (spec/scoring.md §3).
public enum BundleSet {
    /// Verifies `directory` (spec/dataset.md §8); the findings that are errors, empty when it verifies.
    public static func verify(_ directory: DatasetDirectory) async -> [Finding] {
        await DatasetVerifier(directory: directory).verify().findings.filter { $0.severity == .error }
    }

    /// Adds every bundle of `directory` in the days the scorer needs, and their records.
    public static func feed(_ scorer: Scorer, from directory: DatasetDirectory) throws(ScoreError) {
        for collector in directory.collectors() {
            for day in directory.days(of: collector) where scorer.daysNeeded.contains(day) {
                let base = directory.bundlePath(collector: collector, day: day)
                let manifest: [UInt8]
                do { manifest = try directory.manifestBytes(collector: collector, day: day) } catch {
                    throw ScoreError("\(base)/manifest.json: \(error)")
                }
                scorer.add(bundle: collector, day: day, manifestSHA256: Hasher.sha256(manifest).hex)
                let path = "\(base)/records.jsonl"
                let reader: LineReader
                do { reader = try LineReader(path: path) } catch { throw ScoreError("\(path): \(error)") }
                do {
                    try reader.forEachLine { (number, line) throws(ScoreError) in
                        guard case .bytes(let bytes) = line else { throw ScoreError("\(path):\(number): line too long for a record") }
                        do {
                            let record = try Record.parse(bytes)
                            scorer.add(record, canonical: Array(bytes))
                        } catch {
                            throw ScoreError("\(path):\(number): \(error)")
                        }
                    }
                } catch {
                    switch error {
                    case .io(let error): throw ScoreError("\(path): \(error)")
                    case .body(let error): throw error
                    }
                }
            }
        }
    }
}
