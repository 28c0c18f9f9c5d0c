import AssayCore
import AssayCrypto
import AssayLedger
import Foundation

/// Sealed synthetic datasets for benchmarks and tests: a fresh dataset whose signers all sign with
/// one fixed key, and one filled with `SyntheticScoringRecords` by two collectors.
public enum SyntheticDataset {
    /// The key every signer of a synthetic dataset signs with (derived from a fixed phrase: never a secret).
    public static let key: Ed25519PrivateKey = {
        do { return try Ed25519PrivateKey(seed: MessageDigest.sha256(Array("assay bench key".utf8)).bytes) } catch {
            preconditionFailure("a 32-byte seed is always a valid Ed25519 key: \(error)")
        }
    }()

    /// A fresh simulated dataset at `root` (replacing one left there) whose
    /// `signers` all sign manifests with the benchmark key.
    public static func create(at root: String, id: String, signers: [String],
                              scoringProfiles: [DatasetDescriptor.Profile] = [], shardBytes: Int64? = nil) throws -> DatasetDirectory {
        if Files.exists(root) { try FileManager.default.removeItem(atPath: root) }
        let namespaces = TrustPolicy.assayNamespaces.joined(separator: ",")
        _ = try DatasetDirectory.create(
            at: root,
            descriptor: DatasetDescriptor(id: id, title: "Benchmark", description: "synthetic", licence: "CC0-1.0",
                                          scoringProfiles: scoringProfiles, simulated: true, shardBytes: shardBytes),
            allowedSigners: signers.map { "\($0) namespaces=\"\(namespaces)\" \(OpenSSHPublicKey(key.publicKey).line)\n" }.joined(),
            threshold: 1, issued: UTCDay("2026-01-01")!.startMs / 1000, approvals: [(signers[0], key)])
        return DatasetDirectory(root)
    }
}

/// A dataset of `SyntheticScoringRecords` sealed day by day by two collectors
/// (gw-1, gw-2) with the benchmark key; `extra` adds lines of its own to a day, and `sealed` runs
/// after each day is sealed by both (to publish its scores, as a collector does).
public enum SyntheticScoringDataset {
    public static let collectors = ["gw-1", "gw-2"]

    public static func build(at root: String, id: String, orchestrators: Int, lastDay: UTCDay, days: Int, records: Int,
                             scoringProfiles: [DatasetDescriptor.Profile] = [], shardBytes: Int64? = nil,
                             extra: (UTCDay) -> [(collector: String, line: String)] = { _ in [] },
                             sealed: (DatasetDirectory, UTCDay) throws -> Void = { _, _ in },
                             progress: (String) -> Void) throws -> DatasetDirectory {
        let dataset = try SyntheticDataset.create(at: root, id: id, signers: collectors, scoringProfiles: scoringProfiles, shardBytes: shardBytes)
        var generator = SyntheticScoringRecords(orchestrators: orchestrators)
        let perDay = max(1, records / days)
        var emitted = 0
        for offset in 0..<days {
            let day = UTCDay(number: lastDay.number - days + 1 + offset)
            progress("sealing day \(offset + 1)/\(days)")
            var files: [String: UnsafeMutablePointer<FILE>] = [:]
            for collector in collectors {
                let path = "\(root)-\(collector).jsonl"
                guard let file = fopen(path, "w") else { throw FileError(path: path, operation: "create", errno: errno) }
                files[collector] = file
            }
            var count = 0
            let quota = offset == days - 1 ? records - emitted : perDay
            while count < quota {
                let start = day.startMs + Int64(count) * (UTCDay.milliseconds - 1_000_000) / Int64(max(quota, 1))
                for (collector, line) in generator.job(startMs: start) where count < quota {
                    fputs(line, files[collector]!)
                    fputc(0x0A, files[collector]!)
                    count += 1
                }
            }
            for (collector, line) in extra(day) {
                fputs(line, files[collector]!)
                fputc(0x0A, files[collector]!)
            }
            emitted += count
            for file in files.values { fclose(file) }
            for collector in collectors {
                let input = "\(root)-\(collector).jsonl"
                _ = try dataset.seal(collector: collector, day: day, inputs: [input], key: SyntheticDataset.key, signer: collector) { _ in }
                unlink(input)
            }
            try sealed(dataset, day)
        }
        return dataset
    }
}
