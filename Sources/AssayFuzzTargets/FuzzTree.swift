import AssayCore
import AssayLedger
import AssayScore
import Foundation

extension FuzzTarget {
    /// Whole hostile dataset trees: the vector dataset is copied afresh for each input, and the
    /// input is read as a program of changes to it — files written, removed, truncated, replaced by
    /// symbolic links (to /dev/zero, the root, each other), FIFOs or directories, directories copied
    /// under hostile names, numbers replaced by hostile values. The whole verification (layout,
    /// policy, bundles, chains, time, published scores) must then finish with a verdict, within
    /// libFuzzer's time and memory bounds; the untouched tree must verify.
    final class TreeFixture: @unchecked Sendable {
        static let shared = TreeFixture()

        let source: String
        let scratch: String
        /// Paths of the vector dataset, relative, sorted: the places an operation may touch.
        let paths: [String]

        init?() {
            source = ProcessInfo.processInfo.environment["ASSAY_FUZZ_DATASET"] ?? "spec/vectors/dataset"
            scratch = NSTemporaryDirectory() + "assay-fuzz-\(getpid())-tree"
            guard let enumerator = FileManager.default.enumerator(atPath: source) else { return nil }
            paths = (enumerator.allObjects as? [String] ?? []).sorted()
            guard !paths.isEmpty else { return nil }
        }
    }

    static let hostileNames = ["9999", "0000", "00", "13", "32", "..", ".", ".hidden", "a/b", String(repeating: "x", count: 300),
                               "\u{0}", "é", "GW-A", "collector-a", "2026", "01", "signatures", "manifest.json", "records.jsonl", "x.sig"]
    static let hostileNumbers: [Int64] = [0, -1, 1, Int64.max, Int64.min, 9_007_199_254_740_991, 9_007_199_254_740_992, 86_400_000]

    /// Reads the input as operations: [opcode, selector, length, payload…]…
    static func tree(_ data: UnsafeRawBufferPointer) throws(FuzzViolation) {
        guard let fixture = TreeFixture.shared else { return }
        try? FileManager.default.removeItem(atPath: fixture.scratch)
        guard (try? FileManager.default.copyItem(atPath: fixture.source, toPath: fixture.scratch)) != nil else { return }
        defer { try? FileManager.default.removeItem(atPath: fixture.scratch) }
        let root = fixture.scratch
        var at = 0
        var operations = 0
        func byte() -> Int? {
            guard at < data.count else { return nil }
            defer { at += 1 }
            return Int(data[at])
        }
        while let opcode = byte(), let selector = byte(), operations < 32 {
            operations += 1
            let relative = fixture.paths[selector % fixture.paths.count]
            let path = "\(root)/\(relative)"
            let length = byte() ?? 0
            let payload = Array(data[min(at, data.count)..<min(at + length, data.count)])
            at += length
            switch opcode % 10 {
            case 0: _ = try? Files.writeAtomically(path, contents: payload)
            case 1: try? FileManager.default.removeItem(atPath: path)
            case 2:
                let targets = ["/dev/zero", "/dev/null", "/", root, "\(root)/\(fixture.paths[(selector + 1) % fixture.paths.count])", "..", "."]
                try? FileManager.default.removeItem(atPath: path)
                _ = symlink(targets[length % targets.count], path)
            case 3:
                try? FileManager.default.removeItem(atPath: path)
                _ = mkfifo(path, 0o644)
            case 4:
                try? FileManager.default.removeItem(atPath: path)
                try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
            case 5:
                // A number of a JSON document or record line replaced by a hostile value, canonical again.
                guard var bytes = try? Files.read(path, limit: 1 << 20) else { continue }
                var lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false).map(Array.init)
                let index = length % max(1, lines.count)
                guard index < lines.count, let value = try? JSONParser().parse(lines[index]) else { continue }
                let replaced = replaceNumber(value, skip: Int(payload.first ?? 0), with: hostileNumbers[length % hostileNumbers.count])
                guard let encoded = try? CanonicalJSON.encode(replaced) else { continue }
                lines[index] = encoded
                bytes = Array(lines.joined(separator: [0x0A]))
                _ = try? Files.writeAtomically(path, contents: bytes)
            case 6:
                // A directory copied under a hostile name beside itself.
                let parent = (path as NSString).deletingLastPathComponent
                let name = hostileNames[length % hostileNames.count]
                try? FileManager.default.copyItem(atPath: path, toPath: "\(parent)/\(name)")
            case 7:
                guard let bytes = try? Files.read(path, limit: 1 << 20) else { continue }
                _ = try? Files.writeAtomically(path, contents: Array(bytes.prefix(length * 37 % (bytes.count + 1))))
            case 8:
                guard let bytes = try? Files.read(path, limit: 1 << 20) else { continue }
                _ = try? Files.writeAtomically(path, contents: bytes + payload)
            default:
                _ = chmod(path, mode_t(length % 2 == 0 ? 0 : 0o200))
            }
        }
        let result = verifyTree(root)
        if operations == 0, !result.holds {
            throw FuzzViolation("the untouched vector dataset does not verify: \(result.findings.prefix(5))", input: Array(data))
        }
    }

    /// Replaces the `skip`-th integer (in document order, wrapping) of a JSON value.
    static func replaceNumber(_ value: JSONValue, skip: Int, with new: Int64) -> JSONValue {
        var remaining = skip
        func walk(_ value: JSONValue) -> JSONValue {
            switch value {
            case .integer:
                defer { remaining -= 1 }
                return remaining == 0 ? .integer(new) : value
            case .array(let elements): return .array(elements.map(walk))
            case .object(let members): return .object(members.map { .init($0.key, walk($0.value)) })
            default: return value
            }
        }
        return walk(value)
    }

    /// The full verification of a tree, synchronously: the dataset's own policy, then published scores.
    /// It blocks its thread until the async verifier is done, so it must not be called on a thread of
    /// Swift's cooperative pool (libFuzzer's thread is fine; tests run targets on threads of their own).
    static func verifyTree(_ root: String) -> VerificationReport {
        let box = ReportBox()
        let semaphore = DispatchSemaphore(value: 0)
        Task.detached {
            var report = await DatasetVerifier(directory: DatasetDirectory(root)).verify()
            if report.policy != nil, let descriptor = try? DatasetDirectory(root).descriptor() {
                report = report.adding(PublishedScores.verify(DatasetDirectory(root), report: report, profiles: descriptor.scoringProfiles))
            }
            box.report = report
            semaphore.signal()
        }
        semaphore.wait()
        return box.report!
    }

    final class ReportBox: @unchecked Sendable { var report: VerificationReport? }
}
