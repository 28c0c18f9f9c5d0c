import AssayCore

/// An SSHSIG signature (OpenSSH PROTOCOL.sshsig), the format of
/// `ssh-keygen -Y sign`, restricted to Ed25519 keys (spec/signatures.md §3).
///
/// A signature binds a message hash to a namespace, so a signature made for
/// one purpose (say, a manifest) cannot be replayed for another (a git commit).
public struct SSHSignature: Sendable, Equatable {
    static let magic: [UInt8] = Array("SSHSIG".utf8)
    static let label = "SSH SIGNATURE"

    /// The signer's public key, as embedded in the signature.
    public let publicKey: OpenSSHPublicKey
    /// The namespace the signature was made for.
    public let namespace: String
    /// The hash applied to the message before signing.
    public let hashAlgorithm: HashFunction
    /// The raw 64-byte Ed25519 signature.
    public let signature: [UInt8]

    /// Signs `message` for `namespace` with SHA-512 (what ssh-keygen uses).
    public static func sign(
        _ message: some Collection<UInt8>, namespace: String, with key: some Ed25519Signer
    ) throws(CryptoError) -> SSHSignature {
        try sign(messageDigest: MessageDigest.sha512(message), hashAlgorithm: .sha512, namespace: namespace, with: key)
    }

    /// Signs a message given by its digest (for large files, hashed as a stream).
    public static func sign(
        messageDigest: Digest, hashAlgorithm: HashFunction, namespace: String, with key: some Ed25519Signer
    ) throws(CryptoError) -> SSHSignature {
        try checkNamespace(namespace)
        let data = signedData(namespace: namespace, hashAlgorithm: hashAlgorithm, messageDigest: messageDigest)
        return SSHSignature(
            publicKey: OpenSSHPublicKey(key.publicKey), namespace: namespace, hashAlgorithm: hashAlgorithm,
            signature: try key.signature(for: data))
    }

    init(publicKey: OpenSSHPublicKey, namespace: String, hashAlgorithm: HashFunction, signature: [UInt8]) {
        self.publicKey = publicKey
        self.namespace = namespace
        self.hashAlgorithm = hashAlgorithm
        self.signature = signature
    }

    /// The bytes Ed25519 signs: "SSHSIG", string namespace, string reserved (empty),
    /// string hash algorithm, string H(message).
    public static func signedData(namespace: String, hashAlgorithm: HashFunction, messageDigest: Digest) -> [UInt8] {
        var writer = SSHWireWriter()
        writer.writeRaw(magic)
        writer.writeString(namespace)
        writer.writeString([UInt8]())
        writer.writeString(hashAlgorithm.rawValue)
        writer.writeString(messageDigest.bytes)
        return writer.bytes
    }

    /// Parses the armored form (`-----BEGIN SSH SIGNATURE-----` …).
    public init(armored text: String) throws(CryptoError) {
        try self.init(blob: Armor.unwrap(text, label: Self.label, code: .malformedSignature, what: "signature"))
    }

    /// Parses the binary blob inside the armor.
    public init(blob: [UInt8]) throws(CryptoError) {
        guard blob.starts(with: Self.magic) else {
            throw CryptoError(.malformedSignature, "signature: does not start with SSHSIG")
        }
        var reader = SSHWireReader(Array(blob.dropFirst(Self.magic.count)), context: "signature")
        let version = try reader.readUInt32()
        guard version == 1 else { throw CryptoError(.malformedSignature, "signature: SSHSIG version \(version); Assay reads version 1") }
        let publicKey = try OpenSSHPublicKey(wireBlob: try reader.readString())
        let namespace = try reader.readUTF8String()
        let reserved = try reader.readString()
        guard reserved.isEmpty else { throw CryptoError(.malformedSignature, "signature: the reserved field is not empty") }
        let hashName = try reader.readUTF8String()
        guard let hashAlgorithm = HashFunction(rawValue: hashName) else {
            throw CryptoError(.unsupportedHashAlgorithm, "signature: hash algorithm '\(hashName)'; SSHSIG allows sha256 and sha512")
        }
        var inner = SSHWireReader(try reader.readString(), context: "signature")
        guard reader.isAtEnd else { throw CryptoError(.malformedSignature, "signature: trailing bytes") }
        let type = try inner.readUTF8String()
        guard type == OpenSSHPublicKey.keyType else {
            throw CryptoError(.unsupportedKeyType, "signature: type '\(type)'; Assay accepts only \(OpenSSHPublicKey.keyType)")
        }
        let raw = try inner.readString()
        guard inner.isAtEnd, raw.count == 64 else {
            throw CryptoError(.malformedSignature, "signature: an Ed25519 signature is 64 bytes")
        }
        self.init(publicKey: publicKey, namespace: namespace, hashAlgorithm: hashAlgorithm, signature: raw)
    }

    /// The binary blob.
    public var blob: [UInt8] {
        var inner = SSHWireWriter()
        inner.writeString(OpenSSHPublicKey.keyType)
        inner.writeString(signature)
        var writer = SSHWireWriter()
        writer.writeRaw(Self.magic)
        writer.writeUInt32(1)
        writer.writeString(OpenSSHPublicKey(publicKey.key).wireBlob)
        writer.writeString(namespace)
        writer.writeString([UInt8]())
        writer.writeString(hashAlgorithm.rawValue)
        writer.writeString(inner.bytes)
        return writer.bytes
    }

    /// The armored form, as `ssh-keygen -Y sign` writes it (70 columns, final newline).
    public var armored: String { Armor.wrap(blob, label: Self.label) }

    /// Verifies the signature over `message`: the namespace must equal
    /// `namespace`, the embedded key must equal `signer` (when given), and
    /// the Ed25519 check must pass under OpenSSL's strict rules.
    public func verify(
        _ message: some Collection<UInt8>, namespace: String, signer: Ed25519PublicKey? = nil
    ) throws(CryptoError) {
        try verify(messageDigest: MessageDigest.hash(hashAlgorithm, message), namespace: namespace, signer: signer)
    }

    /// Verifies given the message's digest under `hashAlgorithm`.
    public func verify(messageDigest: Digest, namespace: String, signer: Ed25519PublicKey? = nil) throws(CryptoError) {
        guard self.namespace == namespace else {
            throw CryptoError(.namespaceMismatch, "signature is for namespace '\(self.namespace)', expected '\(namespace)'")
        }
        if let signer, signer != publicKey.key {
            throw CryptoError(.wrongKey, "signature is by \(publicKey.fingerprint), expected \(OpenSSHPublicKey(signer).fingerprint)")
        }
        let data = Self.signedData(namespace: namespace, hashAlgorithm: hashAlgorithm, messageDigest: messageDigest)
        guard publicKey.key.isValidSignature(signature, for: data) else {
            throw CryptoError(.badSignature, "signature by \(publicKey.fingerprint) does not match the message")
        }
    }

    /// OpenSSH refuses an empty namespace; so does Assay.
    static func checkNamespace(_ namespace: String) throws(CryptoError) {
        guard !namespace.isEmpty else { throw CryptoError(.malformedSignature, "the signature namespace must not be empty") }
    }
}
