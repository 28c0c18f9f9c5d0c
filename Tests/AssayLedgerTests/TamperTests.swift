import AssayCore
import AssayCrypto
import AssayLedger
import AssayTestSupport
import Foundation
import Testing

/// Every kind of tampering the bundle issue lists is detected, each with its own rule.
@Suite("tamper suite")
struct TamperTests {
    @Test("an untouched dataset verifies, every bundle holds with both signers")
    func clean() async throws {
        let fixture = try DatasetFixture()
        let report = await fixture.verify()
        #expect(report.findings.isEmpty, "\(report.findings)")
        #expect(report.bundles.count == 6)
        #expect(report.bundles.allSatisfy { $0.holds && $0.signers == ["gw-a", "gw-b"] })
        #expect(report.heads.map(\.collector) == ["gw-a", "gw-b"])
    }

    @Test("a flipped byte in records.jsonl")
    func flippedByte() async throws {
        let fixture = try DatasetFixture()
        let path = "\(fixture.bundle("gw-a", 1))/records.jsonl"
        var bytes = try Files.read(path)
        bytes[100] ^= 0x01
        try Files.writeAtomically(path, contents: bytes)
        let report = await fixture.verify()
        #expect(report.errorRules.contains("file-hash"))
        #expect(!report.holds)
    }

    @Test("a record removed, added, reordered or duplicated", arguments: ["removed", "added", "reordered", "duplicated"])
    func recordEdits(edit: String) async throws {
        let fixture = try DatasetFixture()
        let path = "\(fixture.bundle("gw-a", 1))/records.jsonl"
        var lines = try DatasetFixture.lines(path)
        switch edit {
        case "removed": lines.remove(at: 3)
        case "added": lines.append(try #require(try DatasetFixture.lines("\(fixture.bundle("gw-a", 0))/records.jsonl").first))
        case "reordered": lines.swapAt(2, 3)
        default: lines.insert(lines[5], at: 5)
        }
        try DatasetFixture.writeLines(path, lines)
        let rules = await fixture.verify().errorRules
        switch edit {
        case "removed": #expect(rules.isSuperset(of: ["file-hash", "record-count", "merkle-root", "file-size"]))
        // A file that grew is read only to its signed size (spec/dataset.md §8.1): the signed lines are
        // intact, and what was appended is found by its size.
        case "added": #expect(rules == ["file-size"])
        // Nothing that needs every record is checked from a file not read to its end (spec/dataset.md §8.5): its size says it all.
        case "duplicated": #expect(rules.isSuperset(of: ["file-size", "record-order"]) && !rules.contains("merkle-root"))
        default: #expect(rules.isSuperset(of: ["file-hash", "record-order", "merkle-root"]))
        }
    }

    @Test("a manifest field changed (then re-signed by insiders, so only the lie itself is caught)",
          arguments: [("hash", "file-hash"), ("count", "record-count"), ("root", "merkle-root"), ("prev", "chain-link"),
                      ("day", "manifest-location")])
    func manifestField(field: String, rule: String) async throws {
        let fixture = try DatasetFixture()
        let bundle = fixture.bundle("gw-a", 1)
        let manifest = try Manifest(bytes: try Files.read("\(bundle)/manifest.json"))
        try fixture.resignManifest(bundle) { text in
            switch field {
            case "hash": return text.replacingOccurrences(of: manifest.file("records.jsonl")!.sha256, with: String(repeating: "0", count: 64))
            case "count": return text.replacingOccurrences(of: "\"batch_request\":32", with: "\"batch_request\":33")
                .replacingOccurrences(of: "\"total\":40", with: "\"total\":41")
            case "root": return text.replacingOccurrences(of: manifest.merkleRoot, with: String(repeating: "1", count: 64))
            case "prev": return text.replacingOccurrences(of: manifest.prev!.sha256, with: String(repeating: "2", count: 64))
            default: return text.replacingOccurrences(of: "\"day\":\"2026-01-10\"", with: "\"day\":\"2026-01-11\"")
            }
        }
        let report = await fixture.verify()
        #expect(report.errorRules.contains(rule), "\(report.findings)")
    }

    @Test("a manifest changed without re-signing breaks its signatures")
    func manifestUnsigned() async throws {
        let fixture = try DatasetFixture()
        let path = "\(fixture.bundle("gw-b", 2))/manifest.json"
        let text = String(decoding: try Files.read(path), as: UTF8.self).replacingOccurrences(of: "assay 0.1.0", with: "assay 0.1.1")
        try Files.writeAtomically(path, contents: Array(text.utf8))
        let report = await fixture.verify()
        #expect(report.errorRules.isSuperset(of: ["signature", "threshold"]))
    }

    @Test("a signature removed, corrupted, by an unknown key, or outside its validity window",
          arguments: ["removed", "corrupted", "unknown-key", "expired"])
    func signatures(kind: String) async throws {
        var fixture = try DatasetFixture()
        let bundle = fixture.bundle("gw-a", 0)
        switch kind {
        case "removed":
            try FileManager.default.removeItem(atPath: "\(bundle)/signatures/gw-b.sig")
        case "corrupted":
            var text = String(decoding: try Files.read("\(bundle)/signatures/gw-b.sig"), as: UTF8.self)
            let index = text.index(text.endIndex, offsetBy: -40)
            text.replaceSubrange(index...index, with: text[index] == "A" ? "B" : "A")
            try Files.writeAtomically("\(bundle)/signatures/gw-b.sig", contents: Array(text.utf8))
        case "unknown-key":
            let manifest = try Files.read("\(bundle)/manifest.json")
            try Files.writeAtomically("\(bundle)/signatures/gw-b.sig", contents: Array(
                try SSHSignature.sign(manifest, namespace: DatasetDirectory.manifestNamespace, with: DatasetFixture.outsider).armored.utf8))
        default:
            // gw-b's key expired before the first day (rotation); the fixture is rebuilt with that policy.
            fixture = try DatasetFixture(allowedSigners: """
                gw-a namespaces="assay-manifest-v1,assay-policy-v1" \(OpenSSHPublicKey(DatasetFixture.keyA.publicKey).line)
                gw-b namespaces="assay-manifest-v1,assay-policy-v1",valid-before="20260109235959Z" \(OpenSSHPublicKey(DatasetFixture.keyB.publicKey).line)

                """)
        }
        let report = await fixture.verify()
        let expected: Set<String> = switch kind {
        case "removed": ["threshold"]
        case "corrupted": ["signature", "threshold"]
        default: ["unknown-signer", "threshold"]
        }
        #expect(report.errorRules == expected, "\(report.findings)")
        if kind == "expired" {
            // The key counts for 2026-01-09 (up to its inclusive valid-before, the day's last second) and not after.
            #expect(report.bundles.filter(\.holds).map(\.day) == [DatasetFixture.firstDay, DatasetFixture.firstDay])
        }
    }

    @Test("too few signers for the threshold; one key signing twice counts once")
    func threshold() async throws {
        let fixture = try DatasetFixture(threshold: 2)
        let bundle = fixture.bundle("gw-b", 1)
        // gw-a's key also signs as gw-b: the same key cannot count twice.
        let manifest = try Files.read("\(bundle)/manifest.json")
        try Files.writeAtomically("\(bundle)/signatures/gw-b.sig", contents: Array(
            try SSHSignature.sign(manifest, namespace: DatasetDirectory.manifestNamespace, with: DatasetFixture.keyA).armored.utf8))
        let report = await fixture.verify()
        #expect(report.errorRules.contains("unknown-signer") || report.errorRules.contains("threshold"))
        #expect(report.errorRules.contains("threshold"))
        let strict = await fixture.verify({ var o = DatasetVerifier.Options(); o.threshold = 3; return o }())
        #expect(strict.bundles.allSatisfy { !$0.holds })
    }

    @Test("a bundle deleted from the middle of the chain")
    func deletedMiddle() async throws {
        let fixture = try DatasetFixture(days: 4)
        try FileManager.default.removeItem(atPath: fixture.bundle("gw-a", 1))
        // The log still names the deleted manifest: `log-entry` catches the deletion on its own.
        let logged = await fixture.verify()
        #expect(logged.errorRules == ["chain-link", "log-entry"], "\(logged.findings)")
        #expect(logged.findings.contains { $0.rule == .logEntry && $0.path == "bundles/gw-a/2026/01/10/manifest.json" })
        // Insiders who also rewrite the log are still caught by the chain.
        try fixture.rebuildLog()
        let report = await fixture.verify()
        #expect(report.errorRules == ["chain-link"], "\(report.findings)")
    }

    @Test("the first bundle deleted: history before the chain is missing")
    func deletedFirst() async throws {
        let fixture = try DatasetFixture()
        try FileManager.default.removeItem(atPath: fixture.bundle("gw-b", 0))
        try fixture.rebuildLog()  // insiders rewrite the log too: the chain still tells
        #expect(await fixture.verify().errorRules == ["chain-start"])
    }

    @Test("two bundles claiming one predecessor (fork)")
    func fork() async throws {
        let fixture = try DatasetFixture(days: 2)
        // An insider seals a second, different bundle after day 0 and files it under day 2.
        let copy = fixture.bundle("gw-a", 2)
        try FileManager.default.copyItem(atPath: fixture.bundle("gw-a", 1), toPath: copy)
        try fixture.resignManifest(copy) { $0.replacingOccurrences(of: "\"day\":\"2026-01-10\"", with: "\"day\":\"2026-01-11\"") }
        let report = await fixture.verify()
        #expect(report.errorRules.contains("chain-fork"), "\(report.findings)")
    }

    @Test("a day replayed from an older bundle")
    func replay() async throws {
        let fixture = try DatasetFixture(days: 2)
        try FileManager.default.copyItem(atPath: fixture.bundle("gw-a", 0), toPath: fixture.bundle("gw-a", 2))
        let report = await fixture.verify()
        #expect(report.errorRules.isSuperset(of: ["manifest-location", "record-day"]), "\(report.findings)")
    }

    @Test("history rewritten after a --state run (rollback), and a removed head")
    func rollback() async throws {
        let fixture = try DatasetFixture()
        let first = await fixture.verify()
        #expect(first.holds)
        let state = try #require(first.state)
        // Roll gw-a back by one day (and its log with it, as insiders would).
        try FileManager.default.removeItem(atPath: fixture.bundle("gw-a", 2))
        try fixture.rebuildLog()
        var options = DatasetVerifier.Options()
        options.state = try VerifyState(bytes: state.bytes())
        #expect(await fixture.verify(options).errorRules == ["rollback"])
        // Rewrite gw-a's day 1 instead: re-sealed with other content, re-signed.
        try FileManager.default.removeItem(atPath: fixture.bundle("gw-a", 1))
        try fixture.seal(collector: "gw-a", day: UTCDay(number: DatasetFixture.firstDay.number + 1),
                         records: DatasetFixture.records(collector: "gw-a", day: UTCDay(number: DatasetFixture.firstDay.number + 1), count: 3))
        try fixture.rebuildLog()
        options.state = VerifyState(dataset: "fixture", genesis: state.genesis, policyVersion: state.policyVersion, policySHA256: state.policySHA256, heads: [
            .init(collector: "gw-a", day: UTCDay(number: DatasetFixture.firstDay.number + 1), manifestSHA256: String(repeating: "a", count: 64)),
        ])
        let rewritten = await fixture.verify(options)
        #expect(rewritten.errorRules == ["rollback"])
        #expect(rewritten.findings.first?.message.contains("history was rewritten") == true)
    }

    @Test("a dataset older than --max-age (freeze)")
    func freeze() async throws {
        let fixture = try DatasetFixture()
        var options = DatasetVerifier.Options()
        options.maxAgeDays = 2
        options.today = UTCDay("2026-01-14")
        #expect(await fixture.verify(options).errorRules == ["stale"])
        options.today = UTCDay("2026-01-13")
        #expect(await fixture.verify(options).holds)
    }

    @Test("a file that no manifest names", arguments: ["bundle", "signatures", "top", "collector", "temporary"])
    func unlisted(place: String) async throws {
        let fixture = try DatasetFixture()
        let path = switch place {
        case "bundle": "\(fixture.bundle("gw-a", 1))/extra.jsonl"
        case "signatures": "\(fixture.bundle("gw-a", 1))/signatures/notes.txt"
        case "top": "\(fixture.root)/scores.json"
        case "collector": "\(fixture.root)/bundles/gw-a/2026/01/.09.tmp-123"
        default: "\(fixture.root)/bundles/gw-a/2026/01/9"
        }
        try Files.writeAtomically(path, contents: Array("{}\n".utf8))
        let rules = await fixture.verify().errorRules
        #expect(rules == [place == "temporary" ? "bundle-path" : "unlisted-file"], "\(rules)")
    }

    @Test("a gap in the chain is a warning, not an error")
    func gap() async throws {
        let fixture = try DatasetFixture(days: 2)
        try fixture.seal(collector: "gw-a", day: UTCDay(number: DatasetFixture.firstDay.number + 4),
                         records: DatasetFixture.records(collector: "gw-a", day: UTCDay(number: DatasetFixture.firstDay.number + 4), count: 2))
        let report = await fixture.verify()
        #expect(report.holds)
        #expect(report.warningRules == ["chain-gap"])
    }

    @Test("a conflict is set apart and verified; a conflict moved into records is caught")
    func conflicts() async throws {
        let fixture = try DatasetFixture(days: 1)
        let day = UTCDay(number: DatasetFixture.firstDay.number + 1)
        var records = DatasetFixture.records(collector: "gw-a", day: day, count: 6)
        records.append(records[0].replacingOccurrences(of: "\"duration_ms\":900", with: "\"duration_ms\":901"))
        records.append(records[1])  // an exact duplicate collapses
        try fixture.seal(collector: "gw-a", day: day, records: records)
        let manifest = try Manifest(bytes: try Files.read("\(fixture.bundle("gw-a", 1))/manifest.json"))
        #expect(manifest.conflictKeys == 1 && manifest.conflictVersions == 2)
        #expect(manifest.recordsTotal == 5)
        #expect(await fixture.verify().holds)
    }

    @Test("bad staged lines are kept out, counted as rejected, and the good ones sealed")
    func badInput() async throws {
        let fixture = try DatasetFixture(days: 1)
        let day = UTCDay(number: DatasetFixture.firstDay.number + 1)
        var records = DatasetFixture.records(collector: "gw-b", day: day, count: 5)
        records.insert("{\"schema\":1,\"kind\":\"probe\"", at: 2)
        records.insert(#"{"schema":1,"kind":"batch_request","id":"x","observer_role":"gateway","observer_id":"gw-b","request_id":"x","pipeline":"p","model_id":"m","start_ms":1.5,"success":true,"tries":1}"#, at: 4)
        try fixture.temporary.write("input.jsonl", records.joined(separator: "\n") + "\n")
        var issues: [LineIssue] = []
        let bundle = try fixture.directory.seal(collector: "gw-b", day: day, inputs: [fixture.temporary.file("input.jsonl")],
                                                key: DatasetFixture.keyA, signer: "gw-a") { issues.append($0) }
        #expect(issues.map(\.line) == [3, 5])
        #expect(bundle.manifest.recordsTotal == 5)
        #expect(bundle.manifest.rejectedByCode == ["malformed-json": 1, "wrong-type": 1])
    }

    @Test("sealing the same input twice yields identical bytes, whatever the input order")
    func deterministic() throws {
        let day = DatasetFixture.firstDay
        let records = DatasetFixture.records(collector: "gw-a", day: day, count: 30)
        func seal(_ lines: [String]) throws -> SealedBundle {
            var sealer = BundleSealer(dataset: "fixture", collector: "gw-a", day: day, prev: nil)
            var input = SealerInput(source: "input", requireCanonical: true)
            for line in lines {
                let record = try Record.parse(Array(line.utf8))
                record.canonicalBytes().withUnsafeBytes { input.add(next: $0, into: &sealer) { _ in } }
            }
            input.flush(into: &sealer) { _ in }
            return sealer.seal()
        }
        let first = try seal(records)
        let second = try seal(records.reversed())
        #expect(first.manifestBytes == second.manifestBytes)
        #expect(first.records == second.records)
    }

    @Test("a sealed day is never rewritten, and no day before the newest can be sealed")
    func refusals() throws {
        let fixture = try DatasetFixture(days: 2)
        #expect(throws: LedgerError.self) {
            try fixture.seal(collector: "gw-a", day: DatasetFixture.firstDay, records: [])
        }
        try FileManager.default.removeItem(atPath: fixture.bundle("gw-b", 0))
        let error = try #require(throws: LedgerError.self) {
            try fixture.seal(collector: "gw-b", day: DatasetFixture.firstDay, records: [])
        }
        #expect(error.code == .outOfOrder)
    }

    @Test("record proofs: made for every record, checked against the signed bundle, refused when altered or relabelled")
    func proofs() async throws {
        let fixture = try DatasetFixture(days: 2)
        let descriptor = try fixture.directory.descriptor()
        let policy = try #require(PolicyChain.evaluate(fixture.directory, descriptor: descriptor).current)
        func check(_ proof: RecordProof) -> Set<String> {
            Set(proof.verify(in: fixture.directory, datasetID: descriptor.id, policy: policy).filter { $0.severity == .error }.map(\.rule.rawValue))
        }
        for id in ["req-0", "req-13", "probe-39"] {
            let proof = try RecordProof.make(directory: fixture.directory, collector: "gw-a", day: DatasetFixture.firstDay, id: id, observer: nil)
            let reparsed = try RecordProof(bytes: try CanonicalJSON.encode(proof.jsonValue))
            #expect(check(reparsed).isEmpty)
            var forged = reparsed
            forged.record = forged.record.replacingOccurrences(of: "\"tries\":1", with: "\"tries\":2")
            if forged.record != reparsed.record { #expect(check(forged) == ["proof"]) }
            var moved = reparsed
            moved.leafIndex = (moved.leafIndex + 1) % moved.treeSize
            #expect(check(moved) == ["proof"])
            var relabelled = reparsed
            relabelled.day = UTCDay(number: DatasetFixture.firstDay.number + 1)
            #expect(check(relabelled).contains("proof-binding"))
            var otherDataset = reparsed
            otherDataset.dataset = "someone-else"
            #expect(check(otherDataset) == ["proof-binding"])
        }
        #expect(throws: LedgerError.self) {
            try RecordProof.make(directory: fixture.directory, collector: "gw-a", day: DatasetFixture.firstDay, id: "nope", observer: nil)
        }
        // A bundle nobody signed (as one made by hand would be): its proofs fail the threshold.
        let proof = try RecordProof.make(directory: fixture.directory, collector: "gw-a", day: DatasetFixture.firstDay, id: "req-0", observer: nil)
        let signatures = "\(fixture.directory.bundlePath(collector: "gw-a", day: DatasetFixture.firstDay))/signatures"
        try FileManager.default.removeItem(atPath: signatures)
        try FileManager.default.createDirectory(atPath: signatures, withIntermediateDirectories: false)
        #expect(check(proof) == ["threshold"])
    }
}
