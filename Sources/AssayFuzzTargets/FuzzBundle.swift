import AssayCore
import AssayLedger
import Foundation

extension FuzzTarget {
    /// The vector dataset (spec/vectors/dataset, or $ASSAY_FUZZ_DATASET) copied into a temporary
    /// directory once; the bundle target replaces one file of its collector-a 2026-01-10 bundle
    /// (which has records, conflicts and a signature) per input and puts it back afterwards.
    final class BundleFixture: @unchecked Sendable {
        static let shared = BundleFixture()

        let directory: DatasetDirectory
        let descriptor: DatasetDescriptor
        let policy: TrustPolicy
        let bundle: String
        /// The files an input may replace, with their original bytes.
        let files: [(name: String, original: [UInt8])]
        static let collector = "collector-a"
        static let day = UTCDay("2026-01-10")!

        init?() {
            let source = ProcessInfo.processInfo.environment["ASSAY_FUZZ_DATASET"] ?? "spec/vectors/dataset"
            let root = NSTemporaryDirectory() + "assay-fuzz-\(getpid())-dataset"
            try? FileManager.default.removeItem(atPath: root)
            guard (try? FileManager.default.copyItem(atPath: source, toPath: root)) != nil else { return nil }
            directory = DatasetDirectory(root)
            guard let descriptor = try? directory.descriptor(), let policy = PolicyChain.evaluate(directory, descriptor: descriptor).current else { return nil }
            self.descriptor = descriptor
            self.policy = policy
            bundle = directory.bundlePath(collector: Self.collector, day: Self.day)
            var files: [(String, [UInt8])] = []
            for name in ["manifest.json", "records.jsonl", "conflicts.jsonl", "signatures/vector-signer.sig"] {
                guard let bytes = try? Files.read("\(bundle)/\(name)", limit: 16 << 20) else { return nil }
                files.append((name, bytes))
            }
            self.files = files
        }

        func verify() -> BundleResult {
            BundleVerifier(directory: directory, descriptor: descriptor, policy: policy).verify(collector: Self.collector, day: Self.day)
        }
    }

    /// The first byte picks the file; the rest replaces it. The verifier must not trap, and must
    /// never accept a manifest, records or conflicts file that differs from the signed one.
    static func bundle(_ data: UnsafeRawBufferPointer) throws(FuzzViolation) {
        guard let fixture = BundleFixture.shared, data.count >= 1 else { return }
        let file = fixture.files[Int(data[0]) % fixture.files.count]
        let bytes = Array(data.dropFirst())
        let path = "\(fixture.bundle)/\(file.name)"
        guard (try? Files.writeAtomically(path, contents: bytes)) != nil else { return }
        defer { try? Files.writeAtomically(path, contents: file.original) }
        let result = fixture.verify()
        if bytes == file.original {
            guard !result.hasErrors else { throw FuzzViolation("the untouched vector bundle no longer verifies: \(result.findings)", input: bytes) }
        } else if file.name != "signatures/vector-signer.sig" && !result.hasErrors && result.holds {
            // A signature file may be re-encoded (other line breaks) and still hold; signed content may not change.
            throw FuzzViolation("the verifier accepted a changed \(file.name)", input: Array(data))
        }
    }
}
