import AssayCore
import AssayCrypto

/// The dataset's policy versions checked in order from the genesis
/// (spec/policy.md §1–§2): which hold, who approved each, and the current policy.
public struct PolicyChain: Sendable {
    /// One version and how it stands.
    public struct Version: Sendable {
        public let version: Int
        /// The version's hash, when its document could be read.
        public let hash: String?
        /// Whether it holds: approved by enough signers of the approving version (its own, for the genesis).
        public let holds: Bool
        /// Principals whose approvals count, sorted.
        public let approvals: [String]
        /// Approvals it needed: the previous version's threshold, or the genesis's own.
        public let needed: Int
        /// The policy it defines, when valid.
        public let policy: TrustPolicy?
        /// When it was proposed (nil when the document is invalid).
        public let issued: Int64?
        public let summary: String
    }

    public let versions: [Version]
    /// The newest version that holds; nil when the genesis does not hold.
    public let current: TrustPolicy?
    /// The genesis hash (SHA-256 of policy/0001/policy.json), when it could be read.
    public let genesisHash: String?
    public let findings: [Finding]

    /// Reads `policy/0001` (the genesis, which must name the descriptor's bytes and be approved by
    /// its own signers) and every later `policy/NNNN`, each checked against the one before.
    public static func evaluate(_ directory: DatasetDirectory, descriptor: DatasetDescriptor) -> PolicyChain {
        var log = FindingLog()
        let names: [String]
        do { names = try DatasetDirectory.list("\(directory.root)/\(DatasetDirectory.policyName)") } catch {
            if Files.kind("\(directory.root)/\(DatasetDirectory.policyName)") == nil {
                log.add(.policyChain, PolicyDocument.relativePath(version: 1), "is missing: the dataset has no genesis, so nothing in it can be trusted")
            } else {
                log.add(.unreadable, DatasetDirectory.policyName, "cannot be listed: \(error)")
            }
            return PolicyChain(versions: [], current: nil, genesisHash: nil, findings: log.all)
        }
        var versions: [Version] = []
        var current: TrustPolicy?
        var previous: (policy: TrustPolicy, issued: Int64?, holds: Bool)?
        for (offset, name) in names.enumerated() {
            let number = offset + 1
            let relative = PolicyDocument.relativePath(version: number)
            guard name == String(relative.split(separator: "/").last!) else {
                log.add(.policyChain, "\(DatasetDirectory.policyName)/\(name)",
                        "policy versions are policy/0001, policy/0002, … without gaps; expected \(relative) here")
                break
            }
            let version = check(directory, version: number, relative: relative, descriptor: descriptor, previous: previous, log: &log)
            versions.append(version)
            if let previous, !previous.holds {
                log.add(.policyChain, relative, "follows version \(number - 1), which does not hold; a change builds on the policy in effect")
            }
            if version.holds, let policy = version.policy { current = policy }
            guard let policy = version.policy ?? previous?.policy else { break }  // no genesis to build on
            previous = (policy, version.issued ?? previous?.issued, version.holds)
        }
        if names.isEmpty {
            log.add(.policyChain, PolicyDocument.relativePath(version: 1), "is missing: the dataset has no genesis, so nothing in it can be trusted")
        }
        if let genesis = versions.first, genesis.policy != nil, !genesis.holds {
            log.add(.genesis, PolicyDocument.relativePath(version: 1),
                    "is approved by \(genesis.approvals.count) of the \(genesis.needed) of its own signers it needs"
                        + (genesis.approvals.isEmpty ? "" : " (\(genesis.approvals.joined(separator: ", ")))")
                        + ": the dataset has no policy in effect, so no signature in it counts")
        }
        if let last = versions.last, !last.holds, last.version > 1, last.policy != nil, versions.dropLast().last?.holds == true {
            log.add(.policyPending, PolicyDocument.relativePath(version: last.version),
                    "is not in effect: approved by \(last.approvals.count) of the \(last.needed) required"
                        + (last.approvals.isEmpty ? "" : " (\(last.approvals.joined(separator: ", ")))"))
        }
        return PolicyChain(versions: versions, current: current, genesisHash: versions.first?.hash, findings: log.all)
    }

    /// Checks one version against the one before (spec/policy.md §2); `previous` is nil for the genesis.
    static func check(_ directory: DatasetDirectory, version number: Int, relative: String, descriptor: DatasetDescriptor,
                      previous: (policy: TrustPolicy, issued: Int64?, holds: Bool)?, log: inout FindingLog) -> Version {
        let absolute = "\(directory.root)/\(relative)"
        let documentPath = "\(relative)/policy.json"
        func invalid(_ hash: String?, needed: Int? = nil) -> Version {
            Version(version: number, hash: hash, holds: false, approvals: [], needed: needed ?? previous?.policy.threshold ?? 0,
                    policy: nil, issued: nil, summary: "")
        }
        let bytes: [UInt8]
        do { bytes = try Files.readRegular("\(absolute)/policy.json", limit: DatasetDirectory.policyDocumentLimit) } catch {
            log.add(.policy, documentPath, "cannot be read: \(error)")
            return invalid(nil)
        }
        let hash = MessageDigest.sha256(bytes).hex
        let document: PolicyDocument
        do { document = try PolicyDocument(bytes: bytes) } catch {
            log.add(.policy, documentPath, error.reason)
            return invalid(hash)
        }
        var valid = true
        if document.dataset != descriptor.id {
            log.add(.policy, documentPath, "names dataset '\(document.dataset)', but dataset.json says '\(descriptor.id)'")
            valid = false
        }
        if document.version != number {
            log.add(.policy, documentPath, "says version \(document.version), but is in the directory of version \(number)")
            valid = false
        }
        if let previous {
            if document.prevVersion != number - 1 || document.prevSHA256 != previous.policy.hash {
                log.add(.policyChain, documentPath,
                        "prev names version \(document.prevVersion.map(String.init) ?? "none") \((document.prevSHA256 ?? "").prefix(12))…, but version \(number - 1) has hash \(previous.policy.hash.prefix(12))…")
                valid = false
            }
            if let earlier = previous.issued, document.issued < earlier {
                log.add(.policyChain, documentPath, "is issued \(UTCTime.seconds(document.issued)), before version \(number - 1) (\(UTCTime.seconds(earlier)))")
                valid = false
            }
            for old in previous.policy.revocations {
                guard let kept = document.revocations.first(where: { $0.fingerprint == old.fingerprint }), kept.from <= old.from else {
                    log.add(.policyChain, documentPath,
                            "drops or postpones the revocation of \(old.fingerprint) from \(UTCTime.seconds(old.from)); revocations are never lifted")
                    valid = false
                    continue
                }
            }
        } else if let named = document.descriptor {
            // The genesis signs the descriptor: dataset.json must be the bytes it names.
            do {
                let descriptorBytes = try Files.readRegular(directory.descriptorPath, limit: DatasetDirectory.descriptorLimit)
                if PolicyDocument.FileReference(descriptorBytes) != named {
                    log.add(.descriptor, DatasetDirectory.descriptorName,
                            "is not the descriptor the genesis signed (\(documentPath) names \(named.size) bytes with SHA-256 \(named.sha256.prefix(16))…)")
                    valid = false
                }
            } catch {
                log.add(.descriptor, DatasetDirectory.descriptorName, "cannot be read: \(error)")
                valid = false
            }
        }
        // The version's allowed_signers: named by hash, Assay's namespaces only, revocations reflected.
        let signersPath = "\(relative)/\(DatasetDirectory.allowedSignersName)"
        var signers: AllowedSigners?
        do {
            let signersBytes = try Files.readRegular("\(absolute)/\(DatasetDirectory.allowedSignersName)", limit: DatasetDirectory.allowedSignersLimit)
            if PolicyDocument.FileReference(signersBytes) != document.allowedSigners {
                log.add(.policy, signersPath, "differs from the size and SHA-256 that policy.json names")
                valid = false
            }
            let parsed = try AllowedSigners(strict: signersBytes)
            for problem in selfContainmentProblems(parsed, revocations: document.revocations) {
                log.add(.policy, signersPath, problem)
                valid = false
            }
            signers = parsed
        } catch let error as AllowedSigners.ParseError {
            log.add(.allowedSigners, signersPath, error.description)
            valid = false
        } catch {
            log.add(.policy, signersPath, "cannot be read: \(error)")
            valid = false
        }
        let witnesses = signers.flatMap { checkWitnesses(document, signers: $0, origin: DatasetLog.origin(datasetID: descriptor.id),
                                                         relative: relative, absolute: absolute, log: &log) }
        if signers != nil && witnesses == nil { valid = false }
        guard valid, let signers, let witnesses else {
            // Approvals are still checked: a bad approval file is an error whatever the document.
            if let previous { _ = checkApprovals(bytes: bytes, issued: document.issued, relative: relative, absolute: absolute, approvers: previous.policy, log: &log) }
            return invalid(hash, needed: previous == nil ? document.threshold : nil)
        }
        let policy = TrustPolicy(version: number, hash: hash, threshold: document.threshold, signers: signers, revocations: document.revocations,
                                 witnesses: witnesses)
        // The genesis is approved by its own signers, every later version by the signers of the one before.
        let approvers = previous?.policy ?? policy
        let approvals = checkApprovals(bytes: bytes, issued: document.issued, relative: relative, absolute: absolute,
                                       approvers: approvers, log: &log)
        return Version(version: number, hash: hash, holds: (previous?.holds ?? true) && approvals.count >= approvers.threshold,
                       approvals: approvals, needed: approvers.threshold, policy: policy, issued: document.issued,
                       summary: document.summary)
    }

    /// The version's `witnesses` file (spec/log.md §8.1): named by hash when present, present when named, a witness
    /// policy whose log keys are exactly the version's checkpoint signers. Nil (and a `policy` error) when it fails.
    static func checkWitnesses(_ document: PolicyDocument, signers: AllowedSigners, origin: String, relative: String, absolute: String,
                               log: inout FindingLog) -> WitnessPolicy? {
        let path = "\(relative)/\(DatasetDirectory.witnessesName)"
        let file = "\(absolute)/\(DatasetDirectory.witnessesName)"
        guard let named = document.witnesses else {
            if Files.kind(file) == nil { return .empty }
            log.add(.policy, path, "is not named by policy.json (a version's witnesses are part of what its approvers signed)")
            return nil
        }
        do {
            let bytes = try Files.readRegular(file, limit: WitnessPolicy.byteLimit)
            guard PolicyDocument.FileReference(bytes) == named else {
                log.add(.policy, path, "differs from the size and SHA-256 that policy.json names")
                return nil
            }
            let witnesses = try WitnessPolicy(assay: bytes, origin: origin)
            let listed = Set(witnesses.logs.compactMap { try? NoteVerifierKey(vkey: $0.key).publicKey })  // each was parsed by init(assay:)
            let expected = TrustPolicy(version: document.version, hash: "", threshold: document.threshold, signers: signers,
                                       revocations: document.revocations).logKeys
            guard listed == expected else {
                log.add(.policy, path, "lists \(listed.count) log key\(listed.count == 1 ? "" : "s"), not the \(expected.count) unrevoked assay-manifest-v1 "
                        + "key\(expected.count == 1 ? "" : "s") of allowed_signers (as vkeys named \(origin))")
                return nil
            }
            return witnesses
        } catch let error as NoteError {
            log.add(.policy, path, error.reason)
        } catch {
            log.add(.policy, path, "cannot be read: \(error)")
        }
        return nil
    }

    /// The §1.2 rules: every line names only Assay's namespaces, and revoked keys end before their revocation.
    public static func selfContainmentProblems(_ signers: AllowedSigners, revocations: [Revocation]) -> [String] {
        var problems: [String] = []
        for entry in signers.entries {
            guard let namespaces = entry.namespaces else {
                problems.append("line \(entry.line): needs a namespaces option (\(TrustPolicy.assayNamespaces.joined(separator: ",")) or fewer)")
                continue
            }
            for namespace in namespaces where !TrustPolicy.assayNamespaces.contains(namespace) {
                problems.append("line \(entry.line): namespace '\(namespace)' is not one of Assay's (\(TrustPolicy.assayNamespaces.joined(separator: ", ")))")
            }
            let fingerprint = OpenSSHPublicKey(entry.key).fingerprint
            if let revocation = revocations.first(where: { $0.fingerprint == fingerprint }),
               (entry.validBefore ?? Int64.max) >= revocation.from {
                problems.append("line \(entry.line): \(fingerprint) is revoked from \(UTCTime.seconds(revocation.from)), so its valid-before must be before that (ssh-keygen counts the valid-before second as valid)")
            }
        }
        return problems
    }

    /// Approval files of a version: each must verify and be allowed by the previous version.
    static func checkApprovals(bytes: [UInt8], issued: Int64, relative: String, absolute: String, approvers: TrustPolicy,
                               log: inout FindingLog) -> [String] {
        var usedKeys: Set<Ed25519PublicKey> = []
        var counting: [String] = []
        let root = String(absolute.dropLast(relative.utf8.count + 1))
        for valid in SignatureFiles.verify(bytes, namespace: DatasetDirectory.policyNamespace, root: root, relative: relative, log: &log) {
            let signer = valid.signer, path = valid.path, signature = valid.signature
            switch approvers.standing(principal: signer, key: signature.publicKey.key, namespace: DatasetDirectory.policyNamespace, at: issued) {
            case .counts:
                if usedKeys.insert(signature.publicKey.key).inserted { counting.append(signer) } else {
                    log.add(.duplicateSigner, path, "the key \(signature.publicKey.fingerprint) already approved this version; it counts once")
                }
            case .revoked(let revocation):
                log.add(.policySignature, path, "is by \(signature.publicKey.fingerprint), revoked from \(UTCTime.seconds(revocation.from)) (\(revocation.reason))")
            case .notAllowed:
                log.add(.policySignature, path,
                          "is by \(signature.publicKey.fingerprint), which version \(approvers.version) does not let '\(signer)' use to approve policy changes at \(UTCTime.seconds(issued))")
            }
        }
        return counting.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
    }
}
