import AssayCore
import AssayCrypto
import AssayTestSupport
import Foundation
import Testing

@testable import AssayLedger

/// c2sp.org/tlog-policy as spec/log.md §8.1 reads it: the grammar and quorum against sigsum-go's and
/// transparency-dev/formats' own tests, then the rules a dataset's `policy/NNNN/witnesses` adds.
@Suite("witness policies (c2sp.org/tlog-policy)")
struct WitnessPolicyTests {
    static func vectors(_ file: String, kind: String) throws -> [JSONValue] {
        try C2SPVectorTests.vectors(file, kind: kind)
    }

    @Test("sigsum-go's policies: valid ones parse with their logs, witnesses and URLs, every invalid one is refused, quorums as sigsum evaluates them",
          .enabled(if: Shared.isAvailable, Shared.skipReason))
    func sigsum() throws {
        var policies: [String: WitnessPolicy] = [:]
        for vector in try Self.vectors("policy.sigsum-go.json", kind: "policy_parse") {
            let bytes = Array(vector["policy"]!.stringValue!.utf8)
            let name = vector["description"]?.stringValue ?? vector["test"]!.stringValue!
            if vector["valid"] == .bool(true) {
                let policy = try WitnessPolicy(parsing: bytes)
                #expect(policy.logs.count == Int(vector["want"]!["logs"]!.intValue!), "\(name)")
                #expect(policy.witnesses.count == Int(vector["want"]!["witnesses"]!.intValue!), "\(name)")
                if case .object(let urls) = vector["want"]?["witnesses_with_url"] {
                    for url in urls {
                        #expect(policy.witnesses.first { $0.name == url.key }?.url == url.value.stringValue, "\(name): \(url.key)")
                    }
                    #expect(policy.witnesses.filter { $0.url != nil }.count == urls.count)
                }
                policies[vector["test"]!.stringValue!] = policy
            } else {
                #expect(throws: NoteError.self, "\(name) is refused") { _ = try WitnessPolicy(parsing: bytes) }
            }
        }
        let quorums = try Self.vectors("policy.sigsum-go.json", kind: "quorum")
        for vector in quorums {
            let policy = try #require(policies[vector["policy_ref"]!.stringValue!])
            let cosigners = Set(vector["cosigned_by"]!.arrayValue.map { $0.stringValue! })
            #expect(policy.isSatisfied(by: cosigners) == (vector["want_quorum"] == .bool(true)), "\(vector["policy_ref"]!) \(cosigners.sorted())")
        }
        #expect(quorums.count >= 20)
    }

    @Test("transparency-dev/formats' policies: the tidy one parses with its top group; its errors are refused; the two it accepts against the spec are refused",
          .enabled(if: Shared.isAvailable, Shared.skipReason))
    func formats() throws {
        for vector in try Self.vectors("policy.transparency-dev-formats.json", kind: "policy_parse") {
            let bytes = Array(vector["policy"]!.stringValue!.utf8)
            let name = "\(vector["test"]!.stringValue!) \(vector["description"]!.stringValue!)"
            if vector["valid"] == .bool(true) && vector["caveat"] == nil {
                let policy = try WitnessPolicy(parsing: bytes)
                let top = try #require(policy.groups.first { $0.name == policy.quorum })
                #expect(top.threshold == Int(vector["want_top_group_threshold"]!.intValue!), "\(name)")
                #expect(top.members.count == Int(vector["want_top_group_components"]!.intValue!), "\(name)")
            } else {
                // Errors, an end-of-line comment (tlog-policy has whole-line comments only), two witnesses with one key.
                #expect(throws: NoteError.self, "\(name) is refused") { _ = try WitnessPolicy(parsing: bytes) }
            }
        }
    }

    @Test("nested groups: k of n counts members that are themselves groups, as formats' TestGroup_Satisfied recipes say",
          .enabled(if: Shared.isAvailable, Shared.skipReason))
    func nestedQuorums() throws {
        for vector in try Self.vectors("policy.transparency-dev-formats.json", kind: "quorum_satisfied_recipe") {
            // Thresholds of 0 (optional groups) have no tlog-policy form; the rest become policy files.
            var lines = ["witness Wit1 a", "witness Wit2 b", "witness Wit3 c"]
            var counter = 0
            var usable = true
            func define(_ group: JSONValue) -> String {
                let members = group["members"]!.arrayValue.map { $0.stringValue ?? define($0) }
                let threshold = Int(group["threshold"]!.intValue!)
                if threshold == 0 { usable = false }
                counter += 1
                lines.append("group g\(counter) \(threshold) \(members.joined(separator: " "))")
                return "g\(counter)"
            }
            let top = define(vector["group"]!)
            guard usable else { continue }
            lines.append("quorum \(top)")
            let policy = try WitnessPolicy(parsing: Array(lines.joined(separator: "\n").utf8))
            let cosigners = Set(vector["cosign_with"]!.arrayValue.map { $0.stringValue! })
            #expect(policy.isSatisfied(by: cosigners) == (vector["want_satisfied"] == .bool(true)), "\(vector["description"]!)")
        }
    }

    static let origin = "assay/test"
    static func logKey(_ seed: UInt8) throws -> NoteVerifierKey {
        try NoteVerifierKey(name: origin, type: NoteKeys.ed25519, publicKey: try Ed25519PrivateKey(seed: [UInt8](repeating: seed, count: 32)).publicKey)
    }
    static func witnessKey(_ seed: UInt8, name: String) throws -> NoteVerifierKey {
        try NoteVerifierKey(name: name, type: NoteKeys.cosignatureV1, publicKey: try Ed25519PrivateKey(seed: [UInt8](repeating: seed, count: 32)).publicKey)
    }

    @Test("a dataset's witnesses file: vkeys of the right types and names, slug witness names, a final newline")
    func assayProfile() throws {
        let log = try Self.logKey(1).vkey
        let w1 = try Self.witnessKey(2, name: "witness.example/w1").vkey, w2 = try Self.witnessKey(3, name: "witness.example/w2").vkey
        let good = "# witnesses of assay/test\nlog \(log)\nwitness w1 \(w1) https://w1.example/\nwitness w2 \(w2)\ngroup both all w1 w2\nquorum both\n"
        let policy = try WitnessPolicy(assay: Array(good.utf8), origin: Self.origin)
        #expect(policy.witnessKeys().mapValues(\.vkey) == ["w1": w1, "w2": w2])
        #expect(!policy.isSatisfied(by: ["w1"]) && policy.isSatisfied(by: ["w1", "w2"]))
        #expect(try WitnessPolicy(assay: Array("quorum none\n".utf8), origin: Self.origin).isSatisfied(by: []))
        let refused: [(String, String)] = [
            ("log \(log)\nquorum none", "no final newline"),
            ("log \(try Self.logKey(1).vkey.replacingOccurrences(of: "assay/test", with: "assay/other"))\nquorum none\n", "a log key named for another origin"),
            ("log \(w1)\nquorum none\n", "a cosignature key as a log key"),
            ("witness w1 \(log)\nquorum w1\n", "a signing key as a witness key"),
            ("witness W1 \(w1)\nquorum W1\n", "a witness name that is not a slug (it names a file)"),
            ("witness w1 \(w1)\nwitness w2 \(try Self.witnessKey(2, name: "other/name").vkey)\nquorum w1\n", "two witnesses with one public key under different names"),
            ("witness w1 \(w1.dropLast(2))AA\nquorum w1\n", "a vkey whose key ID does not match"),
            ("witness w1 \(w1) https://w1.example/ # the first\nquorum w1\n", "an end-of-line comment"),
        ]
        for (text, why) in refused {
            #expect(throws: NoteError.self, "\(why)") { _ = try WitnessPolicy(assay: Array(text.utf8), origin: Self.origin) }
        }
    }
}
