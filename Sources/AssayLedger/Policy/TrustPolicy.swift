import AssayCore
import AssayCrypto

/// A revoked key (spec/policy.md §3): its signatures do not count from `from` on.
public struct Revocation: Equatable, Sendable {
    /// `SHA256:…` as `ssh-keygen -l` prints it.
    public let fingerprint: String
    /// Seconds since the epoch.
    public let from: Int64
    public let reason: String

    public init(fingerprint: String, from: Int64, reason: String) {
        self.fingerprint = fingerprint
        self.from = from
        self.reason = reason
    }
}

/// The rules a signature is judged by: who may sign what and when, how many
/// distinct signers a bundle needs, and which keys are revoked
/// (spec/policy.md §1, §4).
public struct TrustPolicy: Sendable {
    /// 1 for the genesis (top-level `allowed_signers`), N for `policy/NNNN`; 0 for a pinned file.
    public let version: Int
    /// SHA-256 of `policy.json` (of `allowed_signers` for version 1 and pinned files).
    public let hash: String
    public let threshold: Int
    public let signers: AllowedSigners
    public let revocations: [Revocation]
    /// Who must cosign the log's checkpoints (spec/log.md §8.1).
    public let witnesses: WitnessPolicy

    public init(version: Int, hash: String, threshold: Int, signers: AllowedSigners, revocations: [Revocation] = [],
                witnesses: WitnessPolicy = .empty) {
        self.version = version
        self.hash = hash
        self.threshold = threshold
        self.signers = signers
        self.revocations = revocations
        self.witnesses = witnesses
    }

    /// How one signature by `key` for `principal` fares under this policy.
    public enum Standing: Equatable, Sendable {
        case counts
        /// The key is revoked from a time at or before `time`.
        case revoked(Revocation)
        /// allowed_signers does not let the principal use the key for the namespace at the time.
        case notAllowed
    }

    /// The revocation of `key` in force at `time`, if any.
    public func revocation(of key: Ed25519PublicKey, at time: Int64) -> Revocation? {
        let fingerprint = OpenSSHPublicKey(key).fingerprint
        return revocations.first { $0.fingerprint == fingerprint && $0.from <= time }
    }

    public func standing(principal: String, key: Ed25519PublicKey, namespace: String, at time: Int64) -> Standing {
        if let revocation = revocation(of: key, at: time) { return .revoked(revocation) }
        return signers.allows(principal: principal, key: key, namespace: namespace, at: time) ? .counts : .notAllowed
    }

    /// Principal patterns that some unrevoked key lets sign `namespace` at `time`, sorted, each once.
    public func principals(namespace: String, at time: Int64) -> [String] {
        let patterns = signers.entries.filter { entry in
            entry.permits(namespace: namespace, at: time) && revocation(of: entry.key, at: time) == nil
        }.flatMap(\.principals)
        return Array(Set(patterns)).sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
    }

    /// The Ed25519 keys that may sign the log's checkpoints: those allowed_signers gives for `assay-manifest-v1`
    /// (at any time) that no revocation names (spec/log.md §8.1), each once.
    public var logKeys: Set<Ed25519PublicKey> {
        let revoked = Set(revocations.map(\.fingerprint))
        return Set(signers.entries.filter { entry in
            entry.namespaces.map { AllowedSigners.matchesList(DatasetDirectory.manifestNamespace, patterns: $0) } ?? true
        }.map(\.key).filter { !revoked.contains(OpenSSHPublicKey($0).fingerprint) })
    }

    /// The namespaces a key in a policy version N ≥ 2 may be granted (spec/policy.md §1.2).
    public static let assayNamespaces = [DatasetDirectory.manifestNamespace, DatasetDirectory.scoresNamespace,
                                         DatasetDirectory.policyNamespace, "git"]
}
