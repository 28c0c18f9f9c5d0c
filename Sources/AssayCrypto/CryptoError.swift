/// Why a key, signature or cryptographic operation was refused: a stable
/// `code` for programs and a `reason` for people.
public struct CryptoError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// Bytes that are not a well-formed key of a supported type.
        case invalidKey = "invalid-key"
        /// A key type Assay does not accept (only Ed25519 is).
        case unsupportedKeyType = "unsupported-key-type"
        /// A passphrase-protected private key.
        case encryptedKey = "encrypted-key"
        /// A private key file readable by group or others.
        case insecurePermissions = "insecure-permissions"
        /// Bytes that are not a well-formed SSHSIG signature.
        case malformedSignature = "malformed-signature"
        /// A well-formed signature whose namespace differs from the expected one.
        case namespaceMismatch = "namespace-mismatch"
        /// A hash algorithm other than sha256/sha512 in an SSHSIG.
        case unsupportedHashAlgorithm = "unsupported-hash-algorithm"
        /// The signature is by another key than the one expected.
        case wrongKey = "wrong-key"
        /// The Ed25519 check failed: the message or signature was altered.
        case badSignature = "bad-signature"
        /// A file could not be read or written.
        case io = "io"
        /// OpenSSL reported a failure.
        case openSSL = "openssl"
    }

    public let code: Code
    public let reason: String

    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { "\(reason) [\(code.rawValue)]" }
}
