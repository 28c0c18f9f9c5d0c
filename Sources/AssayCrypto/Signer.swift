/// What makes Ed25519 signatures for Assay: bundle manifests, co-signatures, commits, published
/// scores, policy approvals and log checkpoints all take a signer, never a key. A private key in
/// memory (`Ed25519PrivateKey`) is one; an SSH agent or a hardware key can be another without
/// touching the code that signs.
public protocol Ed25519Signer: Sendable {
    /// The public key the signatures verify under.
    var publicKey: Ed25519PublicKey { get }
    /// The RFC 8032 signature of `message`.
    func signature(for message: some Collection<UInt8>) throws(CryptoError) -> [UInt8]
}

extension Ed25519PrivateKey: Ed25519Signer {}
