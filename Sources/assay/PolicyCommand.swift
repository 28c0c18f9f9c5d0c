import ArgumentParser
import AssayCommandLine
import AssayCore
import AssayCrypto
import AssayLedger
import AssayWorkflows
import Foundation

struct PolicyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy",
        abstract: "Show and change a dataset's trust policy: who may sign, the threshold, revoked keys.",
        discussion: """
            The policy has numbered versions (spec/policy.md). Version 1, policy/0001, is the \
            genesis: approved by a threshold of its own signers, and pinned by auditors by its hash. \
            Each change is a new directory policy/NNNN that takes effect only when enough signers of \
            the version before it approve it (their threshold). Proposing signs the proposal as its first approval; the others \
            run 'assay policy approve'; 'assay publish' commits and pushes either.
            """,
        subcommands: [PolicyShow.self, PolicyPropose.self, PolicyApprove.self])
}

/// `YYYY-MM-DD` (the day's first second) or `YYYY-MM-DDTHH:MM:SSZ`, in seconds.
func parsePolicyTime(_ text: String, option: String) throws -> Int64 {
    if let day = UTCDay(text) { return day.startMs / 1000 }
    guard let seconds = UTCTime.parseSeconds(text) else {
        throw ValidationError("\(option): '\(text)' is not a date YYYY-MM-DD or a UTC time YYYY-MM-DDTHH:MM:SSZ")
    }
    return seconds
}

/// `SHA256:…` as given, or the fingerprint of a public key file.
func fingerprint(_ text: String) throws -> String {
    if text.hasPrefix("SHA256:") { return text }
    return OpenSSHPublicKey(try KeyFiles.readPublicKey(at: text).key).fingerprint
}

struct PolicyShow: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "List the policy versions, which hold, and the current signers.",
        discussion: """
            Example:
              assay policy show --dataset ./dataset
            """)

    @Option(help: "The dataset directory.")
    var dataset: String = "."

    func run() throws {
        let directory = DatasetDirectory(dataset)
        let chain = PolicyChain.evaluate(directory, descriptor: try directory.descriptor())
        for version in chain.versions {
            let state = version.holds ? "in effect" : (version.policy == nil ? "INVALID" : "pending")
            let place = PolicyDocument.relativePath(version: version.version) + (version.version == 1 ? " (genesis)" : "")
            print("version \(version.version)  \(place)  \(state)  sha256 \(version.hash ?? "-")")
            do {
                print("    issued \(version.issued.map(UTCTime.seconds) ?? "-"); approved by \(version.approvals.isEmpty ? "nobody" : version.approvals.joined(separator: ", ")) (\(version.approvals.count) of \(version.needed) needed)")
                if !version.summary.isEmpty { print("    \(version.summary)") }
            }
        }
        for finding in chain.findings { print("  \(finding)") }
        guard let current = chain.current else { return }
        print("Current policy: version \(current.version), threshold \(current.threshold)")
        for entry in current.signers.entries {
            var validity: [String] = []
            if let after = entry.validAfter { validity.append("from \(UTCTime.seconds(after))") }
            if let before = entry.validBefore { validity.append("until \(UTCTime.seconds(before))") }
            print("  \(entry.principals.joined(separator: ","))  \(OpenSSHPublicKey(entry.key).fingerprint)  \(entry.namespaces?.joined(separator: ",") ?? "any namespace")\(validity.isEmpty ? "" : "  " + validity.joined(separator: " "))")
        }
        for revocation in current.revocations {
            print("  revoked \(revocation.fingerprint) from \(UTCTime.seconds(revocation.from)): \(revocation.reason)")
        }
        // The keys that sign the log's checkpoints, as any signed-note reader takes them (spec/log.md §7.2).
        let origin = DatasetLog.origin(datasetID: try directory.descriptor().id)
        print("Log \(origin): checkpoint keys (vkeys, c2sp.org/signed-note)")
        for entry in current.signers.entries where entry.permits(namespace: DatasetDirectory.manifestNamespace, at: nil) {
            let vkey = try NoteVerifierKey(name: origin, type: NoteKeys.ed25519, publicKey: entry.key).vkey
            print("  \(entry.principals.joined(separator: ","))  \(vkey)")
        }
        if current.witnesses.quorum == WitnessPolicy.none {
            print("Witnesses: none required (spec/log.md §8)")
        } else {
            print("Witnesses (\(PolicyDocument.relativePath(version: current.version))/\(DatasetDirectory.witnessesName), quorum \(current.witnesses.quorum)):")
            for witness in current.witnesses.witnesses { print("  \(witness.name)  \(witness.key)") }
        }
    }
}

struct PolicyPropose: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "propose",
        abstract: "Write the next policy version and sign it as its first approval.",
        discussion: """
            The new version starts from the current one: --add gives a principal a key (for \
            Assay's namespaces), valid from an optional time; --expire ends a key at a time (a \
            rotation: add the new key from the same time); --revoke marks a key compromised from a \
            time on, with --reason; --threshold changes how many signers a bundle needs. A key that \
            ends at T is written with valid-before one second before T, because ssh-keygen counts \
            the valid-before second itself as valid (spec/policy.md §1.2). Times are \
            YYYY-MM-DD (that day's first second, UTC) or YYYY-MM-DDTHH:MM:SSZ; keys are named by \
            a .pub file or a SHA256: fingerprint.

            Examples:
              # gw-b rotates its key on 2026-03-01
              assay policy propose --dataset ./dataset --key keys/gw-a --signer gw-a \\
                  --add gw-b=keys/gw-b-2026.pub@2026-03-01 --expire keys/gw-b.pub@2026-03-01
              # gw-c's key leaked; it must not count from 2026-04-10 on
              assay policy propose --dataset ./dataset --key keys/gw-a --signer gw-a \\
                  --revoke SHA256:Az8o6Q515NEnxLVc3k/mmezFAhfm5go3Cc9yXA5vmOM@2026-04-10 --reason "key leaked in a backup"
              # from now on, witness w1 must cosign the log's checkpoints
              printf 'witness w1 %s\\nquorum w1\\n' "$(assay witness vkey --config witness.yaml)" > witnesses
              assay policy propose --dataset ./dataset --key keys/gw-a --signer gw-a --witnesses witnesses
            """)

    @Option(help: "The dataset directory.")
    var dataset: String

    @Option(help: "Your private key (your approval of the proposal).")
    var key: String

    @Option(help: "Your principal in the current policy.")
    var signer: String

    @Option(name: .customLong("add"), help: ArgumentHelp("NAME=KEY.pub[@TIME], repeatable.", valueName: "name=key.pub[@time]"))
    var additions: [String] = []

    @Option(name: .customLong("expire"), help: ArgumentHelp("KEY@TIME: the key stops being valid at TIME; repeatable.", valueName: "key@time"))
    var expiries: [String] = []

    @Option(name: .customLong("revoke"), help: ArgumentHelp("KEY@TIME: the key is revoked from TIME; repeatable.", valueName: "key@time"))
    var revocations: [String] = []

    @Option(help: "Why the keys are revoked (with --revoke).")
    var reason: String?

    @Option(help: "The new threshold.")
    var threshold: Int?

    @Option(help: ArgumentHelp("A c2sp.org/tlog-policy file of witness, group and quorum lines: the witnesses the log's checkpoints need (spec/log.md §8.1); 'none' drops them. Default: the current version's. Its log lines are written for you.", valueName: "file"))
    var witnesses: String?

    @Option(help: "What changes and why, for people (default: generated from the options).")
    var summary: String?

    @Option(help: "The proposal's time (default: now).")
    var issued: String?

    func validate() throws {
        guard Slug.isValid(signer) else { throw ValidationError("--signer must be \(Slug.rule)") }
        if !revocations.isEmpty && (reason ?? "").isEmpty { throw ValidationError("--revoke needs a --reason") }
        if let threshold, !(1...1000).contains(threshold) { throw ValidationError("--threshold must be 1 to 1000") }
        if additions.isEmpty && expiries.isEmpty && revocations.isEmpty && threshold == nil && witnesses == nil {
            throw ValidationError("nothing to change: give --add, --expire, --revoke, --threshold or --witnesses")
        }
    }

    static func split(_ text: String, option: String) throws -> (String, Int64?) {
        guard let at = text.lastIndex(of: "@") else { return (text, nil) }
        return (String(text[..<at]), try parsePolicyTime(String(text[text.index(after: at)...]), option: option))
    }

    /// The options as a change: keys read from their files, times parsed.
    func amendment() throws -> PolicyAmendment {
        var amendment = PolicyAmendment()
        for expiry in expiries {
            let (keyText, time) = try Self.split(expiry, option: "--expire")
            guard let time else { throw ValidationError("--expire \(expiry): say when, KEY@TIME") }
            amendment.expiries.append(.init(fingerprint: try fingerprint(keyText), at: time))
        }
        for revocation in revocations {
            let (keyText, time) = try Self.split(revocation, option: "--revoke")
            guard let time else { throw ValidationError("--revoke \(revocation): say from when, KEY@TIME") }
            amendment.revocations.append(.init(fingerprint: try fingerprint(keyText), at: time))
        }
        for addition in additions {
            let (assignment, time) = try Self.split(addition, option: "--add")
            let parts = assignment.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, Slug.isValid(parts[0]) else { throw ValidationError("--add \(addition): NAME=KEY.pub[@TIME] with NAME \(Slug.rule)") }
            amendment.additions.append(.init(principal: parts[0], key: try KeyFiles.readPublicKey(at: parts[1]).key, from: time))
        }
        amendment.reason = reason ?? ""
        amendment.threshold = threshold
        amendment.witnesses = witnesses.map { $0 == "none" ? .none : .file($0) } ?? .keep
        amendment.summary = summary
        return amendment
    }

    func run() throws {
        let privateKey = try KeyFiles.readPrivateKey(at: key).key
        let issuedAt = try issued.map { try parsePolicyTime($0, option: "--issued") } ?? WallClock.nowMilliseconds / 1000
        let proposal: PolicyAmendment.Proposal
        do {
            proposal = try amendment().propose(in: DatasetDirectory(dataset), issued: issuedAt, key: privateKey, signer: signer)
        } catch let error as PolicyAmendmentError {
            throw Failure(message: error.reason)
        }
        let needed = proposal.approvalsNeeded
        print("Proposed \(proposal.relativePath): \(proposal.document.summary)")
        print("It takes effect with \(needed) approval\(needed == 1 ? "" : "s") by signers of version \(proposal.currentVersion) (this is 1); publish it with 'assay publish', then the others run 'assay policy approve'.")
    }
}

struct PolicyApprove: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "approve",
        abstract: "Review a pending policy version and sign your approval.",
        discussion: """
            Shows what the version changes against the one before (for the genesis, --version 1: \
            what it establishes), then adds policy/NNNN/signatures/SIGNER.sig. Your approval counts \
            if the version before (for the genesis, the genesis itself) lets SIGNER approve policy \
            changes with KEY.

            Example:
              assay policy approve --dataset ./dataset --key keys/gw-b --signer gw-b
            """)

    @Option(help: "The dataset directory.")
    var dataset: String

    @Option(help: "Your private key.")
    var key: String

    @Option(help: "Your principal in the policy version before the one you approve.")
    var signer: String

    @Option(help: "The version to approve (default: the newest).")
    var version: Int?

    func run() throws {
        let privateKey = try KeyFiles.readPrivateKey(at: key).key
        let directory = DatasetDirectory(dataset)
        let chain = PolicyChain.evaluate(directory, descriptor: try directory.descriptor())
        let number = version ?? chain.versions.last?.version ?? 1
        guard let target = chain.versions.first(where: { $0.version == number }), let policy = target.policy else {
            throw Failure(message: "there is no valid policy version \(number) to approve: \(chain.findings.map(\.description).joined(separator: "; "))")
        }
        // The genesis is approved by its own signers, every later version by those of the version before.
        let approvers: TrustPolicy
        do { approvers = try PolicyAmendment.approvingPolicy(of: number, in: chain, policy: policy) } catch let error as PolicyAmendmentError {
            throw Failure(message: error.reason)
        }
        let relative = PolicyDocument.relativePath(version: number)
        let bytes = try Files.read("\(directory.root)/\(relative)/policy.json", limit: 1 << 20)
        let document = try PolicyDocument(bytes: bytes)
        print("Version \(number) (\(relative)), issued \(UTCTime.seconds(document.issued)): \(document.summary)")
        if number == 1 {
            print("  the genesis of dataset \(document.dataset): threshold \(policy.threshold); hash \(target.hash ?? "?")")
            for line in policy.signers.entries.map(\.text).sorted() { print("  + \(line)") }
        } else {
            if policy.threshold != approvers.threshold { print("  threshold \(approvers.threshold) → \(policy.threshold)") }
            let oldLines = Set(approvers.signers.entries.map(\.text)), newLines = Set(policy.signers.entries.map(\.text))
            for line in oldLines.subtracting(newLines).sorted() { print("  - \(line)") }
            for line in newLines.subtracting(oldLines).sorted() { print("  + \(line)") }
            for revocation in policy.revocations where !approvers.revocations.contains(revocation) {
                print("  revoke \(revocation.fingerprint) from \(UTCTime.seconds(revocation.from)): \(revocation.reason)")
            }
        }
        if number == 1 || policy.witnesses != approvers.witnesses {
            // The witnesses it requires (spec/log.md §8.1), shown in full when they change.
            print(policy.witnesses.quorum == WitnessPolicy.none ? "  witnesses: none (quorum none)" : "  witnesses (quorum \(policy.witnesses.quorum)):")
            for witness in policy.witnesses.witnesses { print("    \(witness.name)  \(witness.key)") }
            for group in policy.witnesses.groups { print("    group \(group.name): \(group.threshold) of \(group.members.joined(separator: ", "))") }
        }
        let approval: PolicyAmendment.Approval
        do { approval = try PolicyAmendment.approve(version: number, in: directory, key: privateKey, signer: signer) } catch let error as PolicyAmendmentError {
            throw Failure(message: error.reason)
        }
        print("Approved as \(signer): \(approval.approvals) of \(approval.needed) needed"
              + (approval.approvals >= approval.needed ? "; the version takes effect once published." : "."))
    }
}
