import AssayCore
import AssayCrypto

/// The signature files of one signed document — a bundle's manifest,
/// published scores, a policy version — read and checked under one rule
/// (spec/dataset.md §8, `signature`): every `signatures/<signer>.sig` must be a
/// readable SSHSIG that verifies over the document for its namespace, or it is
/// an error, whoever else signed. The caller then judges who counts.
public struct SignatureFiles {
    /// One signature file that verified over the document.
    public struct Valid {
        public let signer: String
        /// The file, relative to the dataset.
        public let path: String
        public let signature: SSHSignature
    }

    /// Reads `relative/signatures/` (under the dataset `root`) and verifies each file over
    /// `document` for `namespace`; bad files are `signature` findings. Files the layout check
    /// refuses (wrong names, links, devices) are left to it and never opened.
    public static func verify(_ document: [UInt8], namespace: String, root: String, relative: String,
                              log: inout FindingLog) -> [Valid] {
        let directory = "\(root)/\(relative)/signatures"
        // Absent, or not a directory: the layout check reports the second (`file-type`).
        guard Files.kind(directory) == .directory else { return [] }
        let entries: [Files.Entry]
        do { entries = try DatasetDirectory.entries(directory) } catch {
            log.add(.unreadable, "\(relative)/signatures", "cannot be listed: \(error)")
            return []
        }
        // One SHA-512 of the document serves every signature made the usual way (ssh-keygen's default).
        let digest = MessageDigest.sha512(document)
        var valid: [Valid] = []
        for entry in entries where entry.kind == .regular && entry.name.hasSuffix(".sig") && Slug.isValid(String(entry.name.dropLast(4))) {
            let path = "\(relative)/signatures/\(entry.name)"
            let signature: SSHSignature
            do {
                let bytes = try Files.readRegular("\(directory)/\(entry.name)", limit: DatasetDirectory.signatureLimit)
                signature = try SSHSignature(armored: String(decoding: bytes, as: UTF8.self))
            } catch {
                log.add(.signature, path, "cannot be read as an SSH signature: \(error)")
                continue
            }
            do {
                if signature.hashAlgorithm == .sha512 {
                    try signature.verify(messageDigest: digest, namespace: namespace)
                } else {
                    try signature.verify(document, namespace: namespace)
                }
            } catch {
                log.add(.signature, path, "does not verify over the document it signs (namespace \(namespace)): \(error.reason)")
                continue
            }
            valid.append(Valid(signer: String(entry.name.dropLast(4)), path: path, signature: signature))
        }
        return valid
    }
}
