import AssayCore
import AssayCrypto
import AssayLedger

/// Why a policy change could not be proposed or approved.
public struct PolicyAmendmentError: Error, Equatable, Sendable, CustomStringConvertible {
    public let reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}

/// A change to a dataset's trust policy (spec/policy.md §2): the next version starts from the
/// current one, and `propose` writes it as policy/NNNN with the proposer's signature as its first
/// approval. Committing and pushing it is `DatasetPublisher`'s.
public struct PolicyAmendment: Sendable {
    /// A principal gets a key for Assay's namespaces, valid from an optional time (seconds).
    public struct Addition: Sendable {
        public let principal: String
        public let key: Ed25519PublicKey
        public let from: Int64?
        public init(principal: String, key: Ed25519PublicKey, from: Int64?) {
            self.principal = principal
            self.key = key
            self.from = from
        }
    }

    /// A key (by fingerprint) that stops at a time (seconds).
    public struct Ending: Sendable {
        public let fingerprint: String
        public let at: Int64
        public init(fingerprint: String, at: Int64) {
            self.fingerprint = fingerprint
            self.at = at
        }
    }

    /// The witnesses of the new version (spec/log.md §8.1).
    public enum Witnesses: Sendable, Equatable {
        /// The current version's, if it has any.
        case keep
        /// None.
        case none
        /// A c2sp.org/tlog-policy file of witness, group and quorum lines.
        case file(String)
    }

    public var additions: [Addition] = []
    /// Keys that expire: a rotation adds the new key from the same time.
    public var expiries: [Ending] = []
    /// Keys compromised from a time on.
    public var revocations: [Ending] = []
    /// Why the keys are revoked (required with revocations).
    public var reason = ""
    public var threshold: Int?
    public var witnesses = Witnesses.keep
    /// What changes and why, for people (default: generated from the changes).
    public var summary: String?

    public init() {}

    /// What `propose` wrote.
    public struct Proposal: Sendable {
        public let relativePath: String
        public let document: PolicyDocument
        /// The version it amends, and how many of its signers must approve.
        public let currentVersion: Int
        public let approvalsNeeded: Int
    }

    /// Writes the next version of `directory`'s policy, issued at `issued` (seconds), and signs it
    /// with `key` as `signer`'s approval. Refused when the newest version is still pending, when
    /// the new signers would break spec/policy.md §1.2, or when `signer` may not approve.
    public func propose(in directory: DatasetDirectory, issued: Int64, key: any Ed25519Signer, signer: String) throws -> Proposal {
        let descriptor = try directory.descriptor()
        let chain = PolicyChain.evaluate(directory, descriptor: descriptor)
        guard let current = chain.current, let newest = chain.versions.last else {
            throw PolicyAmendmentError("\(directory.root): the policy cannot be read: \(chain.findings.map(\.description).joined(separator: "; "))")
        }
        guard newest.holds else {
            throw PolicyAmendmentError("version \(newest.version) is still pending (\(newest.approvals.count) of \(newest.needed) approvals); approve it or wait before proposing another change")
        }
        if !revocations.isEmpty && reason.isEmpty { throw PolicyAmendmentError("a revocation needs a reason") }
        var entries = current.signers.entries
        var changes: [String] = []
        for expiry in expiries {
            guard entries.contains(where: { OpenSSHPublicKey($0.key).fingerprint == expiry.fingerprint }) else {
                throw PolicyAmendmentError("no key \(expiry.fingerprint) in the current policy to expire")
            }
            entries = Self.ending(entries, fingerprint: expiry.fingerprint, at: expiry.at)
            changes.append("expire \(expiry.fingerprint) at \(UTCTime.seconds(expiry.at))")
        }
        var revoked = current.revocations
        for revocation in revocations {
            revoked.removeAll { $0.fingerprint == revocation.fingerprint && $0.from <= revocation.at }
            if !revoked.contains(where: { $0.fingerprint == revocation.fingerprint }) {
                revoked.append(Revocation(fingerprint: revocation.fingerprint, from: revocation.at, reason: reason))
            }
            entries = Self.ending(entries, fingerprint: revocation.fingerprint, at: revocation.at)
            changes.append("revoke \(revocation.fingerprint) from \(UTCTime.seconds(revocation.at))")
        }
        for addition in additions {
            guard Slug.isValid(addition.principal) else { throw PolicyAmendmentError("principal '\(addition.principal)' must be \(Slug.rule)") }
            entries.append(.init(principals: [addition.principal], key: addition.key, namespaces: TrustPolicy.assayNamespaces,
                                 validAfter: addition.from, validBefore: nil))
            changes.append("add \(OpenSSHPublicKey(addition.key).fingerprint) for \(addition.principal)" + (addition.from.map { " from \(UTCTime.seconds($0))" } ?? ""))
        }
        if let threshold { changes.append("threshold \(current.threshold) → \(threshold)") }
        switch witnesses {
        case .keep: break
        case .none: changes.append("no witnesses")
        case .file(let path): changes.append("witnesses from \(path.split(separator: "/").last.map(String.init) ?? path)")
        }
        let version = newest.version + 1
        guard version <= PolicyDocument.maxVersion else { throw PolicyAmendmentError("the policy has reached its last version number") }
        // Lines written before this version may lack the namespaces option; give them Assay's.
        entries = entries.map { entry in
            .init(principals: entry.principals, key: entry.key,
                  namespaces: (entry.namespaces ?? TrustPolicy.assayNamespaces).filter { TrustPolicy.assayNamespaces.contains($0) },
                  validAfter: entry.validAfter, validBefore: entry.validBefore)
        }
        let signers = AllowedSigners(entries: entries)
        let signersBytes = Array(signers.text(header: ["Trust policy version \(version) of dataset \(descriptor.id) (spec/policy.md)."]).utf8)
        if let problem = PolicyChain.selfContainmentProblems(try AllowedSigners(text: String(decoding: signersBytes, as: UTF8.self)), revocations: revoked).first {
            throw PolicyAmendmentError("the new allowed_signers would break spec/policy.md §1.2: \(problem)")
        }
        let witnessesBytes = try witnessFile(directory, current: current, version: version, signers: signers, revoked: revoked, datasetID: descriptor.id)
        let document = PolicyDocument(dataset: descriptor.id, version: version, prevSHA256: current.hash, issued: issued,
                                      threshold: threshold ?? current.threshold, allowedSigners: signersBytes, witnesses: witnessesBytes,
                                      revocations: revoked, summary: summary ?? changes.joined(separator: "; "))
        let documentBytes = document.bytes()
        guard case .counts = current.standing(principal: signer, key: key.publicKey, namespace: DatasetDirectory.policyNamespace, at: document.issued) else {
            throw PolicyAmendmentError("version \(current.version) does not let '\(signer)' approve policy changes with \(OpenSSHPublicKey(key.publicKey).fingerprint); the proposal would have no valid approval")
        }
        let signature = try SSHSignature.sign(documentBytes, namespace: DatasetDirectory.policyNamespace, with: key)
        let relative = PolicyDocument.relativePath(version: version)
        try directory.installDirectory(at: "\(directory.root)/\(relative)", files: [
            ("policy.json", documentBytes, nil),
            (DatasetDirectory.allowedSignersName, signersBytes, nil),
            ("signatures/\(signer).sig", Array(signature.armored.utf8), nil),
        ] + (witnessesBytes.map { [(DatasetDirectory.witnessesName, $0, nil)] } ?? []))
        return Proposal(relativePath: relative, document: document, currentVersion: current.version, approvalsNeeded: current.threshold)
    }

    /// The new version's witnesses file: as given, or the current version's, with the log lines of the new signers.
    func witnessFile(_ directory: DatasetDirectory, current: TrustPolicy, version: Int, signers: AllowedSigners, revoked: [Revocation],
                     datasetID: String) throws -> [UInt8]? {
        let currentPath = "\(directory.root)/\(PolicyDocument.relativePath(version: current.version))/\(DatasetDirectory.witnessesName)"
        let source: String
        switch witnesses {
        case .none: return nil
        case .file(let path): source = path
        case .keep:
            guard Files.kind(currentPath) == .regular else { return nil }
            source = currentPath
        }
        let logKeys = TrustPolicy(version: version, hash: "", threshold: 1, signers: signers, revocations: revoked).logKeys
        do {
            return try WitnessPolicy.file(logKeys: logKeys, origin: DatasetLog.origin(datasetID: datasetID),
                                          witnesses: try Files.read(source, limit: WitnessPolicy.byteLimit))
        } catch let error as NoteError {
            throw PolicyAmendmentError("\(source): \(error.reason)")
        }
    }

    /// The entries with every line of the key ending at `time`: valid-before one second earlier,
    /// because ssh-keygen counts the valid-before second as valid (spec/policy.md §1.2).
    static func ending(_ entries: [AllowedSigners.Entry], fingerprint: String, at time: Int64) -> [AllowedSigners.Entry] {
        entries.map { entry in
            guard OpenSSHPublicKey(entry.key).fingerprint == fingerprint else { return entry }
            return .init(principals: entry.principals, key: entry.key, namespaces: entry.namespaces,
                         validAfter: entry.validAfter, validBefore: min(entry.validBefore ?? .max, time - 1))
        }
    }

    /// What `approve` signed.
    public struct Approval: Sendable {
        public let relativePath: String
        /// Valid approvals with this one, and how many the version needs.
        public let approvals: Int
        public let needed: Int
    }

    /// Adds `signer`'s approval of policy version `version` (spec/policy.md §2): counted only if the
    /// version before (for the genesis, the genesis itself) lets `signer` approve with `key`.
    public static func approve(version: Int, in directory: DatasetDirectory, key: any Ed25519Signer, signer: String) throws -> Approval {
        let chain = PolicyChain.evaluate(directory, descriptor: try directory.descriptor())
        guard let target = chain.versions.first(where: { $0.version == version }), let policy = target.policy else {
            throw PolicyAmendmentError("there is no valid policy version \(version) to approve: \(chain.findings.map(\.description).joined(separator: "; "))")
        }
        let approvers = try approvingPolicy(of: version, in: chain, policy: policy)
        let relative = PolicyDocument.relativePath(version: version)
        let bytes = try Files.read("\(directory.root)/\(relative)/policy.json", limit: 1 << 20)
        let document = try PolicyDocument(bytes: bytes)
        guard case .counts = approvers.standing(principal: signer, key: key.publicKey, namespace: DatasetDirectory.policyNamespace, at: document.issued) else {
            throw PolicyAmendmentError("version \(approvers.version) does not let '\(signer)' approve with \(OpenSSHPublicKey(key.publicKey).fingerprint); the approval would not count")
        }
        let path = "\(directory.root)/\(relative)/signatures/\(signer).sig"
        guard !Files.exists(path) else { throw PolicyAmendmentError("\(relative)/signatures/\(signer).sig already exists") }
        let signature = try SSHSignature.sign(bytes, namespace: DatasetDirectory.policyNamespace, with: key)
        try Files.createExclusive(path, contents: Array(signature.armored.utf8), mode: 0o644)
        try Files.syncDirectory(of: path)
        return Approval(relativePath: relative, approvals: target.approvals.count + 1, needed: target.needed)
    }

    /// The policy whose signers approve `version`: the genesis approves itself, every later version the one before.
    public static func approvingPolicy(of version: Int, in chain: PolicyChain, policy: TrustPolicy) throws -> TrustPolicy {
        if version == 1 { return policy }
        guard let before = chain.versions.first(where: { $0.version == version - 1 })?.policy else {
            throw PolicyAmendmentError("policy version \(version - 1) is not valid, so version \(version) cannot be approved")
        }
        return before
    }
}
