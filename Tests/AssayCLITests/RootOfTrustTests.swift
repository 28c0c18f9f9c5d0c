import AssayCore
import AssayCrypto
import AssayDemo
import AssayGit
import AssayWorkflows
import AssayLedger
import AssayScore
import AssayTestSupport
import Foundation
import Testing

/// The root of trust (issue: pin what you verify). Each attack of the issue is
/// made on a copy of datasets/sample (or the policy vectors) by someone with
/// write access who holds the sample's published keys, and each fails with its
/// own rule — pinned by `--trust` (the genesis hash README prints), by the
/// `--state` of a clean run, or by the files alone where no pin is needed — in
/// `assay verify` and in the independent verifier alike.
@Suite("root of trust: genesis, pinning, state, complete scores, additive history", .serialized)
struct RootOfTrustTests {
    typealias Verdict = HostileDatasetTests.Verdict
    static let sample = HostileDatasetTests.sample
    static let operators = ["gw-a", "gw-b", "gw-c"]

    /// The genesis hash README.md prints for datasets/sample.
    static func readmeGenesis() throws -> String {
        let readme = String(decoding: try Repository.bytes("README.md"), as: UTF8.self)
        let range = try #require(readme.range(of: #"datasets/sample --trust [0-9a-f]{64}"#, options: .regularExpression))
        return String(readme[range].suffix(64))
    }

    static func key(_ name: String) throws -> Ed25519PrivateKey { try DemoKeys.key(seed: 1, operator: name) }

    /// Both verifiers on `dataset` with `extra` options (`--state` is given to each as a copy, so neither
    /// writes the other's); Swift's exit status and findings, and Python's.
    static func both(_ dataset: String, _ extra: [String] = []) throws -> (swift: Verdict, python: Verdict) {
        var swiftArguments = extra, pythonArguments = extra
        if let index = extra.firstIndex(of: "--state") {
            let original = extra[index + 1]
            for (suffix, update) in [(".swift", { (path: String) in swiftArguments[index + 1] = path }), (".python", { pythonArguments[index + 1] = $0 })] {
                if FileManager.default.fileExists(atPath: original + suffix) { try FileManager.default.removeItem(atPath: original + suffix) }
                try FileManager.default.copyItem(atPath: original, toPath: original + suffix)
                update(original + suffix)
            }
        }
        let swift = try HostileDatasetTests.run(Command.assayPath, ["verify", dataset, "--json"] + swiftArguments, timeout: 60)
        let python = try HostileDatasetTests.run("/usr/bin/env", ["python3", "verify/assay_verify.py", dataset, "--json"] + pythonArguments, timeout: 60)
        return (swift, python)
    }

    /// Both verifiers fail (exit 1) with `rule`, and report the same findings.
    static func bothFail(_ dataset: String, _ extra: [String], rule: String, _ comment: Comment) throws {
        let (swift, python) = try both(dataset, extra)
        #expect(swift.status == 1 && swift.rules.contains(rule), "\(comment): assay verify \(extra): \(swift.findings)")
        #expect(python.status == 1 && python.rules.contains(rule), "\(comment): Python \(extra): \(python.findings)")
        #expect(swift.findings == python.findings, "\(comment): Swift only \(swift.findings.subtracting(python.findings)), Python only \(python.findings.subtracting(swift.findings))")
    }

    /// A clean run's state file for `dataset`.
    static func cleanState(_ dataset: String, in directory: TemporaryDirectory) throws -> String {
        let state = directory.file("clean.state")
        let run = try Command.assay(["verify", dataset, "--state", state])
        try #require(run.status == 0, "\(run.stdout)")
        return state
    }

    static func copy(_ source: String, in directory: TemporaryDirectory, as name: String = "dataset") throws -> String {
        let target = directory.file(name)
        try FileManager.default.copyItem(atPath: source, toPath: target)
        return target
    }

    /// Writes the genesis of `dataset` again with `threshold` and `signers`, approved by `approvers` (an insider's
    /// rewrite: the sample's keys are published).
    static func reissueGenesis(_ dataset: String, threshold: Int, signers: [UInt8], approvers: [(String, Ed25519PrivateKey)]) throws {
        let genesis = PolicyDocument(genesisOf: "assay-demo", descriptor: try Files.read("\(dataset)/dataset.json"),
                                     issued: UTCTime.parseSeconds("2026-01-01T00:00:00Z")!, threshold: threshold, allowedSigners: signers,
                                     summary: "genesis of assay-demo")
        let path = "\(dataset)/policy/0001"
        try FileManager.default.removeItem(atPath: path)
        try FileManager.default.createDirectory(atPath: "\(path)/signatures", withIntermediateDirectories: true)
        try Files.writeAtomically("\(path)/policy.json", contents: genesis.bytes())
        try Files.writeAtomically("\(path)/allowed_signers", contents: signers)
        for (name, key) in approvers {
            try Files.writeAtomically("\(path)/signatures/\(name).sig", contents: Array(
                try SSHSignature.sign(genesis.bytes(), namespace: DatasetDirectory.policyNamespace, with: key).armored.utf8))
        }
        try rebuildLog(dataset, signers: approvers)
    }

    /// The log of `dataset` written again from its documents (spec/log.md §7), signed by every one of `signers`:
    /// what insiders holding those keys do after rewriting signed documents.
    static func rebuildLog(_ dataset: String, signers: [(String, Ed25519PrivateKey)]) throws {
        let directory = DatasetDirectory(dataset)
        try? FileManager.default.removeItem(atPath: "\(dataset)/\(DatasetLog.directoryName)")
        let id = try directory.descriptor().id
        _ = try DatasetLog.append(directory, paths: try DatasetLog.documents(directory), datasetID: id, signer: signers[0].0, key: signers[0].1)
        for (name, key) in signers.dropFirst() { _ = try DatasetLog.cosign(directory, datasetID: id, signer: name, key: key) }
        // The sample's witness key is published too (derived from the demo's seed), so insiders can cosign as well.
        if Files.kind("\(dataset)/policy/0001/\(DatasetDirectory.witnessesName)") == .regular {
            let size = try DatasetLog.sizes(dataset).last!
            let text = try Files.read("\(dataset)/\(DatasetLog.directoryName)/\(DatasetLog.checkpointsName)/\(size)/checkpoint")
            let witness = try NoteSigner(name: "witness.assay-demo.invalid/w1", type: NoteKeys.cosignatureV1,
                                         privateKey: try DemoKeys.key(seed: 1, operator: "witness"))
            _ = try DatasetLog.addCosignature(directory, size: size, witness: "w1",
                                              line: Array((try witness.sign(text, timestamp: 1_767_225_600).line + "\n").utf8))
        }
    }

    /// What publishers and co-signers do to the log after new documents: append them, sign the newest checkpoint.
    static func appendLog(_ dataset: String) throws {
        let directory = DatasetDirectory(dataset)
        let id = try directory.descriptor().id
        _ = try DatasetLog.append(directory, paths: try DatasetLog.documents(directory), datasetID: id, signer: "gw-a", key: try key("gw-a"))
        for name in operators { _ = try DatasetLog.cosign(directory, datasetID: id, signer: name, key: try key(name)) }
    }

    static func signersText(_ keys: [(String, Ed25519PrivateKey)]) -> [UInt8] {
        Array(keys.map { "\($0.0) namespaces=\"\(TrustPolicy.assayNamespaces.joined(separator: ","))\" \(OpenSSHPublicKey($0.1.publicKey).line)\n" }.joined().utf8)
    }

    /// Every signature file of every bundle and scores directory, made again by `keys` (same principal names).
    static func resignEverything(_ dataset: String, keys: [String: Ed25519PrivateKey]) throws {
        let directory = DatasetDirectory(dataset)
        for collector in try directory.collectors() {
            for day in try directory.days(of: collector) {
                let base = directory.bundlePath(collector: collector, day: day)
                let manifest = try Files.read("\(base)/manifest.json")
                for (name, key) in keys {
                    try Files.writeAtomically("\(base)/signatures/\(name).sig", contents: Array(
                        try SSHSignature.sign(manifest, namespace: DatasetDirectory.manifestNamespace, with: key).armored.utf8))
                }
            }
        }
        for (collector, day) in try directory.scoreDays() {
            let base = "\(dataset)/\(DatasetDirectory.scoresRelativePath(collector: collector, day: day))"
            let document = try Files.read("\(base)/scores.json")
            for file in try FileManager.default.contentsOfDirectory(atPath: "\(base)/signatures") {
                let name = String(file.dropLast(4))
                try Files.writeAtomically("\(base)/signatures/\(file)", contents: Array(
                    try SSHSignature.sign(document, namespace: DatasetDirectory.scoresNamespace, with: keys[name]!).armored.utf8))
            }
        }
    }

    @Test("README's genesis hash pins datasets/sample: both verifiers pass with --trust, a state from that run passes after the dataset grows by a day")
    func pinnedSample() throws {
        let genesis = try Self.readmeGenesis()
        #expect(MessageDigest.sha256(try Files.read("\(Self.sample)/policy/0001/policy.json")).hex == genesis)
        let directory = try TemporaryDirectory()
        let (swift, python) = try Self.both(Self.sample, ["--trust", genesis])
        #expect(swift.status == 0 && python.status == 0, "\(swift.findings) \(python.findings)")
        let report = try JSONParser().parse(Array(swift.output.utf8))
        #expect(report["genesis"]?["sha256"] == .string(genesis) && report["genesis"]?["pinned_by"] == "trust")
        // Trusted on first use, and said so.
        let unpinned = try Command.assay(["verify", Self.sample])
        #expect(unpinned.stdout.contains("genesis: \(genesis) (NOT pinned: trusted on first use; pin it with --trust \(genesis))"), "\(unpinned.stdout)")
        // A trust file pins it too; one naming another hash fails.
        try directory.write("trusted", "# datasets I audit\nassay-demo \(genesis)\nother-dataset \(String(repeating: "0", count: 64))\n")
        #expect(try Command.assay(["verify", Self.sample, "--trust", directory.file("trusted")]).status == 0)
        try directory.write("wrong", "assay-demo \(String(repeating: "1", count: 64))\n")
        try Self.bothFail(Self.sample, ["--trust", directory.file("wrong")], rule: "genesis", "a trust file naming another genesis")

        // The state of a pinned run, then the dataset grows by one (empty) day: sealed by each collector with
        // the demo's keys, co-signed by the others, its scores published.
        let state = directory.file("sample.state")
        #expect(try Command.assay(["verify", Self.sample, "--trust", genesis, "--state", state]).status == 0)
        let recorded = try VerifyState(bytes: try Files.read(state))
        #expect(recorded.genesis == genesis && recorded.policyVersion == 1 && recorded.heads.count == 3)
        let grown = try Self.copy(Self.sample, in: directory, as: "grown")
        let dataset = DatasetDirectory(grown)
        let day = UTCDay("2026-01-09")!
        for collector in Self.operators {
            let bundle = try dataset.seal(collector: collector, day: day, inputs: [], key: try Self.key(collector), signer: collector) { _ in }
            for other in Self.operators where other != collector {
                try dataset.addSignature(try SSHSignature.sign(bundle.manifestBytes, namespace: DatasetDirectory.manifestNamespace, with: try Self.key(other)),
                                         signer: other, collector: collector, day: day)
            }
        }
        for collector in Self.operators {
            try #require(try PublishedScores.write(dataset, collector: collector, day: day, key: try Self.key(collector), signer: collector) != nil)
        }
        try Self.appendLog(grown)
        let after = try Self.both(grown, ["--state", state, "--trust", genesis, "--today", "2026-01-10"])
        #expect(after.swift.status == 0 && after.python.status == 0, "\(after.swift.findings) \(after.python.findings)")
    }

    @Test("1. a lowered threshold: dataset.json edited, or the genesis re-issued with threshold 1 by insiders — refused")
    func loweredThreshold() throws {
        let directory = try TemporaryDirectory()
        let state = try Self.cleanState(Self.sample, in: directory)
        let genesis = try Self.readmeGenesis()
        // (a) The old attack: a threshold in dataset.json. The descriptor is signed through the genesis.
        let edited = try Self.copy(Self.sample, in: directory, as: "edited")
        let text = String(decoding: try Files.read("\(edited)/dataset.json"), as: UTF8.self)
        try Files.writeAtomically("\(edited)/dataset.json", contents: Array(text.replacingOccurrences(of: "\"simulated\": true", with: "\"simulated\": true,\n  \"threshold\": 1").utf8))
        for pin in [[String](), ["--trust", genesis], ["--state", state]] {
            try Self.bothFail(edited, pin, rule: "descriptor", "threshold added to dataset.json, pin \(pin)")
        }
        // (b) The genesis re-issued with threshold 1 and approved again by the published keys; gw-a alone then seals.
        let reissued = try Self.copy(Self.sample, in: directory, as: "reissued")
        let keys = try Self.operators.map { ($0, try Self.key($0)) }
        try Self.reissueGenesis(reissued, threshold: 1, signers: try Files.read("\(reissued)/policy/0001/allowed_signers"), approvers: keys)
        for other in ["gw-b", "gw-c"] { try FileManager.default.removeItem(atPath: "\(reissued)/bundles/gw-a/2026/01/08/signatures/\(other).sig") }
        for pin in [["--trust", genesis], ["--state", state]] {
            try Self.bothFail(reissued, pin, rule: "genesis", "genesis re-issued with threshold 1, pin \(pin)")
        }
        // Without a pin there is nothing to compare with: the run passes, and says it trusted on first use.
        let unpinned = try Self.both(reissued)
        #expect(unpinned.swift.status == 0 && unpinned.python.status == 0)
        #expect(try JSONParser().parse(Array(unpinned.swift.output.utf8))["genesis"]?["pinned_by"] == .null)
        // --policy with an allowed_signers file and no threshold is refused.
        let policyFile = try Command.assay(["verify", Self.sample, "--policy", "\(Self.sample)/policy/0001/allowed_signers"])
        #expect(policyFile.status != 0 && policyFile.stderr.contains("--threshold"), "\(policyFile.stderr)")
    }

    @Test("2. a rolled-back policy: newer versions removed, or a version rewritten — policy-rollback against the state")
    func rolledBackPolicy() throws {
        let directory = try TemporaryDirectory()
        let vectors = Repository.url("spec/vectors/policy/dataset").path
        let state = try Self.cleanState(vectors, in: directory)
        #expect(try VerifyState(bytes: try Files.read(state)).policyVersion == 3)
        let removed = try Self.copy(vectors, in: directory, as: "removed")
        for version in ["0003", "0004"] { try FileManager.default.removeItem(atPath: "\(removed)/policy/\(version)") }
        // gw-c's revocation went with version 3: its signature on 2026-03-04 would count again.
        try Self.bothFail(removed, ["--state", state], rule: "policy-rollback", "versions 3 and 4 removed")
        // A version's approval replaced with a garbage file: a signature error whatever the state.
        let garbage = try Self.copy(vectors, in: directory, as: "garbage")
        try Files.writeAtomically("\(garbage)/policy/0003/signatures/gw-b.sig", contents: Array("not a signature\n".utf8))
        try Self.bothFail(garbage, [], rule: "signature", "an approval replaced with garbage")
    }

    @Test("3. a replaced root: the attackers' allowed_signers, every manifest and scores file re-signed — genesis against the pin and the state")
    func replacedRoot() throws {
        let directory = try TemporaryDirectory()
        let state = try Self.cleanState(Self.sample, in: directory)
        let replaced = try Self.copy(Self.sample, in: directory, as: "replaced")
        var attackers: [String: Ed25519PrivateKey] = [:]
        for name in Self.operators { attackers[name] = try Ed25519PrivateKey(seed: MessageDigest.sha256(Array("mallory \(name)".utf8)).bytes) }
        let pairs = Self.operators.map { ($0, attackers[$0]!) }
        try Self.reissueGenesis(replaced, threshold: 2, signers: Self.signersText(pairs), approvers: pairs)
        try Self.resignEverything(replaced, keys: attackers)
        for pin in [["--trust", try Self.readmeGenesis()], ["--state", state]] {
            try Self.bothFail(replaced, pin, rule: "genesis", "a replaced root, pin \(pin)")
        }
    }

    @Test("4. cherry-picked scores: 3 of the 22 bundles of the window named, re-signed by one key — scores-incomplete")
    func cherryPickedScores() throws {
        let directory = try TemporaryDirectory()
        let picked = try Self.copy(Self.sample, in: directory, as: "picked")
        let path = "\(picked)/scores/gw-a/2026/01/08"
        let original = try JSONParser().parse(try Files.read("\(path)/scores.json"))
        let publication = try PublicationInputs(document: original)
        let named = (original["inputs"]?["bundles"]?.arrayValue ?? []).count
        #expect(named == 22, "gw-a scored 2026-01-08 over the 22 bundles of its window and benchmark days that were sealed then")
        // The attacker scores 3 of them — every byte consistent with those 3 — and signs with one key.
        let scorer = Scorer(profile: ScoringProfile.naapSLAv1(), lastDay: UTCDay("2026-01-08")!, days: 1)
        try BundleSet.feed(scorer, from: DatasetDirectory(picked), bundles: ["2026-01-06", "2026-01-07", "2026-01-08"].map { ("gw-a", UTCDay($0)!) })
        let forged = scorer.output(verified: true, publication: publication)
        try Files.writeAtomically("\(path)/scores.json", contents: forged)
        try Files.writeAtomically("\(path)/signatures/gw-a.sig", contents: Array(
            try SSHSignature.sign(forged, namespace: DatasetDirectory.scoresNamespace, with: try Self.key("gw-a")).armored.utf8))
        try Self.rebuildLog(picked, signers: try Self.operators.map { ($0, try Self.key($0)) })
        let state = try Self.cleanState(Self.sample, in: directory)
        for pin in [[String](), ["--state", state]] {
            try Self.bothFail(picked, pin, rule: "scores-incomplete", "3 of 24 bundles, pin \(pin)")
            let (swift, _) = try Self.both(picked, pin)
            #expect(!swift.rules.contains("scores-mismatch"), "the forged scores are consistent with the bundles they name")
        }
    }

    @Test("6. a flipped simulated flag is a descriptor error: the descriptor is signed through the genesis")
    func flippedSimulated() throws {
        let directory = try TemporaryDirectory()
        let state = try Self.cleanState(Self.sample, in: directory)
        let flipped = try Self.copy(Self.sample, in: directory, as: "flipped")
        let text = String(decoding: try Files.read("\(flipped)/dataset.json"), as: UTF8.self)
        try Files.writeAtomically("\(flipped)/dataset.json", contents: Array(text.replacingOccurrences(of: "\"simulated\": true", with: "\"simulated\": false").utf8))
        for pin in [[String](), ["--state", state], ["--trust", try Self.readmeGenesis()]] {
            try Self.bothFail(flipped, pin, rule: "descriptor", "simulated flipped, pin \(pin)")
        }
    }

    // MARK: history (--git)

    /// `source` (datasets/sample by default) as a git repository: one SSH-signed commit by gw-a with every
    /// file except those under `held`, then one per directory of `held`, in order. Returns the work tree.
    static func repository(from source: String = sample, in directory: TemporaryDirectory, holding held: [String] = []) throws -> String {
        let work = try Self.copy(source, in: directory, as: "repository")
        let repository = try GitRepository.create(work, bare: false)
        let key = try Self.key("gw-a")
        let sign: ([UInt8]) throws -> String = { try SSHSignature.sign($0, namespace: "git", with: key).armored }
        let all = FileTree.regularFiles(under: work).filter { !$0.hasPrefix(".git/") }
        let first = all.filter { path in !held.contains { path.hasPrefix($0 + "/") || path == $0 } }
        var time = UTCTime.parseSeconds("2026-01-09T01:00:00Z")!
        _ = try repository.commitSigned(adding: first, message: "Create the sample\n", author: GitIdentity(name: "gw-a", email: "gw-a@assay.invalid", time: time),
                                        sign: sign)
        for prefix in held {
            time += 60
            _ = try repository.commitSigned(adding: all.filter { $0.hasPrefix(prefix + "/") }, message: "Add \(prefix)\n",
                                            author: GitIdentity(name: "gw-a", email: "gw-a@assay.invalid", time: time), sign: sign)
        }
        return work
    }

    @Test("5. history deleted in git: a signed commit deleting gw-c's last three bundles and their scores is a history error; so are edits and untracked files in the work tree",
          .enabled(if: Command.available("git") && Command.available("ssh-keygen"), "needs git and ssh-keygen"))
    func deletedHistory() throws {
        // A real history: a short demo's public repository, cloned.
        let directory = try TemporaryDirectory()
        let demo = try Command.assay(["demo", "--out", directory.file("demo"), "--days", "4", "--peak-jobs-per-hour", "2", "--port-base", "29400"])
        try #require(demo.status == 0, "\(demo.stdout)\n\(demo.stderr)")
        let work = directory.file("demo/clone")
        let pristine = directory.file("pristine")
        try FileManager.default.copyItem(atPath: work, toPath: pristine)
        let genesis = MessageDigest.sha256(try Files.read("\(work)/policy/0001/policy.json")).hex
        let clean = try Command.assay(["verify", work, "--git", "--trust", genesis])
        #expect(clean.status == 0, "\(clean.stdout)")
        // The deletion, made with stock git and an SSH signature by a key the policy allows.
        try KeyFiles.writeKeyPair(OpenSSHPrivateKey(try Self.key("gw-a"), comment: "gw-a"), to: directory.file("gw-a"))
        let paths = ["02", "03", "04"].flatMap { ["bundles/gw-c/2026/01/\($0)", "scores/gw-c/2026/01/\($0)"] }
        let git = { (arguments: [String]) throws -> CommandResult in
            try Command.system("git", ["-C", work, "-c", "user.name=gw-a", "-c", "user.email=gw-a@assay.invalid", "-c", "gpg.format=ssh",
                                       "-c", "user.signingkey=\(directory.file("gw-a"))"] + arguments)
        }
        #expect(try git(["rm", "-r", "--quiet"] + paths).status == 0)
        let committed = try git(["commit", "--quiet", "-S", "-m", "Remove gw-c's last days"])
        try #require(committed.status == 0, "\(committed.stderr)")
        let deleted = try Command.assay(["verify", work, "--git", "--trust", genesis])
        #expect(deleted.status == 1)
        #expect(deleted.stdout.contains("bundles/gw-c/2026/01/04/manifest.json: commit ") && deleted.stdout.contains("deletes it: a published file never changes or disappears [history]"),
                "\(deleted.stdout)")
        #expect(!deleted.stdout.contains("[commit-signature]"), "the deleting commit is properly signed: only history catches it")
        try Self.bothFail(work, ["--git", "--trust", genesis], rule: "history", "a signed deletion, both verifiers with --git")
        let cleanBoth = try Self.both(pristine, ["--git", "--trust", genesis])
        #expect(cleanBoth.swift.status == 0 && cleanBoth.python.status == 0, "\(cleanBoth.swift.findings) \(cleanBoth.python.findings)")

        // The work tree: an edit and an untracked file are worktree errors.
        try Files.writeAtomically("\(pristine)/README.md", contents: Array("edited\n".utf8))
        try Files.writeAtomically("\(pristine)/LICENSE", contents: Array("not committed\n".utf8))
        let dirty = try Command.assay(["verify", pristine, "--git", "--trust", genesis])
        #expect(dirty.status == 1)
        #expect(dirty.stdout.contains("README.md: differs from HEAD") && dirty.stdout.contains("LICENSE: is in the work tree but not committed"), "\(dirty.stdout)")
        try Self.bothFail(pristine, ["--git", "--trust", genesis], rule: "worktree", "an edit and an untracked file, both verifiers with --git")
    }

    @Test("4b. scores that declare stale heads (one collector of three) pass the files alone, and fail --git against the tree they were committed onto",
          .enabled(if: Command.available("git"), "needs git"))
    func staleHeadsInHistory() throws {
        let directory = try TemporaryDirectory()
        let scores = "scores/gw-a/2026/01/08"
        let forgedWork = try Self.copy(Self.sample, in: directory, as: "forged")
        let path = "\(forgedWork)/\(scores)"
        let dataset = DatasetDirectory(forgedWork)
        let lastDay = UTCDay("2026-01-08")!
        // gw-a's scores over its own 8 bundles only, declaring gw-a's head alone: consistent and "complete" on their face.
        let scorer = Scorer(profile: ScoringProfile.naapSLAv1(), lastDay: lastDay, days: 1)
        let gwA = try dataset.days(of: "gw-a").filter { scorer.daysNeeded.contains($0) }
        try BundleSet.feed(scorer, from: dataset, bundles: gwA.map { ("gw-a", $0) })
        let head = PublicationInputs.Bundle(collector: "gw-a", day: lastDay, manifestSHA256: MessageDigest.sha256(try dataset.manifestBytes(collector: "gw-a", day: lastDay)).hex)
        let forged = scorer.output(verified: true, publication: PublicationInputs(heads: [head], excluded: []))
        try Files.writeAtomically("\(path)/scores.json", contents: forged)
        try Files.writeAtomically("\(path)/signatures/gw-a.sig", contents: Array(
            try SSHSignature.sign(forged, namespace: DatasetDirectory.scoresNamespace, with: try Self.key("gw-a")).armored.utf8))
        try Self.rebuildLog(forgedWork, signers: try Self.operators.map { ($0, try Self.key($0)) })
        try Self.rebuildLog(forgedWork, signers: try Self.operators.map { ($0, try Self.key($0)) })
        // The files alone cannot tell: completeness is relative to the declared heads (spec/scoring.md §10).
        let offline = try Self.both(forgedWork)
        #expect(offline.swift.status == 0 && offline.python.status == 0, "\(offline.swift.findings) \(offline.python.findings)")
        // Committed as a publisher commits scores (everything else first, the scores alone last): --git compares
        // the declared heads with the tree they were committed onto.
        let repositoryCopy = try Self.repository(from: forgedWork, in: directory, holding: [scores])
        let history = try Command.assay(["verify", repositoryCopy, "--git", "--trust", try Self.readmeGenesis()])
        #expect(history.status == 1)
        #expect(history.stdout.contains("declares nothing as the head of gw-b") && history.stdout.contains("[scores-incomplete]"), "\(history.stdout)")
        try Self.bothFail(repositoryCopy, ["--git", "--trust", try Self.readmeGenesis()], rule: "scores-incomplete", "stale heads, both verifiers with --git")
    }
}
