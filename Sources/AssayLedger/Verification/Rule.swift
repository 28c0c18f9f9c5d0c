/// Every rule a verifier applies, with its stable code, its severity and the
/// section of the spec that defines it (spec/dataset.md §8 lists them all).
/// A finding carries one of these, never a free-form string; the spec's rule
/// tables and the independent verifier's codes are checked against this list
/// by a test.
public enum Rule: String, CaseIterable, Sendable, Comparable {
    // The dataset as a whole.
    case descriptor
    case genesis
    case allowedSigners = "allowed-signers"
    case unlistedFile = "unlisted-file"
    case bundlePath = "bundle-path"
    case fileType = "file-type"
    case unreadable
    // One bundle.
    case manifest
    case manifestLocation = "manifest-location"
    case fileMissing = "file-missing"
    case fileSize = "file-size"
    case fileHash = "file-hash"
    case fileEncoding = "file-encoding"
    case notFetched = "not-fetched"
    case shard
    case recordInvalid = "record-invalid"
    case recordNotCanonical = "record-not-canonical"
    case recordDay = "record-day"
    case recordOrder = "record-order"
    case recordCount = "record-count"
    case merkleRoot = "merkle-root"
    case conflicts
    case coverage
    case signature
    case unknownSigner = "unknown-signer"
    case revokedSigner = "revoked-signer"
    case duplicateSigner = "duplicate-signer"
    case threshold
    // The trust policy.
    case policy
    case policyChain = "policy-chain"
    case policySignature = "policy-signature"
    case policyPending = "policy-pending"
    // The chain and time.
    case chainStart = "chain-start"
    case chainLink = "chain-link"
    case chainFork = "chain-fork"
    case chainGap = "chain-gap"
    case stale
    case future
    case rollback
    case policyRollback = "policy-rollback"
    // Published scores.
    case scoresDocument = "scores-document"
    case scoresInput = "scores-input"
    case scoresIncomplete = "scores-incomplete"
    case scoresMismatch = "scores-mismatch"
    case scoresSignature = "scores-signature"
    // The job tester's publications (spec/probe.md §7).
    case probePlan = "probe-plan"
    case probeFile = "probe-file"
    case probeCommitment = "probe-commitment"
    case probeTiming = "probe-timing"
    // The log (spec/log.md §7).
    case log
    case logEntry = "log-entry"
    case checkpointSignature = "checkpoint-signature"
    case checkpointThreshold = "checkpoint-threshold"
    case splitView = "split-view"
    case logBehind = "log-behind"
    // Witnesses (spec/log.md §8).
    case cosignature
    case witnessQuorum = "witness-quorum"
    case unwitnessed
    // Record proofs.
    case proof
    case proofBinding = "proof-binding"
    // git (the full build only).
    case commitSignature = "commit-signature"
    case history
    case worktree

    /// How a finding of this rule counts: errors fail verification, warnings are reported.
    public var severity: Finding.Severity {
        switch self {
        case .chainGap, .duplicateSigner, .revokedSigner, .policyPending, .unwitnessed, .probeTiming: .warning
        default: .error
        }
    }

    /// The section of spec/ that defines the rule.
    public var section: String {
        switch self {
        case .descriptor: "dataset.md §3"
        case .genesis: "dataset.md §8.4"
        case .allowedSigners: "signatures.md §4"
        case .unlistedFile, .bundlePath: "dataset.md §2"
        case .fileType, .unreadable: "dataset.md §8.1"
        case .manifest, .manifestLocation, .fileMissing, .fileSize, .fileHash: "dataset.md §4.3"
        case .recordInvalid, .recordNotCanonical, .recordDay, .recordOrder, .recordCount, .merkleRoot: "dataset.md §4.1"
        case .fileEncoding, .notFetched: "dataset.md §4.7"
        case .shard: "dataset.md §4.6"
        case .conflicts: "dataset.md §4.2"
        case .coverage: "dataset.md §4.4"
        case .signature, .unknownSigner, .duplicateSigner, .threshold: "dataset.md §6"
        case .revokedSigner: "policy.md §3"
        case .policy, .policyChain, .policySignature, .policyPending: "policy.md §2"
        case .chainStart, .chainLink, .chainFork, .chainGap: "dataset.md §7"
        case .stale, .future: "dataset.md §8"
        case .rollback, .policyRollback: "dataset.md §8.2"
        case .scoresDocument, .scoresInput, .scoresIncomplete, .scoresMismatch, .scoresSignature: "scoring.md §10"
        case .probePlan, .probeFile, .probeCommitment, .probeTiming: "probe.md §7.4"
        case .log, .logEntry, .checkpointSignature, .checkpointThreshold, .splitView, .logBehind: "log.md §7.5"
        case .cosignature, .witnessQuorum, .unwitnessed: "log.md §8.3"
        case .proof, .proofBinding: "dataset.md §8.3"
        case .commitSignature, .history, .worktree: "dataset.md §9"
        }
    }

    public static func < (a: Rule, b: Rule) -> Bool { a.rawValue < b.rawValue }
}
