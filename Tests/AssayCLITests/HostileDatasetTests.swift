import AssayCore
import AssayCrypto
import AssayTestSupport
import Foundation
import Testing

/// Hostile datasets (issue: a verifier that cannot be hung, crashed or fooled
/// by the data it checks). Each attack of the issue, made on a copy of
/// datasets/sample, is refused with its rule by `assay verify` and by the
/// independent verifier alike — promptly, and without a crash.
@Suite("hostile datasets", .serialized)
struct HostileDatasetTests {
    static let sample = Repository.url("datasets/sample").path
    static let lastBundle = "bundles/gw-a/2026/01/08"

    /// A copy of the sample to attack.
    static func copy(in directory: TemporaryDirectory) throws -> String {
        let target = directory.file("dataset")
        try FileManager.default.copyItem(atPath: sample, toPath: target)
        return target
    }

    struct Verdict {
        let status: Int32
        let seconds: Double
        /// (severity, rule, path) of every finding.
        let findings: Set<String>
        let output: String
        var rules: Set<String> { Set(findings.map { String($0.split(separator: " ")[1]) }) }
    }

    /// Runs `program` with a deadline; a verifier that hangs is killed and fails the test. The deadline is generous
    /// (a debug build on a loaded 2-core machine takes up to ~20 s on the whole sample): what it catches is a verifier
    /// that never ends, as one reading /dev/zero did; promptness is measured by the release build, in the notes.
    static func run(_ executable: String, _ arguments: [String], timeout: Double = 60) throws -> Verdict {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = Repository.url(".")
        // The output goes to a file: a verifier that hangs must not also block on a full pipe.
        let outputPath = FileManager.default.temporaryDirectory.appendingPathComponent("assay-hostile-\(UUID().uuidString)").path
        FileManager.default.createFile(atPath: outputPath, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: outputPath) }
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        process.standardError = FileHandle.nullDevice
        let start = Date()
        try process.run()
        while process.isRunning && Date().timeIntervalSince(start) < timeout { usleep(10_000) }
        let hung = process.isRunning
        if hung { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        let data = try Data(contentsOf: URL(fileURLWithPath: outputPath))
        let seconds = Date().timeIntervalSince(start)
        #expect(!hung, "\(executable) \(arguments) did not finish within \(timeout) s")
        let text = String(decoding: data, as: UTF8.self)
        var findings: Set<String> = []
        if let report = try? JSONParser(limits: .init(maxDepth: 64, maxBytes: 64 << 20)).parse(Array(data)) {
            for finding in report["findings"]?.arrayValue ?? [] {
                findings.insert("\(finding["severity"]?.stringValue ?? "") \(finding["rule"]?.stringValue ?? "") \(finding["path"]?.stringValue ?? "")")
            }
        }
        return Verdict(status: process.terminationStatus, seconds: seconds, findings: findings, output: text)
    }

    /// Both verifiers on `dataset`: each fails (exit 1, not a crash) with `rule` among its findings, and they
    /// report the same (severity, rule, path) set.
    @discardableResult
    static func bothRefuse(_ dataset: String, rule: String, path: String? = nil, extra: [String] = [],
                           withoutDACOverride: Bool = false) throws -> (Verdict, Verdict) {
        // Root reads every directory whatever its mode: to see what an auditor without that power sees, the
        // verifiers then run without the two capabilities that bypass file permissions (setpriv, util-linux).
        func command(_ executable: String, _ arguments: [String]) -> (String, [String]) {
            guard withoutDACOverride, getuid() == 0 else { return (executable, arguments) }
            return ("/usr/bin/setpriv", ["--bounding-set=-dac_override,-dac_read_search", "--", executable] + arguments)
        }
        let (swiftProgram, swiftArguments) = command(Command.assayPath, ["verify", dataset, "--json"] + extra)
        let (pythonProgram, pythonArguments) = command("/usr/bin/env", ["python3", "verify/assay_verify.py", dataset, "--json"] + extra)
        let swift = try run(swiftProgram, swiftArguments)
        let python = try run(pythonProgram, pythonArguments)
        #expect(swift.status == 1, "assay verify exits 1 (not a crash): \(swift.status)\n\(swift.output.prefix(2000))")
        #expect(python.status == 1, "the Python verifier exits 1: \(python.status)\n\(python.output.prefix(2000))")
        #expect(swift.rules.contains(rule), "assay verify reports \(rule): \(swift.findings)")
        if let path { #expect(swift.findings.contains("error \(rule) \(path)"), "\(rule) names \(path): \(swift.findings)") }
        #expect(swift.findings == python.findings, "the verifiers agree:\nSwift only \(swift.findings.subtracting(python.findings))\nPython only \(python.findings.subtracting(swift.findings))")
        return (swift, python)
    }

    @Test("endless data: records.jsonl as a link to /dev/zero, a FIFO, or a directory is refused at once, naming the path",
          arguments: ["/dev/zero link", "fifo", "directory", "link to a regular file"])
    func endlessData(kind: String) throws {
        let directory = try TemporaryDirectory()
        let dataset = try Self.copy(in: directory)
        let member = "\(Self.lastBundle)/records.jsonl"
        let path = "\(dataset)/\(member)"
        try FileManager.default.removeItem(atPath: path)
        switch kind {
        case "/dev/zero link": try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: "/dev/zero")
        case "fifo": #expect(mkfifo(path, 0o644) == 0)
        case "directory": try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        default:
            try FileManager.default.copyItem(atPath: "\(Self.sample)/\(member)", toPath: directory.file("elsewhere.jsonl"))
            try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: directory.file("elsewhere.jsonl"))
        }
        let (swift, python) = try Self.bothRefuse(dataset, rule: "file-type", path: member)
        print("hostile \(kind): assay verify \(String(format: "%.2f", swift.seconds)) s, Python \(String(format: "%.2f", python.seconds)) s")
    }

    @Test("a manifest whose rejected.by_code sums past 2^63 − 1 is a manifest error in both verifiers, not a crash")
    func overflowingManifest() throws {
        let directory = try TemporaryDirectory()
        let dataset = try Self.copy(in: directory)
        let path = "\(dataset)/\(Self.lastBundle)/manifest.json"
        var manifest = try JSONParser().parse(try Files.read(path))
        let codes = (0..<1100).map { JSONValue.Member("code-\(String(1000 + $0))", .integer(9_007_199_254_740_991)) }
        guard case .object(var members) = manifest else { Issue.record("manifest is not an object"); return }
        members = members.map { $0.key == "rejected"
            ? .init("rejected", .object([.init("by_code", .object(codes)), .init("total", .integer(9_007_199_254_740_991))])) : $0 }
        manifest = .object(members)
        try Files.writeAtomically(path, contents: try CanonicalJSON.encode(manifest) + [0x0A])
        try Self.bothRefuse(dataset, rule: "manifest", path: "\(Self.lastBundle)/manifest.json")
    }

    @Test("a bundle dated after today is a future error, fresh or not")
    func futureHead() throws {
        let directory = try TemporaryDirectory()
        let dataset = try Self.copy(in: directory)
        try FileManager.default.createDirectory(atPath: "\(dataset)/bundles/gw-a/2030/01", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: "\(dataset)/\(Self.lastBundle)", toPath: "\(dataset)/bundles/gw-a/2030/01/01")
        try Self.bothRefuse(dataset, rule: "future", path: "bundles/gw-a/2030/01/01", extra: ["--max-age", "100000"])
    }

    @Test("a garbage file under a published scores' signatures/ is a signature error, as beside a manifest")
    func garbageScoresSignature() throws {
        let directory = try TemporaryDirectory()
        let dataset = try Self.copy(in: directory)
        let relative = "scores/gw-a/2026/01/08/signatures/mallory.sig"
        try Files.writeAtomically("\(dataset)/\(relative)", contents: Array("-----BEGIN SSH SIGNATURE-----\ngarbage\n-----END SSH SIGNATURE-----\n".utf8))
        try Self.bothRefuse(dataset, rule: "signature", path: relative)
    }

    @Test("allowed_signers with an option twice, or an unquoted value, is refused by both verifiers as ssh-keygen refuses it",
          arguments: [("namespaces=\"assay-manifest-v1\",namespaces=\"git\"", "twice"), ("namespaces=git", "unquoted")])
    func allowedSignersAsOpenSSH(options: String, what: String) throws {
        let directory = try TemporaryDirectory()
        let dataset = try Self.copy(in: directory)
        let path = "\(dataset)/policy/0001/allowed_signers"
        let text = String(decoding: try Files.read(path), as: UTF8.self)
        let edited = text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            guard line.hasPrefix("gw-c "), let range = line.range(of: #"namespaces="[^"]*""#, options: .regularExpression) else { return String(line) }
            return line.replacingCharacters(in: range, with: options)
        }.joined(separator: "\n")
        #expect(edited != text)
        try Files.writeAtomically(path, contents: Array(edited.utf8))
        try Self.bothRefuse(dataset, rule: "allowed-signers", path: "policy/0001/allowed_signers")
    }

    @Test("a directory that exists but cannot be read is an unreadable error, never an empty one")
    func unreadableDirectory() throws {
        let directory = try TemporaryDirectory()
        let dataset = try Self.copy(in: directory)
        let path = "\(dataset)/bundles/gw-c"
        #expect(chmod(path, 0) == 0)
        defer { chmod(path, 0o755) }
        try Self.bothRefuse(dataset, rule: "unreadable", path: "bundles/gw-c", withoutDACOverride: true)
    }

    @Test("every try? left in the trusted core says why it cannot hide a failure")
    func noSilentTryInCore() throws {
        var unexplained: [String] = []
        for module in ["AssayCore", "AssayCrypto", "AssayLedger", "AssayScore"] {
            let root = Repository.url("Sources/\(module)").path
            for file in FileTree.regularFiles(under: root) where file.hasSuffix(".swift") {
                let lines = String(decoding: try Files.read("\(root)/\(file)"), as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
                for (index, line) in lines.enumerated() where line.range(of: #"\btry\?"#, options: .regularExpression) != nil {
                    // A comment on the line, or in the three lines before it.
                    let explained = line.contains("//") || lines[max(0, index - 3)..<index].contains { $0.trimmingCharacters(in: .whitespaces).hasPrefix("//") }
                    if !explained { unexplained.append("\(module)/\(file):\(index + 1): \(line.trimmingCharacters(in: .whitespaces))") }
                }
            }
        }
        #expect(unexplained.isEmpty, "try? without a comment saying why: \(unexplained.joined(separator: "\n"))")
    }
}
