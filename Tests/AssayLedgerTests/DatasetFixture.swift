import AssayCore
import AssayCrypto
import AssayLedger
import AssayTestSupport
import Foundation

/// A small dataset built for a test: two collectors, several days, two
/// signers who both sign every bundle, threshold 2.
struct DatasetFixture {
    static let keyA = try! Ed25519PrivateKey(seed: MessageDigest.sha256(Array("fixture key a".utf8)).bytes)
    static let keyB = try! Ed25519PrivateKey(seed: MessageDigest.sha256(Array("fixture key b".utf8)).bytes)
    static let outsider = try! Ed25519PrivateKey(seed: MessageDigest.sha256(Array("fixture outsider".utf8)).bytes)
    static let firstDay = UTCDay("2026-01-09")!

    let temporary: TemporaryDirectory
    let directory: DatasetDirectory
    var root: String { directory.root }

    /// Builds `days` days for collectors gw-a and gw-b from synthetic records.
    init(days: Int = 3, threshold: Int = 2, allowedSigners: String? = nil) throws {
        temporary = try TemporaryDirectory()
        let signers = allowedSigners ?? """
            gw-a namespaces="assay-manifest-v1,assay-policy-v1,git" \(OpenSSHPublicKey(Self.keyA.publicKey).line)
            gw-b namespaces="assay-manifest-v1,assay-policy-v1,git" \(OpenSSHPublicKey(Self.keyB.publicKey).line)

            """
        // The genesis, approved by both signers (a threshold of its own).
        _ = try DatasetDirectory.create(
            at: temporary.file("dataset"),
            descriptor: DatasetDescriptor(id: "fixture", title: "Fixture", description: "test data", licence: "CC0-1.0", simulated: true),
            allowedSigners: signers, threshold: threshold, issued: Self.firstDay.startMs / 1000,
            approvals: [("gw-a", Self.keyA), ("gw-b", Self.keyB)])
        directory = DatasetDirectory(temporary.file("dataset"))
        for collector in ["gw-a", "gw-b"] {
            for offset in 0..<days {
                let day = UTCDay(number: Self.firstDay.number + offset)
                try seal(collector: collector, day: day, records: Self.records(collector: collector, day: day, count: 40))
            }
        }
    }

    /// Synthetic valid records of `day` as JSON lines.
    static func records(collector: String, day: UTCDay, count: Int) -> [String] {
        (0..<count).map { index in
            let start = day.startMs + Int64(index) * 60_000
            if index % 5 == 4 {
                return #"{"schema":1,"kind":"probe","id":"probe-\#(index)","observer_role":"collector","observer_id":"\#(collector)","target_url":"http://127.0.0.1:91\#(index % 3)","start_ms":\#(start),"outcome":"\#(index % 2 == 0 ? "ok" : "timeout")",\#(index % 2 == 0 ? "\"latency_ms\":12," : "")"records_received":\#(index)}"#
            }
            return #"{"schema":1,"kind":"batch_request","id":"req-\#(index)","observer_role":"gateway","observer_id":"\#(collector)","request_id":"req-\#(index)","pipeline":"text-to-image","model_id":"m","orchestrator":"0x\#(String(repeating: "ab", count: 20))","start_ms":\#(start),"end_ms":\#(start + 900),"success":\#(index % 7 != 0),"tries":1,"duration_ms":900}"#
        }
    }

    /// Seals and has both fixture keys sign.
    func seal(collector: String, day: UTCDay, records: [String], signWith keys: [(String, Ed25519PrivateKey)]? = nil) throws {
        try temporary.write("input.jsonl", records.joined(separator: "\n") + "\n")
        let signers = keys ?? [("gw-a", Self.keyA), ("gw-b", Self.keyB)]
        let bundle = try directory.seal(collector: collector, day: day, inputs: [temporary.file("input.jsonl")],
                                        key: signers[0].1, signer: signers[0].0) { _ in }
        for (name, key) in signers.dropFirst() {
            try directory.addSignature(
                try SSHSignature.sign(bundle.manifestBytes, namespace: DatasetDirectory.manifestNamespace, with: key),
                signer: name, collector: collector, day: day)
            // A co-signer signs the log's newest checkpoint too (spec/log.md §7.4).
            _ = try DatasetLog.cosign(directory, datasetID: "fixture", signer: name, key: key)
        }
    }

    /// Writes the log again from the dataset's documents, signed by both keys: what insiders do after changing a
    /// signed document, so that only the change itself is caught.
    func rebuildLog() throws {
        try FileManager.default.removeItem(atPath: "\(root)/\(DatasetLog.directoryName)")
        _ = try DatasetLog.append(directory, paths: try DatasetLog.documents(directory), datasetID: "fixture", signer: "gw-a", key: Self.keyA)
        _ = try DatasetLog.cosign(directory, datasetID: "fixture", signer: "gw-b", key: Self.keyB)
    }

    func bundle(_ collector: String, _ offset: Int) -> String {
        directory.bundlePath(collector: collector, day: UTCDay(number: Self.firstDay.number + offset))
    }

    func verify(_ options: DatasetVerifier.Options = DatasetVerifier.Options()) async -> VerificationReport {
        await DatasetVerifier(directory: directory, options: options).verify()
    }

    /// Rewrites a manifest field by text substitution and re-signs it with both keys, as an insider could.
    func resignManifest(_ bundle: String, transform: (String) -> String) throws {
        let path = "\(bundle)/manifest.json"
        let text = transform(String(decoding: try Files.read(path), as: UTF8.self))
        try Files.writeAtomically(path, contents: Array(text.utf8))
        for (name, key) in [("gw-a", Self.keyA), ("gw-b", Self.keyB)] {
            try Files.writeAtomically("\(bundle)/signatures/\(name).sig",
                                      contents: Array(try SSHSignature.sign(Array(text.utf8), namespace: DatasetDirectory.manifestNamespace, with: key).armored.utf8))
        }
        try rebuildLog()
    }

    static func lines(_ path: String) throws -> [String] {
        String(decoding: try Files.read(path), as: UTF8.self).split(separator: "\n").map(String.init)
    }

    static func writeLines(_ path: String, _ lines: [String]) throws {
        try Files.writeAtomically(path, contents: Array((lines.map { $0 + "\n" }.joined()).utf8))
    }
}

extension VerificationReport {
    /// The rules of the error findings.
    var errorRules: Set<String> { Set(findings.filter { $0.severity == .error }.map(\.rule.rawValue)) }
    var warningRules: Set<String> { Set(findings.filter { $0.severity == .warning }.map(\.rule.rawValue)) }
}
