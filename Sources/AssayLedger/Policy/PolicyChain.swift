import AssayCore
import AssayCrypto

/// The dataset's policy versions checked in order (spec/policy.md §1–§2):
/// which hold, who approved each, and the current policy.
public struct PolicyChain: Sendable {
    /// One version and how it stands.
    public struct Version: Sendable {
        public let version: Int
        /// The version's hash, when its document could be read.
        public let hash: String?
        /// Whether it holds (version 1 always does when readable).
        public let holds: Bool
        /// Principals whose approvals count, sorted.
        public let approvals: [String]
        /// Approvals it needed (the previous version's threshold); 0 for version 1.
        public let needed: Int
        /// The policy it defines, when valid.
        public let policy: TrustPolicy?
        /// When it was proposed (nil for version 1).
        public let issued: Int64?
        public let summary: String
    }

    public let versions: [Version]
    /// The newest version that holds; nil when the genesis itself is unreadable.
    public let current: TrustPolicy?
    public let findings: [Finding]

    /// Reads the genesis (top-level `allowed_signers` and the descriptor's
    /// threshold) and every `policy/NNNN`, checking each against the one before.
    public static func evaluate(_ directory: DatasetDirectory, descriptor: DatasetDescriptor) -> PolicyChain {
        var log = FindingLog()
        let genesisBytes: [UInt8]
        let genesisSigners: AllowedSigners
        do {
            genesisBytes = try Files.readRegular(directory.allowedSignersPath, limit: DatasetDirectory.allowedSignersLimit)
            genesisSigners = try AllowedSigners(strict: genesisBytes)
        } catch let error as AllowedSigners.ParseError {
            log.add(.allowedSigners, DatasetDirectory.allowedSignersName, error.description)
            return PolicyChain(versions: [], current: nil, findings: log.all)
        } catch {
            log.add(.allowedSigners, DatasetDirectory.allowedSignersName, "cannot be read: \(error)")
            return PolicyChain(versions: [], current: nil, findings: log.all)
        }
        let genesis = TrustPolicy(version: 1, hash: Hasher.sha256(genesisBytes).hex, threshold: descriptor.threshold, signers: genesisSigners)
        var versions = [Version(version: 1, hash: genesis.hash, holds: true, approvals: [], needed: 0, policy: genesis, issued: nil, summary: "genesis")]
        var current = genesis
        var previous: (policy: TrustPolicy, issued: Int64?, holds: Bool) = (genesis, nil, true)

        let names: [String]
        do { names = try DatasetDirectory.list("\(directory.root)/\(DatasetDirectory.policyName)") } catch {
            log.add(.unreadable, DatasetDirectory.policyName, "cannot be listed: \(error)")
            return PolicyChain(versions: versions, current: nil, findings: log.all)
        }
        for (offset, name) in names.enumerated() {
            let number = offset + 2
            let relative = PolicyDocument.relativePath(version: number)
            guard name == String(relative.split(separator: "/").last!) else {
                log.add(.policyChain, "\(DatasetDirectory.policyName)/\(name)",
                          "policy versions are policy/0002, policy/0003, … without gaps; expected \(relative) here")
                break
            }
            let version = check(directory, version: number, relative: relative, descriptor: descriptor, previous: previous, log: &log)
            versions.append(version)
            if !previous.holds {
                log.add(.policyChain, relative, "follows version \(number - 1), which does not hold; a change builds on the policy in effect")
            }
            if version.holds, let policy = version.policy { current = policy }
            previous = (version.policy ?? previous.policy, version.issued ?? previous.issued, version.holds)
        }
        if let last = versions.last, !last.holds, last.version > 1, last.policy != nil, versions.dropLast().last?.holds == true {
            log.add(.policyPending, PolicyDocument.relativePath(version: last.version),
                        "is not in effect: approved by \(last.approvals.count) of the \(last.needed) required"
                            + (last.approvals.isEmpty ? "" : " (\(last.approvals.joined(separator: ", ")))"))
        }
        return PolicyChain(versions: versions, current: current, findings: log.all)
    }

    /// Checks one version N ≥ 2 against version N−1 (spec/policy.md §2).
    static func check(_ directory: DatasetDirectory, version number: Int, relative: String, descriptor: DatasetDescriptor,
                      previous: (policy: TrustPolicy, issued: Int64?, holds: Bool), log: inout FindingLog) -> Version {
        let absolute = "\(directory.root)/\(relative)"
        let documentPath = "\(relative)/policy.json"
        func invalid(_ hash: String?) -> Version {
            Version(version: number, hash: hash, holds: false, approvals: [], needed: previous.policy.threshold, policy: nil, issued: nil, summary: "")
        }
        let bytes: [UInt8]
        do { bytes = try Files.readRegular("\(absolute)/policy.json", limit: DatasetDirectory.policyDocumentLimit) } catch {
            log.add(.policy, documentPath, "cannot be read: \(error)")
            return invalid(nil)
        }
        let hash = Hasher.sha256(bytes).hex
        let document: PolicyDocument
        do { document = try PolicyDocument(bytes: bytes) } catch {
            log.add(.policy, documentPath, error.reason)
            return invalid(hash)
        }
        var valid = true
        if document.dataset != descriptor.id {
            log.add(.policy, documentPath, "names dataset '\(document.dataset)', but this is '\(descriptor.id)'")
            valid = false
        }
        if document.version != number {
            log.add(.policy, documentPath, "says version \(document.version), but is in the directory of version \(number)")
            valid = false
        }
        if document.prevVersion != number - 1 || document.prevSHA256 != previous.policy.hash {
            log.add(.policyChain, documentPath,
                      "prev names version \(document.prevVersion) \(document.prevSHA256.prefix(12))…, but version \(number - 1) has hash \(previous.policy.hash.prefix(12))…")
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
        // The version's allowed_signers: named by hash, Assay's namespaces only, revocations reflected.
        let signersPath = "\(relative)/\(DatasetDirectory.allowedSignersName)"
        var signers: AllowedSigners?
        do {
            let signersBytes = try Files.readRegular("\(absolute)/\(DatasetDirectory.allowedSignersName)", limit: DatasetDirectory.allowedSignersLimit)
            if Int64(signersBytes.count) != document.allowedSignersSize || Hasher.sha256(signersBytes).hex != document.allowedSignersSHA256 {
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
            log.add(.policy, signersPath, error.description)
            valid = false
        } catch {
            log.add(.policy, signersPath, "cannot be read: \(error)")
            valid = false
        }
        let approvals = checkApprovals(bytes: bytes, issued: document.issued, relative: relative, absolute: absolute,
                                       approvers: previous.policy, log: &log)
        guard valid, let signers else { return invalid(hash) }
        let policy = TrustPolicy(version: number, hash: hash, threshold: document.threshold, signers: signers, revocations: document.revocations)
        return Version(version: number, hash: hash, holds: previous.holds && approvals.count >= previous.policy.threshold,
                       approvals: approvals, needed: previous.policy.threshold, policy: policy, issued: document.issued,
                       summary: document.summary)
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
