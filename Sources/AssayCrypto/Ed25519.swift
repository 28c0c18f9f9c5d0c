internal import CAssayOpenSSL

/// An Ed25519 public key (RFC 8032), 32 bytes.
public struct Ed25519PublicKey: Hashable, Sendable {
    /// The 32-byte encoding of RFC 8032 §5.1.5.
    public let rawRepresentation: [UInt8]

    public init(rawRepresentation bytes: [UInt8]) throws(CryptoError) {
        guard bytes.count == 32 else {
            throw CryptoError(.invalidKey, "an Ed25519 public key is 32 bytes, got \(bytes.count)")
        }
        rawRepresentation = bytes
    }

    /// Verifies `signature` over `message` with OpenSSL's strict RFC 8032
    /// checks (S < L, canonical point encodings); see spec/signatures.md §2.
    public func isValidSignature(_ signature: some Collection<UInt8>, for message: some Collection<UInt8>) -> Bool {
        let signature = Array(signature)
        guard signature.count == 64 else { return false }
        guard let pkey = rawRepresentation.withUnsafeBufferPointer({
            EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nil, $0.baseAddress, 32)
        }) else {
            _ = drainOpenSSLErrors()
            return false
        }
        defer { EVP_PKEY_free(pkey) }
        guard let context = EVP_MD_CTX_new() else { return false }
        defer { EVP_MD_CTX_free(context) }
        guard EVP_DigestVerifyInit(context, nil, nil, nil, pkey) == 1 else {
            _ = drainOpenSSLErrors()
            return false
        }
        let message = Array(message)
        let result = message.withUnsafeBufferPointer { messageBuffer in
            signature.withUnsafeBufferPointer { signatureBuffer in
                EVP_DigestVerify(context, signatureBuffer.baseAddress, 64, messageBuffer.baseAddress, messageBuffer.count)
            }
        }
        if result != 1 { _ = drainOpenSSLErrors() }
        return result == 1
    }
}

/// An Ed25519 private key, kept as its 32-byte seed (RFC 8032 §5.1.5).
public struct Ed25519PrivateKey: Sendable {
    /// The 32-byte seed.
    public let seed: [UInt8]
    /// The matching public key.
    public let publicKey: Ed25519PublicKey

    /// The key with this seed.
    public init(seed: [UInt8]) throws(CryptoError) {
        guard seed.count == 32 else {
            throw CryptoError(.invalidKey, "an Ed25519 seed is 32 bytes, got \(seed.count)")
        }
        let pkey = try Self.makePKey(seed)
        defer { EVP_PKEY_free(pkey) }
        var publicBytes = [UInt8](repeating: 0, count: 32)
        var length = 32
        guard EVP_PKEY_get_raw_public_key(pkey, &publicBytes, &length) == 1, length == 32 else {
            throw CryptoError(.openSSL, "EVP_PKEY_get_raw_public_key: \(drainOpenSSLErrors())")
        }
        self.seed = seed
        self.publicKey = try Ed25519PublicKey(rawRepresentation: publicBytes)
    }

    /// A new key from OpenSSL's CSPRNG.
    public static func generate() throws(CryptoError) -> Ed25519PrivateKey {
        try Ed25519PrivateKey(seed: SecureRandom.bytes(32))
    }

    /// The RFC 8032 signature of `message` (deterministic, canonical S < L).
    public func signature(for message: some Collection<UInt8>) throws(CryptoError) -> [UInt8] {
        let pkey = try Self.makePKey(seed)
        defer { EVP_PKEY_free(pkey) }
        guard let context = EVP_MD_CTX_new() else { throw CryptoError(.openSSL, "EVP_MD_CTX_new failed") }
        defer { EVP_MD_CTX_free(context) }
        guard EVP_DigestSignInit(context, nil, nil, nil, pkey) == 1 else {
            throw CryptoError(.openSSL, "EVP_DigestSignInit: \(drainOpenSSLErrors())")
        }
        var signature = [UInt8](repeating: 0, count: 64)
        var length = 64
        let message = Array(message)
        let result = message.withUnsafeBufferPointer { buffer in
            EVP_DigestSign(context, &signature, &length, buffer.baseAddress, buffer.count)
        }
        guard result == 1, length == 64 else {
            throw CryptoError(.openSSL, "EVP_DigestSign: \(drainOpenSSLErrors())")
        }
        return signature
    }

    private static func makePKey(_ seed: [UInt8]) throws(CryptoError) -> OpaquePointer {
        guard let pkey = seed.withUnsafeBufferPointer({
            EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nil, $0.baseAddress, 32)
        }) else {
            throw CryptoError(.openSSL, "EVP_PKEY_new_raw_private_key: \(drainOpenSSLErrors())")
        }
        return pkey
    }
}

/// Bytes from OpenSSL's CSPRNG.
public enum SecureRandom {
    public static func bytes(_ count: Int) throws(CryptoError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        guard RAND_bytes(&bytes, Int32(count)) == 1 else {
            throw CryptoError(.openSSL, "RAND_bytes: \(drainOpenSSLErrors())")
        }
        return bytes
    }
}
