import AssayCore
import AssayCrypto
import AssayLedger
import AssayTestSupport
import AssayWitness
import Foundation
import Testing

/// `assay witness serve` as a process: HTTP, its SQLite state across restarts, and kill -9 at every step of
/// add-checkpoint (spec/log.md §9).
@Suite("witness process: kill -9 at every step never yields two trees of one size")
struct WitnessProcessTests {
    static let origin = "assay/witness-test"

    /// A witness directory: its key, configuration and state; the log key it follows.
    struct Setup {
        let directory: TemporaryDirectory
        let logSigner: NoteSigner
        let witnessKey: NoteVerifierKey

        init() throws {
            directory = try TemporaryDirectory()
            logSigner = try NoteSigner(name: WitnessProcessTests.origin, privateKey: try Ed25519PrivateKey(seed: [UInt8](repeating: 11, count: 32)))
            let key = try Ed25519PrivateKey(seed: [UInt8](repeating: 12, count: 32))
            try KeyFiles.writeKeyPair(OpenSSHPrivateKey(key, comment: "witness"), to: directory.file("witness-key"))
            witnessKey = try NoteVerifierKey(name: "witness.test/w1", type: NoteKeys.cosignatureV1, publicKey: key.publicKey)
            try directory.write("witness.yaml", """
                witness:
                  name: witness.test/w1
                  key: witness-key
                  state: witness.sqlite
                  listen: 127.0.0.1:0
                logs:
                  - origin: \(WitnessProcessTests.origin)
                    keys: ["\(logSigner.verifierKey.vkey)"]
                    threshold: 1

                """)
        }

        func start(fault: WitnessFault? = nil) throws -> ServerProcess {
            try ServerProcess(Command.assayPath, ["witness", "serve", "--config", directory.file("witness.yaml")], waitFor: ["witness"],
                              environment: fault.map { ["ASSAY_WITNESS_FAULT": $0.rawValue] } ?? [:])
        }

        /// An add-checkpoint body for a tree of `leaves` from `old` (the proof computed from the same leaves).
        func request(old: Int, leaves: [[UInt8]]) throws -> [UInt8] {
            let hashes = leaves.map { Merkle.leafHash($0) }
            let text = try Checkpoint(origin: WitnessProcessTests.origin, size: UInt64(leaves.count), root: Merkle.root(leafHashes: hashes)).text
            let proof = old == 0 || old == leaves.count ? [] : Merkle.consistencyProof(oldSize: old, leafHashes: hashes)
            return Array("old \(old)\n".utf8) + proof.flatMap { Array((Base64.encode($0) + "\n").utf8) } + [0x0A] + (try logSigner.signNote(text)).bytes
        }

        /// The root a 200 answer cosigned (its cosignature verified), or nil for any other answer.
        func cosigned(_ response: HTTPResponse?, request: [UInt8]) throws -> [UInt8]? {
            guard let response, response.status == 200 else { return nil }
            let note = try SignedNote(parsing: try AddCheckpointRequest(body: request).note)
            let line = try SignedNote(parsing: note.text + [0x0A] + response.body).signatures[0]
            #expect(line.name == witnessKey.name && line.keyID == witnessKey.keyID && witnessKey.verify(line.signature, text: note.text))
            return try Checkpoint(text: note.text).root
        }
    }

    static func post(_ server: ServerProcess, _ body: [UInt8]) -> HTTPResponse? {
        try? HTTPClient.request(server.addresses["witness"]!, "POST", "/add-checkpoint", body: body)  // a killed witness answers nothing: nil
    }

    @Test("killed (SIGKILL) after checking, before COMMIT, after COMMIT and after cosigning tree A of size 2: after a restart, A or the rival B of size 2 is cosigned, never both",
          arguments: WitnessFault.allCases)
    func killedAtEveryStep(fault: WitnessFault) async throws {
        try await DedicatedThread.run { try Self.killedAt(fault) }
    }

    static func killedAt(_ fault: WitnessFault) throws {
        let setup = try Setup()
        let a = [Array("entry 0".utf8), Array("entry 1".utf8)], b = [Array("entry 0".utf8), Array("another entry 1".utf8)]
        let dying = try setup.start(fault: fault)
        let requestA = try setup.request(old: 0, leaves: a)
        let first = post(dying, requestA)
        #expect(first == nil, "the witness answered although it was to die at \(fault.rawValue)")
        dying.process.waitUntilExit()
        #expect(dying.process.terminationReason == .uncaughtSignal && dying.process.terminationStatus == SIGKILL)

        let witness = try setup.start()
        var cosignedRoots: Set<[UInt8]> = []
        for request in [try setup.request(old: 0, leaves: b), requestA, try setup.request(old: 2, leaves: a), try setup.request(old: 2, leaves: b)] {
            if let root = try setup.cosigned(post(witness, request), request: request) { cosignedRoots.insert(root) }
        }
        #expect(cosignedRoots.count == 1, "two trees of size 2 cosigned after a kill at \(fault.rawValue)")
        // Killed before its state was committed, the witness took B; after, it holds A.
        let committed = fault == .afterCommit || fault == .afterCosign
        #expect(cosignedRoots.first == Merkle.root(leafHashes: (committed ? a : b).map { Merkle.leafHash($0) }), "\(fault.rawValue)")
        // It serves what it holds, cosigned again.
        let hash = MessageDigest.sha256(Array(Self.origin.utf8)).hex
        let latest = try HTTPClient.request(witness.addresses["witness"]!, "GET", "/\(hash)/checkpoint")
        #expect(latest.status == 200 && String(decoding: latest.body, as: UTF8.self).contains("\u{2014} witness.test/w1 "))
        #expect(try HTTPClient.request(witness.addresses["witness"]!, "GET", "/\(String(repeating: "0", count: 64))/checkpoint").status == 404)
        _ = witness.stop()
    }

    @Test("assay witness vkey prints the cosigner vkey of the configured key; a configuration with a bad vkey or no log is refused with its line")
    func configuration() throws {
        let setup = try Setup()
        let printed = try Command.assay(["witness", "vkey", "--config", setup.directory.file("witness.yaml")])
        #expect(printed.status == 0 && printed.stdout == setup.witnessKey.vkey + "\n", "\(printed.stdout)")
        let text = String(decoding: try Files.read(setup.directory.file("witness.yaml")), as: UTF8.self)
        try setup.directory.write("bad.yaml", text.replacingOccurrences(of: setup.logSigner.verifierKey.vkey, with: "assay/witness-test+00000000+AAAA"))
        let bad = try Command.assay(["witness", "serve", "--config", setup.directory.file("bad.yaml")])
        #expect(bad.status != 0 && bad.stderr.contains("bad.yaml:8: logs[].keys:") && !bad.stderr.contains("needs at least"), "\(bad.stderr)")
        try setup.directory.write("none.yaml", String(text[..<text.range(of: "logs:")!.lowerBound]))
        let none = try Command.assay(["witness", "serve", "--config", setup.directory.file("none.yaml")])
        #expect(none.status != 0 && none.stderr.contains("logs lists no log to witness"), "\(none.stderr)")
    }

    @Test("a witness refuses a rewrite across restarts: tree A of size 3 cosigned, then a tree of size 3 or 4 that does not extend A is 422, A's extension 200")
    func refusesRewrite() async throws {
        try await DedicatedThread.run {
            let setup = try Setup()
            let a = (0..<3).map { Array("a\($0)".utf8) }
            var server = try setup.start()
            #expect(try setup.cosigned(Self.post(server, try setup.request(old: 0, leaves: a)), request: try setup.request(old: 0, leaves: a)) != nil)
            _ = server.stop()
            server = try setup.start()
            let rewritten = [a[0], Array("changed".utf8), a[2]]
            #expect(Self.post(server, try setup.request(old: 3, leaves: rewritten))?.status == 422)
            // A consistency proof made from the rewritten history does not verify from A's root.
            #expect(Self.post(server, try setup.request(old: 3, leaves: rewritten + [Array("a3".utf8)]))?.status == 422)
            let stale = Self.post(server, try setup.request(old: 0, leaves: a + [Array("a3".utf8)]))
            #expect(stale?.status == 409 && stale.map { String(decoding: $0.body, as: UTF8.self) } == "3\n"
                    && stale?.header("Content-Type") == "text/x.tlog.size")
            #expect(Self.post(server, try setup.request(old: 3, leaves: a + [Array("a3".utf8)]))?.status == 200)
            _ = server.stop()
        }
    }
}

/// The operators' side (spec/log.md §8): a dataset whose genesis names a witness gets its checkpoint cosigned by
/// `assay cosign --witness`, verifies with the quorum met, and another history at the same size is refused.
@Suite("witnessing a dataset with assay cosign --witness", .enabled(if: Command.available("git"), "git is not installed"))
struct DatasetWitnessingTests {
    @Test("assay dataset init --witnesses, assay cosign --witness: the checkpoint is cosigned and committed, both verifiers count the quorum; another genesis at size 1 is refused with 422")
    func cosignWithWitness() async throws {
        try await DedicatedThread.run {
            let directory = try TemporaryDirectory()
            for name in ["gw-a", "witness-key"] {
                #expect(try Command.assay(["keygen", "--output", directory.file(name)]).status == 0)
            }
            let witnessSecret = try KeyFiles.readPrivateKey(at: directory.file("witness-key")).key
            let witnessKey = try NoteVerifierKey(name: "witness.test/w1", type: NoteKeys.cosignatureV1, publicKey: witnessSecret.publicKey)
            let logKey = try NoteVerifierKey(name: "assay/wtest", type: NoteKeys.ed25519, publicKey: try KeyFiles.readPublicKey(at: directory.file("gw-a.pub")).key)
            try directory.write("witnesses", "# who must cosign\nwitness w1 \(witnessKey.vkey)\nquorum w1\n")
            try directory.write("witness.yaml", """
                witness:
                  name: witness.test/w1
                  key: witness-key
                  state: witness.sqlite
                logs:
                  - origin: assay/wtest
                    keys: ["\(logKey.vkey)"]

                """)
            let witness = try ServerProcess(Command.assayPath, ["witness", "serve", "--config", directory.file("witness.yaml"), "--listen", "127.0.0.1:0"],
                                            waitFor: ["witness"])
            let url = "http://\(witness.addresses["witness"]!)"
            func initialize(_ name: String, title: String) throws {
                let created = try Command.assay(["dataset", "init", directory.file(name), "--id", "wtest", "--title", title, "--threshold", "1",
                                                 "--signer", "gw-a=\(directory.file("gw-a.pub"))", "--key", directory.file("gw-a"),
                                                 "--witnesses", directory.file("witnesses"), "--issued", "2026-01-01"])
                #expect(created.status == 0, "\(created.stderr)")
            }
            try initialize("dataset", title: "Witnessed")
            let policy = String(decoding: try Files.read(directory.file("dataset/policy/0001/witnesses")), as: UTF8.self)
            #expect(policy == "log \(logKey.vkey)\n# who must cosign\nwitness w1 \(witnessKey.vkey)\nquorum w1\n", "\(policy)")
            // Not yet cosigned: no checkpoint meets the quorum.
            let before = try Command.assay(["verify", directory.file("dataset")])
            #expect(before.status == 1 && before.stdout.contains("witness-quorum"), "\(before.stdout)")
            let cosign = try Command.assay(["cosign", "--dataset", directory.file("dataset"), "--key", directory.file("gw-a"), "--signer", "gw-a",
                                            "--no-push", "--witness", "w1=\(url)"])
            #expect(cosign.status == 0 && cosign.stdout.contains("checkpoint 1 cosigned by w1"), "\(cosign.stdout)\(cosign.stderr)")
            #expect(Files.kind(directory.file("dataset/log/checkpoints/1/cosignatures/w1.sig")) == .regular)
            // Committed (with the genesis, which nobody had committed yet).
            let committed = try Command.system("git", ["-C", directory.file("dataset"), "show", "--name-only", "--format=", "HEAD"])
            #expect(committed.stdout.contains("log/checkpoints/1/cosignatures/w1.sig"), "\(committed.stdout)")
            let after = try Command.assay(["verify", directory.file("dataset"), "--git"])
            #expect(after.status == 0, "\(after.stdout)")
            let independent = try Command.system("python3", [Repository.url("verify/assay_verify.py").path, directory.file("dataset"), "--git"])
            #expect(independent.status == 0, "\(independent.stdout)")
            // Another history at the same size, signed by the same key: the witness refuses it.
            try initialize("rival", title: "Another history")
            let rival = try Command.assay(["cosign", "--dataset", directory.file("rival"), "--key", directory.file("gw-a"), "--signer", "gw-a",
                                           "--no-push", "--witness", "w1=\(url)"])
            #expect(rival.stdout.contains("witness w1 did not cosign: 422"), "\(rival.stdout)\(rival.stderr)")
            #expect(Files.kind(directory.file("rival/log/checkpoints/1/cosignatures/w1.sig")) == nil)
            _ = witness.stop()
        }
    }
}
