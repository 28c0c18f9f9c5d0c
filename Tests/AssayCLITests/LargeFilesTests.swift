import AssayCore
import AssayCrypto
import AssayTestSupport
import Foundation
import Testing

/// Datasets at network scale (issue 24): records cut into shards, stored compressed as transport only, kept in
/// Git LFS, fetched and checked in part (spec/dataset.md §4.6, §4.7, §8.5, §9.1). Every check runs both verifiers.
@Suite("large files: shards, compression, Git LFS, partial checks", .serialized)
struct LargeFilesTests {
    static let sharded = Repository.url("spec/vectors/sharded").path
    static let bundle = "bundles/collector-a/2026/01/09"
    static let shard = "\(bundle)/records-00001.jsonl.zst"

    static func copy(in directory: TemporaryDirectory) throws -> String {
        let target = directory.file("dataset")
        try FileManager.default.copyItem(atPath: sharded, toPath: target)
        return target
    }

    /// Both verifiers' reports on `dataset`: they must agree on the verdict and on every finding.
    static func bothVerify(_ dataset: String, extra: [String] = []) throws -> (swift: HostileDatasetTests.Verdict, python: HostileDatasetTests.Verdict) {
        let swift = try HostileDatasetTests.run(Command.assayPath, ["verify", dataset, "--json"] + extra)
        let python = try HostileDatasetTests.run("/usr/bin/env", ["python3", "verify/assay_verify.py", dataset, "--json"] + extra)
        #expect(swift.status == python.status, "the verifiers agree on the verdict: \(swift.output.prefix(1500)) / \(python.output.prefix(1500))")
        #expect(swift.findings == python.findings, "Swift only \(swift.findings.subtracting(python.findings)); Python only \(python.findings.subtracting(swift.findings))")
        return (swift, python)
    }

    static func zstd(_ arguments: [String], input: [UInt8]) throws -> [UInt8] {
        let result = try Command.system("zstd", arguments, input: input)
        #expect(result.status == 0, "zstd \(arguments): \(result.stderr)")
        return result.stdoutBytes
    }

    @Test("a sharded, compressed dataset verifies with both verifiers, and both scorers write the same scores from it")
    func verifies() throws {
        let (swift, _) = try Self.bothVerify(Self.sharded)
        #expect(swift.status == 0, "\(swift.output)")
        let scoreArguments = ["--dataset", Self.sharded, "--day", "2026-01-11", "--window", "7"]
        let ours = try Command.assay(["score"] + scoreArguments)
        let theirs = try Command.system("python3", [Repository.url("verify/assay_score.py").path] + scoreArguments)
        #expect(ours.status == 0 && theirs.status == 0, "\(ours.stderr) \(theirs.stderr)")
        #expect(ours.stdoutBytes == theirs.stdoutBytes && ours.stdoutBytes.count > 1000, "both scorers read the shards alike")
    }

    @Test("recompressing a shard (the zstd CLI at level 19, or no compression) changes no signed byte: it still verifies")
    func transportOnly() throws {
        let directory = try TemporaryDirectory()
        let dataset = try Self.copy(in: directory)
        let manifest = try Files.read("\(dataset)/\(Self.bundle)/manifest.json")
        let content = try Self.zstd(["-d", "-c"], input: try Files.read("\(dataset)/\(Self.shard)"))
        let recompressed = try Self.zstd(["-19", "-c", "-q"], input: content)
        #expect(recompressed != (try Files.read("\(dataset)/\(Self.shard)")), "other stored bytes")
        try Files.writeAtomically("\(dataset)/\(Self.shard)", contents: recompressed)
        #expect(try Self.bothVerify(dataset).swift.status == 0)
        try FileManager.default.removeItem(atPath: "\(dataset)/\(Self.shard)")
        try Files.writeAtomically("\(dataset)/\(Self.shard.dropLast(4))", contents: content)
        #expect(try Self.bothVerify(dataset).swift.status == 0)
        #expect(try Files.read("\(dataset)/\(Self.bundle)/manifest.json") == manifest, "the signed manifest is the same file throughout")
    }

    @Test("one flipped byte, in a compressed shard or in its decompressed content, is found by both verifiers",
          arguments: ["compressed", "content"])
    func flippedByte(place: String) throws {
        let directory = try TemporaryDirectory()
        let dataset = try Self.copy(in: directory)
        let path = "\(dataset)/\(Self.shard)"
        var bytes = try Files.read(path)
        if place == "compressed" {
            bytes[bytes.count / 2] ^= 0x01
        } else {
            var content = try Self.zstd(["-d", "-c"], input: bytes)
            content[content.count / 3] ^= 0x01
            bytes = try Self.zstd(["-3", "-c", "-q"], input: content)
        }
        try Files.writeAtomically(path, contents: bytes)
        let rule = place == "compressed" ? "file-encoding" : "file-hash"
        try HostileDatasetTests.bothRefuse(dataset, rule: rule, path: Self.shard)
    }

    @Test("published scores stored as scores.json.zst (the zstd CLI) verify with the same signature and log entry; a flipped byte, a pointer and both forms are found by both verifiers, a pointer outside --only is named not checked",
          arguments: ["stored", "flipped", "pointer", "pointer outside --only", "both forms"])
    func compressedScores(attack: String) throws {
        let directory = try TemporaryDirectory()
        let dataset = directory.file("dataset")
        try FileManager.default.copyItem(atPath: Repository.url("datasets/sample").path, toPath: dataset)
        let scores = "scores/gw-a/2026/01/04", plain = "\(dataset)/\(scores)/scores.json"
        let content = try Files.read(plain)
        var stored = try Self.zstd(["-19", "-c", "-q"], input: content)
        try FileManager.default.removeItem(atPath: plain)
        var extra: [String] = []
        switch attack {
        case "flipped": stored[stored.count / 2] ^= 0x01
        case "pointer", "pointer outside --only":
            stored = Array("version https://git-lfs.github.com/spec/v1\noid sha256:\(MessageDigest.sha256(stored).hex)\nsize \(stored.count)\n".utf8)
            if attack != "pointer" { extra = ["--only", "gw-b"] }
        case "both forms": try Files.writeAtomically(plain, contents: content)
        default: break
        }
        try Files.writeAtomically("\(dataset)/\(scores)/scores.json.zst", contents: stored)
        let (swift, _) = try Self.bothVerify(dataset, extra: extra)
        let errors = Set(swift.findings.filter { $0.hasPrefix("error ") }.map { String($0.split(separator: " ")[1]) })
        let expected: [String: Set<String>] = ["stored": [], "flipped": ["file-encoding", "log-entry"], "pointer": ["not-fetched"],
                                               "pointer outside --only": [], "both forms": ["unlisted-file"]]
        #expect(errors == expected[attack], "\(swift.findings)")
        if attack == "pointer outside --only" {
            let text = try Command.assay(["verify", dataset, "--only", "gw-b"])
            #expect(text.status == 0 && text.stdout.contains("1 published scores NOT CHECKED (not fetched, outside --only)"), "\(text.stdout)")
        }
    }

    @Test("a shard that decompresses past its signed size, or a truncated stream, is refused at once")
    func boundedDecompression() throws {
        let directory = try TemporaryDirectory()
        let dataset = try Self.copy(in: directory)
        let path = "\(dataset)/\(Self.shard)"
        let original = try Files.read(path)
        let content = try Self.zstd(["-d", "-c"], input: original)
        // 1 GiB of newlines after the content: about 40 KB compressed, stopped one byte past the signed size.
        let bomb = try Self.zstd(["-3", "-c", "-q"], input: content + [UInt8](repeating: 0x0A, count: 1 << 30))
        try Files.writeAtomically(path, contents: bomb)
        let (swift, python) = try HostileDatasetTests.bothRefuse(dataset, rule: "file-size", path: Self.shard)
        print("zip bomb: assay verify \(String(format: "%.2f", swift.seconds)) s, Python \(String(format: "%.2f", python.seconds)) s")
        try Files.writeAtomically(path, contents: Array(original.prefix(original.count - 9)))
        try HostileDatasetTests.bothRefuse(dataset, rule: "file-encoding", path: Self.shard)
    }

    @Test("a frame that asks for a 16 MiB window, or a stream padded past what its content can need, is refused by both verifiers")
    func hostileFrames() throws {
        let directory = try TemporaryDirectory()
        let dataset = try Self.copy(in: directory)
        let path = "\(dataset)/\(Self.shard)"
        let original = try Files.read(path)
        // A long-distance window of 2^24 bytes, declared by the frame header of any input larger than 8 MiB.
        let wide = try Self.zstd(["-3", "--long=24", "-c", "-q"], input: [UInt8](repeating: 0x7B, count: 9 << 20))
        try Files.writeAtomically(path, contents: wide)
        try HostileDatasetTests.bothRefuse(dataset, rule: "file-encoding", path: Self.shard)
        // The honest frame, then a skippable frame (RFC 8878 §3.1.2) of 1 MiB: more than the content's bound allows.
        let skippable: [UInt8] = [0x50, 0x2A, 0x4D, 0x18] + withUnsafeBytes(of: UInt32(1 << 20).littleEndian, Array.init) + [UInt8](repeating: 0, count: 1 << 20)
        try Files.writeAtomically(path, contents: original + skippable)
        try HostileDatasetTests.bothRefuse(dataset, rule: "file-size", path: Self.shard)
    }

    @Test("a shard left as its Git LFS pointer is not-fetched, an error; outside --only it is named as not checked, never as valid")
    func subset() throws {
        let directory = try TemporaryDirectory()
        let dataset = try Self.copy(in: directory)
        let stored = try Files.read("\(dataset)/\(Self.shard)")
        let pointer = "version https://git-lfs.github.com/spec/v1\noid sha256:\(MessageDigest.sha256(stored).hex)\nsize \(stored.count)\n"
        try Files.writeAtomically("\(dataset)/\(Self.shard)", contents: Array(pointer.utf8))
        try HostileDatasetTests.bothRefuse(dataset, rule: "not-fetched", path: Self.shard)
        let (swift, python) = try Self.bothVerify(dataset, extra: ["--only", "collector-b", "--only", "collector-a/2026-01-11"])
        #expect(swift.status == 0 && python.status == 0)
        for output in [swift.output, python.output] {
            let report = try JSONParser(limits: .init(maxDepth: 64, maxBytes: 64 << 20)).parse(Array(output.utf8))
            let checked = (report["bundles"]?.arrayValue ?? []).map { "\($0["collector"]?.stringValue ?? "") \($0["day"]?.stringValue ?? "") \($0["records_checked"] == .bool(true))" }
            #expect(checked == ["collector-a 2026-01-09 false", "collector-a 2026-01-11 true", "collector-b 2026-01-09 true"])
        }
        let text = try Command.assay(["verify", dataset, "--only", "collector-b"])
        #expect(text.status == 0)
        #expect(text.stdout.contains("NOT CHECKED: the records of 2 bundles (outside --only, missing or not fetched): collector-a 2026-01-09 … 2026-01-11 (2)"), "\(text.stdout)")
    }

    @Test("--only on the sample, whose bundles reveal probe orders: the reveals outside the selection are still checked, the records not, and both verifiers agree")
    func onlyWithProbes() throws {
        let sample = Repository.url("datasets/sample").path
        let (swift, python) = try Self.bothVerify(sample, extra: ["--only", "gw-a/2026-01-08"])
        #expect(swift.status == 0 && python.status == 0, "\(swift.output.prefix(2000))")
        let text = try Command.assay(["verify", sample, "--only", "gw-a/2026-01-08", "--only", "gw-b"])
        #expect(text.status == 0 && text.stdout.contains("NOT CHECKED: the records of 15 bundles"), "\(text.stdout)")
    }

    @Test("published through Git LFS to a local bare remote with its compressed scores, cloned without the objects, one bundle and its scores fetched with assay verify --fetch verify (both verifiers, --git)")
    func gitLFS() throws {
        #expect(Command.available("git-lfs"), "Debian's git-lfs is installed (README's set-up)")
        let directory = try TemporaryDirectory()
        let remote = directory.file("remote.git"), dataset = directory.file("dataset"), clone = directory.file("clone")
        #expect(try Command.system("git", ["init", "-q", "--bare", "-b", "main", remote]).status == 0)
        #expect(try Command.assay(["keygen", "-o", directory.file("key")]).status == 0)
        let created = try Command.assay(["dataset", "init", dataset, "--id", "lfs-test", "--title", "Git LFS test", "--signer", "gw-a=\(directory.file("key.pub"))",
                                         "--key", directory.file("key"), "--shard-bytes", "65536", "--simulated", "--issued", "2026-01-01", "--remote", remote])
        #expect(created.status == 0, "\(created.stderr)")
        // The records of two days: the first big enough for four shards, the second two records.
        try directory.write("records.jsonl", try Self.records())
        for day in ["2026-01-09", "2026-01-11"] {
            let sealed = try Command.assay(["seal", "--dataset", dataset, "--collector", "gw-a", "--day", day, "--key", directory.file("key"),
                                            "--records", directory.file("records.jsonl")])
            #expect(sealed.status == 0, "\(sealed.stderr)")
            // Scores stored compressed whatever their size, as a network's are (spec/scoring.md §10): in LFS with the shards.
            let published = try Command.assay(["publish", "--dataset", dataset, "--key", directory.file("key"), "--signer", "gw-a",
                                               "--scores", "gw-a", "--scores-compress-above", "0"])
            #expect(published.status == 0 && published.stdout.contains("Pushed to origin")
                    && published.stdout.contains("Published the scores of gw-a \(day)"), "\(published.stdout) \(published.stderr)")
            #expect(Files.exists("\(dataset)/scores/gw-a/\(day.replacingOccurrences(of: "-", with: "/"))/scores.json.zst"))
        }
        // What the remote holds: pointers in git, the objects in its LFS store; the publisher's work tree is clean.
        #expect(try Command.system("git", ["-C", dataset, "status", "--porcelain"]).stdout.isEmpty)
        let pointer = try Command.system("git", ["-C", remote, "show", "main:\(Self.bundle.replacingOccurrences(of: "collector-a", with: "gw-a"))/records-00000.jsonl.zst"])
        #expect(pointer.stdout.hasPrefix("version https://git-lfs.github.com/spec/v1\noid sha256:"), "\(pointer.stdout)")
        let oid = String(pointer.stdout.split(separator: "\n")[1].dropFirst("oid sha256:".count))
        #expect(Files.exists("\(remote)/lfs/objects/\(oid.prefix(2))/\(oid.dropFirst(2).prefix(2))/\(oid)"))
        #expect(try Command.system("git", ["-C", remote, "show", "main:.gitattributes"]).stdout == "*.zst filter=lfs diff=lfs merge=lfs -text\n")
        let scoresPointer = try Command.system("git", ["-C", remote, "show", "main:scores/gw-a/2026/01/11/scores.json.zst"])
        #expect(scoresPointer.stdout.hasPrefix("version https://git-lfs.github.com/spec/v1\noid sha256:"), "\(scoresPointer.stdout)")

        let cloned = try Command.system("git", ["clone", "-q", "-b", "main", remote, clone], environment: ["GIT_LFS_SKIP_SMUDGE": "1"])
        #expect(cloned.status == 0, "\(cloned.stderr)")
        let missing = try Self.bothVerify(clone)
        let errors = Set(missing.swift.findings.filter { $0.hasPrefix("error ") }.map { String($0.split(separator: " ")[1]) })
        #expect(missing.swift.status == 1 && errors == ["not-fetched"], "\(missing.swift.findings)")

        let fetched = try Command.assay(["verify", clone, "--fetch", "gw-a/2026-01-09", "--git"])
        #expect(fetched.status == 0, "\(fetched.stdout) \(fetched.stderr)")
        #expect(fetched.stdout.contains("NOT CHECKED: the records of 1 bundle (outside --only, missing or not fetched): gw-a 2026-01-11"), "\(fetched.stdout)")
        #expect(fetched.stdout.contains("1 published scores NOT CHECKED (not fetched, outside --only)"), "\(fetched.stdout)")
        #expect(try Files.read("\(clone)/bundles/gw-a/2026/01/09/records-00000.jsonl.zst").starts(with: [0x28, 0xB5, 0x2F, 0xFD]), "the Zstandard frame, fetched")
        #expect(try Files.read("\(clone)/scores/gw-a/2026/01/09/scores.json.zst").starts(with: [0x28, 0xB5, 0x2F, 0xFD]), "the day's scores, fetched with it")
        let python = try Command.system("python3", [Repository.url("verify/assay_verify.py").path, clone, "--only", "gw-a/2026-01-09", "--git"])
        #expect(python.status == 0 && python.stdout.contains("NOT CHECKED: 1 published scores (not fetched, outside --only): gw-a 2026-01-11"),
                "\(python.stdout)")
        // Everything fetched: the whole dataset verifies, its work tree equal to HEAD.
        #expect(try Command.system("git", ["-C", clone, "lfs", "pull"]).status == 0)
        #expect(try Self.bothVerify(clone, extra: ["--git"]).swift.status == 0)

        // Two publishers: the first pushes another sharded day; the second, behind, seals its own collector, and its
        // publish replays onto the remote and fetches the first one's new shards, so its clone holds every record.
        let day = "2026-01-12"
        try directory.write("later.jsonl", try Self.records(shiftedBy: 3))
        for (where_, collector, records) in [(dataset, "gw-a", "later.jsonl"), (clone, "gw-b", "records.jsonl")] {
            let sealed = try Command.assay(["seal", "--dataset", where_, "--collector", collector, "--day", collector == "gw-a" ? day : "2026-01-09",
                                            "--key", directory.file("key"), "--signer", "gw-a", "--records", directory.file(records)])
            #expect(sealed.status == 0, "\(sealed.stderr)")
            let published = try Command.assay(["publish", "--dataset", where_, "--key", directory.file("key"), "--signer", "gw-a",
                                               "--scores", collector, "--scores-compress-above", "0"])
            #expect(published.status == 0 && published.stdout.contains("Pushed to origin"), "\(published.stdout) \(published.stderr)")
        }
        #expect(try Files.read("\(clone)/bundles/gw-a/2026/01/12/records-00000.jsonl.zst").starts(with: [0x28, 0xB5, 0x2F, 0xFD]),
                "the other publisher's shard was fetched by the replay")
        #expect(try Files.read("\(clone)/scores/gw-a/2026/01/12/scores.json.zst").starts(with: [0x28, 0xB5, 0x2F, 0xFD]),
                "and its compressed scores")
        let final = try Self.bothVerify(clone, extra: ["--git"])
        #expect(final.swift.status == 0 && final.python.status == 0, "\(final.swift.output.prefix(3000))")
    }

    /// `records()` with every time moved `days` days later (ids unchanged: another day's bundle).
    static func records(shiftedBy days: Int64) throws -> String {
        let shift = days * 86_400_000
        return try records().split(separator: "\n").map { line -> String in
            var text = String(line)
            for field in ["start_ms", "end_ms", "first_output_ms", "session_request_ms", "session_playable_ms", "session_last_ms", "runner_start_ms",
                          "runner_output_ms", "ingest_sent_ms", "hour_ms"] {
                var result = "", rest = Substring(text)
                while let range = rest.range(of: "\"\(field)\":") {
                    result += rest[..<range.upperBound]
                    rest = rest[range.upperBound...]
                    let digits = rest.prefix { $0.isNumber }
                    result += String((Int64(digits) ?? 0) + shift)
                    rest = rest.dropFirst(digits.count)
                }
                text = result + rest
            }
            return text
        }.joined(separator: "\n") + "\n"
    }

    /// `records/valid.jsonl` 40 times with distinct ids (as spec/vectors/sharded's large day), and two records of 2026-01-11.
    static func records() throws -> String {
        var lines = ""
        let valid = String(decoding: try Repository.bytes("spec/vectors/records/valid.jsonl"), as: UTF8.self)
        for copy in 0..<40 {
            for line in valid.split(separator: "\n") {
                guard let range = line.range(of: #""id":""#), let end = line[range.upperBound...].firstIndex(of: "\"") else { continue }
                lines += line[..<end] + "-r\(copy)" + line[end...] + "\n"
            }
        }
        return lines + String(decoding: try Repository.bytes("spec/vectors/dataset-inputs/day3.jsonl"), as: UTF8.self)
    }
}
