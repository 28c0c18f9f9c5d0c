import AssayCore
import AssayCrypto
import AssayLedger
import AssayTestSupport
import Foundation
import Synchronization
import Testing

/// allowed_signers exactly as OpenSSH reads it (spec/signatures.md §4): a
/// seeded generator writes over a thousand files, valid and broken (options
/// twice, unquoted values, patterns and negations, quoted principals,
/// cert-authority, times with and without Z, impossible dates, other key
/// types, bad base64, whitespace in base64, CRLF, NUL, comments), and for each
/// one Assay, the independent Python verifier and the system's `ssh-keygen -Y
/// verify` / `-Y find-principals` must give the same answers. Where Assay
/// differs on purpose (§4.1: the file has a line in that table), Assay may
/// only be stricter: it never accepts what ssh-keygen refuses.
@Suite("allowed_signers: Assay, the Python verifier and ssh-keygen agree",
       .enabled(if: Command.available("ssh-keygen") && Command.available("python3"), "needs ssh-keygen and python3"))
struct AllowedSignersDifferentialTests {
    static let files = 1200
    static let message = Array("assay allowed_signers differential test\n".utf8)
    static let namespaces = ["assay-manifest-v1", "git", "file"]
    static let principals = ["gw-a", "gw-b", "gw a", "audit1", "x"]
    static let times: [Int64] = [1_767_225_599, 1_767_225_600, 1_769_904_000, 1_769_904_001, 1_780_272_000]

    struct Case {
        let path: String
        var verify: [(principal: String, key: Int, namespace: String, time: Int64)] = []
        var find: [(key: Int, time: Int64)] = []
    }

    /// One generated line (without its end), from the generator's vocabulary.
    static func line(_ random: inout SplitMix64, keys: [String], other: String, used: inout [Int]) -> String {
        func pick<T>(_ items: [T]) -> T { items[Int(random.next() % UInt64(items.count))] }
        let lead = pick(["", "", " ", "\t", "  "])
        let principal = pick(["gw-a", "gw-b", "gw-*", "gw-?", "*", "gw-a,gw-b", "gw-*,!gw-b", "!gw-a,*", "\"gw a\"", "\"gw-a,gw-b\"",
                              "g\"w-a\"", "audit?", "gw-a,,gw-b", String(repeating: "*", count: 1030) + ",gw-a", "gw-a\"", "#gw-a", "x"])
        let optionPool = ["namespaces=\"assay-*\"", "namespaces=\"git,file\"", "namespaces=\"assay-manifest-v1\"", "NAMESPACES=\"git\"",
                          "namespaces=git", "namespaces=\"a\\\"b\"", "namespaces=\"!git,*\"", "namespaces=\"git file\"",
                          "valid-after=\"20260101Z\"", "valid-after=\"20260101\"", "valid-after=\"202601010000Z\"", "valid-after=\"20260101UTC\"",
                          "valid-after=\"20260230Z\"", "valid-after=\"19700101Z\"", "Valid-After=\"20260101z\"", "valid-after=\"20260101235960Z\"",
                          "valid-before=\"20260201Z\"", "valid-before=\"202602010000Z\"", "valid-before=\"20251231Z\"",
                          "valid-before=\"20260201000000z\"", "valid-before=\"2026020100Z\"", "valid-before=\"2026 201Z\"",
                          "cert-authority", "foo", "foo=\"x\"", ""]
        var options = ""
        if random.next() % 5 < 3 {
            let count = 1 + Int(random.next() % 3)
            options = (0..<count).map { _ in pick(optionPool) }.joined(separator: ",")
            if random.next() % 10 == 0 { options += "," }
        }
        let keyIndex = Int(random.next() % UInt64(keys.count))
        used.append(keyIndex)
        let key = keys[keyIndex]
        let blob = String(key.split(separator: " ")[1])
        let keyField = pick([key, key, key, key, other, "ssh-ed25519 AAAA", "ssh-ed25519 \(blob)garbage", "ssh-ed25519 \(blob)=",
                             "ssh-ed25519 \(blob.prefix(20))\u{0B}\(blob.dropFirst(20))", "ssh-ed25519", "\(blob)",
                             "ssh-rsa \(blob)", "ssh-ed25519 ssh-ed25519 \(blob)"])
        let comment = pick(["", "", " comment", " two words", "\tx"])
        var text = lead + principal + (options.isEmpty ? "" : " " + options) + " " + keyField + comment
        if random.next() % 40 == 0 { text.insert("\u{0}", at: text.index(text.startIndex, offsetBy: text.count / 2)) }
        return text
    }

    static func file(_ random: inout SplitMix64, keys: [String], other: String, used: inout [Int]) -> String {
        var text = ""
        let lines = 1 + Int(random.next() % 4)
        for index in 0..<lines {
            switch random.next() % 12 {
            case 0: text += "# a comment\n"
            case 1: text += "\n"
            default: break
            }
            text += line(&random, keys: keys, other: other, used: &used)
            let last = index == lines - 1
            text += last && random.next() % 6 == 0 ? "" : random.next() % 8 == 0 ? "\r\n" : "\n"
        }
        return text
    }

    @Test("over a thousand generated files: every answer agrees, or Assay is stricter where spec/signatures.md §4.1 says")
    func differential() async throws {
        // Thousands of ssh-keygen processes: alone, so the clock-driven tests are not starved.
        try await TestExclusion.exclusively { try runDifferential() }
    }

    func runDifferential() throws {
        let directory = try TemporaryDirectory()
        // Three Ed25519 signers, and one ECDSA key made by ssh-keygen (a type Assay never verifies).
        let keys = try (1...3).map { try Ed25519PrivateKey(seed: [UInt8](repeating: UInt8($0), count: 32)) }
        let publicLines = keys.map { OpenSSHPublicKey($0.publicKey).line.split(separator: " ").prefix(2).joined(separator: " ") }
        try #require(try Command.system("ssh-keygen", ["-q", "-t", "ecdsa", "-N", "", "-f", directory.file("ecdsa")]).status == 0)
        let other = String(decoding: try directory.read("ecdsa.pub"), as: UTF8.self).split(separator: " ").prefix(2).joined(separator: " ")
        try directory.write("message", bytes: Self.message)
        for (k, key) in keys.enumerated() {
            for namespace in Self.namespaces {
                try directory.write("sig-\(k)-\(namespace)", try SSHSignature.sign(Self.message, namespace: namespace, with: key).armored)
            }
        }
        var random = SplitMix64(seed: 18)
        var cases: [Case] = []
        for index in 0..<Self.files {
            let path = directory.file("allowed_signers-\(index)")
            var used: [Int] = []
            try directory.write("allowed_signers-\(index)", Self.file(&random, keys: publicLines, other: other, used: &used))
            var item = Case(path: path)
            // Mostly keys the file lists (so that some answers are yes), sometimes any key.
            func queryKey() -> Int { random.next() % 4 == 0 ? Int(random.next() % 3) : used[Int(random.next() % UInt64(used.count))] }
            for _ in 0..<4 {
                let principal = random.next() % 2 == 0 ? "gw-a" : Self.principals[Int(random.next() % 5)]
                item.verify.append((principal, queryKey(), Self.namespaces[Int(random.next() % 3)], Self.times[Int(random.next() % 5)]))
            }
            item.find.append((queryKey(), Self.times[Int(random.next() % 5)]))
            cases.append(item)
        }

        // ssh-keygen's answers, two processes at a time.
        struct Answers: Sendable { var verify: [Bool]; var find: [[String]] }
        let sshAnswers = Mutex([Answers?](repeating: nil, count: cases.count))
        let snapshot = cases
        let root = directory.path
        DispatchQueue.concurrentPerform(iterations: cases.count) { index in
            let item = snapshot[index]
            let verify = item.verify.map { query -> Bool in
                let result = try? Command.system("ssh-keygen", ["-Y", "verify", "-f", item.path, "-I", query.principal, "-n", query.namespace,
                                                                "-s", "\(root)/sig-\(query.key)-\(query.namespace)",
                                                                "-O", "verify-time=\(AllowedSigners.timeText(query.time))"],
                                                 input: Self.message, environment: ["TZ": "UTC"])
                return result?.status == 0
            }
            let find = item.find.map { query -> [String] in
                let result = try? Command.system("ssh-keygen", ["-Y", "find-principals", "-f", item.path, "-s", "\(root)/sig-\(query.key)-git",
                                                                "-O", "verify-time=\(AllowedSigners.timeText(query.time))"],
                                                 environment: ["TZ": "UTC"])
                guard let result, result.status == 0 else { return [] }
                return result.stdout.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
            }
            sshAnswers.withLock { $0[index] = Answers(verify: verify, find: find) }
        }

        // The independent verifier's answers, in one batch.
        let batch: [[String: Any]] = cases.map { item in
            ["file": item.path,
             "verify": item.verify.map { [$0.principal, Hex.encode(keys[$0.key].publicKey.rawRepresentation), $0.namespace, $0.time] as [Any] },
             "find": item.find.map { [Hex.encode(keys[$0.key].publicKey.rawRepresentation), $0.time] as [Any] }]
        }
        try directory.write("batch.json", bytes: Array(try JSONSerialization.data(withJSONObject: batch)))
        let python = try Command.system("python3", [Repository.url("Tests/interop/allowed_signers_batch.py").path, directory.file("batch.json")])
        try #require(python.status == 0, "\(python.stderr)")
        let pythonAnswers = try #require(try JSONSerialization.jsonObject(with: Data(python.stdoutBytes)) as? [[String: Any]])

        var compared = 0, stricter = 0, deliberateFiles = 0, accepted = 0, found = 0
        let ssh = sshAnswers.withLock { $0 }
        for (index, item) in cases.enumerated() {
            let bytes = try directory.read("allowed_signers-\(index)")
            let assay = AllowedSigners(bytes: bytes)
            let deliberate = assay.rejected.contains(where: \.deliberate)
            if deliberate { deliberateFiles += 1 }
            let answers = try #require(ssh[index])
            let text = String(decoding: bytes, as: UTF8.self).debugDescription
            for (query, sshSays) in zip(item.verify, answers.verify) {
                let assaySays = assay.allows(principal: query.principal, key: keys[query.key].publicKey, namespace: query.namespace, at: query.time)
                compared += 1
                if sshSays { accepted += 1 }
                if deliberate {
                    #expect(!assaySays || sshSays, "file \(index) \(query): Assay accepts what ssh-keygen refuses\n\(text)")
                    if sshSays && !assaySays { stricter += 1 }
                } else {
                    #expect(assaySays == sshSays, "file \(index) \(query): Assay \(assaySays), ssh-keygen \(sshSays)\n\(text)")
                }
            }
            for (query, sshSays) in zip(item.find, answers.find) where !deliberate {
                if !sshSays.isEmpty { found += 1 }
                let assaySays = assay.findPrincipals(key: keys[query.key].publicKey, at: query.time)
                #expect(assaySays == sshSays, "file \(index) find-principals \(query): Assay \(assaySays), ssh-keygen \(sshSays)\n\(text)")
            }
            // The independent verifier, written from the spec, gives Assay's answers exactly.
            let py = pythonAnswers[index]
            let pyVerify = py["verify"] as? [Bool] ?? []
            let swiftVerify = item.verify.map { assay.allows(principal: $0.principal, key: keys[$0.key].publicKey, namespace: $0.namespace, at: $0.time) }
            #expect(pyVerify == swiftVerify, "file \(index): Python \(pyVerify), Assay \(swiftVerify)\n\(text)")
            let pyFind = py["find"] as? [[String]] ?? []
            #expect(pyFind == item.find.map { assay.findPrincipals(key: keys[$0.key].publicKey, at: $0.time) }, "file \(index) find\n\(text)")
            let pyRejected = (py["rejected"] as? [[Any]] ?? []).map { "\($0[0]):\(($0[1] as? Bool) == true)" }
            #expect(pyRejected == assay.rejected.map { "\($0.line):\($0.deliberate)" }, "file \(index): rejected lines differ\n\(text)")
        }
        #expect(compared == Self.files * 4)
        #expect(deliberateFiles > 0 && deliberateFiles < Self.files, "the generator reaches both kinds of file")
        #expect(accepted > Self.files / 4 && found > Self.files / 8, "the corpus has signatures ssh-keygen accepts (\(accepted)) and finds (\(found)), not only refusals")
        print("allowed_signers differential: \(Self.files) files, \(compared) verify and \(Self.files) find-principals queries against ssh-keygen; "
              + "ssh-keygen accepted \(accepted) and found principals \(found) times; \(deliberateFiles) files with a line Assay refuses on purpose, "
              + "\(stricter) answers where Assay was stricter")
    }
}
