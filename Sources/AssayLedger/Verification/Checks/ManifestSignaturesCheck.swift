import AssayCore
import AssayCrypto

/// `unknown-signer`, `revoked-signer`, `duplicate-signer` and `threshold` (with
/// `signature` from `SignatureFiles`): which of a manifest's valid signatures
/// count under the trust policy on the bundle's day, and whether enough do
/// (spec/dataset.md §6, spec/policy.md §3).
struct ManifestSignaturesCheck {
    let root: String
    let policy: TrustPolicy
    let day: UTCDay
    /// The bundle's directory, relative to the dataset.
    let base: String

    /// The principals whose signatures count, sorted by their UTF-8 bytes.
    func check(_ manifestBytes: [UInt8], log: inout FindingLog) -> [String] {
        let namespace = DatasetDirectory.manifestNamespace
        let time = day.startMs / 1000
        var usedKeys: [Ed25519PublicKey: String] = [:]
        var counting: [String] = []
        for valid in SignatureFiles.verify(manifestBytes, namespace: namespace, root: root, relative: base, log: &log) {
            let signer = valid.signer, path = valid.path, key = valid.signature.publicKey
            switch policy.standing(principal: signer, key: key.key, namespace: namespace, at: time) {
            case .counts: break
            case .revoked(let revocation):
                log.add(.revokedSigner, path,
                        "\(signer)'s key \(key.fingerprint) is revoked from \(UTCTime.seconds(revocation.from)) (\(revocation.reason)); it does not count for \(day)")
                continue
            case .notAllowed:
                let known = !policy.signers.principals(for: key.key, namespace: namespace, at: nil).isEmpty
                log.add(.unknownSigner, path, known
                    ? "\(signer)'s key \(key.fingerprint) is not valid for \(day) in allowed_signers"
                    : "allowed_signers does not let '\(signer)' sign manifests with \(key.fingerprint)")
                continue
            }
            if let first = usedKeys[key.key] {
                log.add(.duplicateSigner, path, "the key \(key.fingerprint) already signed as '\(first)'; it counts once")
                continue
            }
            usedKeys[key.key] = signer
            counting.append(signer)
        }
        counting.sort { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        if counting.count < policy.threshold {
            log.add(.threshold, "\(base)/signatures",
                    "\(counting.count) of \(policy.threshold) required signatures count"
                        + (counting.isEmpty ? "" : " (\(counting.joined(separator: ", ")))"))
        }
        return counting
    }
}
