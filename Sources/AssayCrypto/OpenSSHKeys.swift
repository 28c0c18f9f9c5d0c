import AssayCore

/// An Ed25519 public key in OpenSSH formats: the wire blob of RFC 8709 §4
/// and the one-line `ssh-ed25519 BASE64 comment` text (spec/signatures.md §1).
public struct OpenSSHPublicKey: Hashable, Sendable {
    /// The only key type Assay accepts.
    public static let keyType = "ssh-ed25519"

    public let key: Ed25519PublicKey
    /// The free-text comment of the one-line form (not part of the key's identity).
    public var comment: String

    public init(_ key: Ed25519PublicKey, comment: String = "") {
        self.key = key
        self.comment = comment
    }

    /// Parses the wire blob: string "ssh-ed25519", string key(32).
    public init(wireBlob: [UInt8]) throws(CryptoError) {
        var reader = SSHWireReader(wireBlob, context: "public key")
        let type = try reader.readUTF8String()
        guard type == Self.keyType else {
            throw CryptoError(.unsupportedKeyType, "public key type is '\(type)'; Assay accepts only \(Self.keyType)")
        }
        let raw = try reader.readString()
        guard reader.isAtEnd else { throw CryptoError(.invalidKey, "public key: \(reader.remaining) trailing bytes") }
        self.init(try Ed25519PublicKey(rawRepresentation: raw))
    }

    /// Parses `ssh-ed25519 BASE64 [comment]` (the `.pub` file and `authorized_keys` form).
    public init(line: some StringProtocol) throws(CryptoError) {
        let trimmed = line.trimmingASCIIWhitespace()
        let fields = trimmed.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true)
        guard fields.count >= 2 else {
            throw CryptoError(.invalidKey, "a public key line is 'ssh-ed25519 BASE64 [comment]'")
        }
        guard fields[0] == Self.keyType else {
            throw CryptoError(.unsupportedKeyType, "public key type is '\(fields[0])'; Assay accepts only \(Self.keyType)")
        }
        guard let blob = Base64.decode(fields[1]) else {
            throw CryptoError(.invalidKey, "the key of a public key line is not valid base64")
        }
        try self.init(wireBlob: blob)
        comment = fields.count == 3 ? String(fields[2]) : ""
    }

    /// The wire blob: string "ssh-ed25519", string key(32).
    public var wireBlob: [UInt8] {
        var writer = SSHWireWriter()
        writer.writeString(Self.keyType)
        writer.writeString(key.rawRepresentation)
        return writer.bytes
    }

    /// `ssh-ed25519 BASE64 comment`, without a newline.
    public var line: String {
        let base = "\(Self.keyType) \(Base64.encode(wireBlob))"
        return comment.isEmpty ? base : base + " " + comment
    }

    /// The fingerprint as `ssh-keygen -l` prints it: `SHA256:` and the
    /// unpadded base64 of the SHA-256 of the wire blob.
    public var fingerprint: String {
        "SHA256:" + Base64.encode(MessageDigest.sha256(wireBlob).bytes, padded: false)
    }
}

/// An unencrypted Ed25519 private key in the `openssh-key-v1` format
/// (OpenSSH PROTOCOL.key), as `ssh-keygen -t ed25519 -N ''` writes it.
public struct OpenSSHPrivateKey: Sendable {
    static let label = "OPENSSH PRIVATE KEY"
    static let magic: [UInt8] = Array("openssh-key-v1".utf8) + [0]

    public let key: Ed25519PrivateKey
    public var comment: String

    public init(_ key: Ed25519PrivateKey, comment: String = "") {
        self.key = key
        self.comment = comment
    }

    /// The public half, carrying the same comment.
    public var publicKey: OpenSSHPublicKey { OpenSSHPublicKey(key.publicKey, comment: comment) }

    /// Parses the armored file.
    public init(pem: String) throws(CryptoError) {
        let bytes = try Armor.unwrap(pem, label: Self.label, code: .invalidKey, what: "private key")
        guard bytes.starts(with: Self.magic) else {
            throw CryptoError(.invalidKey, "private key: not an openssh-key-v1 key")
        }
        var reader = SSHWireReader(Array(bytes.dropFirst(Self.magic.count)), context: "private key")
        let cipher = try reader.readUTF8String()
        let kdf = try reader.readUTF8String()
        _ = try reader.readString()
        guard cipher == "none", kdf == "none" else {
            throw CryptoError(.encryptedKey, "the private key is encrypted (\(cipher)); Assay needs an unencrypted key: remove the passphrase with 'ssh-keygen -p -N \"\" -f FILE' on a machine you trust")
        }
        let count = try reader.readUInt32()
        guard count == 1 else { throw CryptoError(.invalidKey, "private key: the file holds \(count) keys; Assay reads exactly one") }
        let publicBlob = try reader.readString()
        let publicKey = try OpenSSHPublicKey(wireBlob: publicBlob)
        let privateSection = try reader.readString()
        guard reader.isAtEnd else { throw CryptoError(.invalidKey, "private key: trailing bytes after the private section") }
        guard privateSection.count % 8 == 0 else {
            throw CryptoError(.invalidKey, "private key: the private section is not a multiple of the block size 8")
        }
        var section = SSHWireReader(privateSection, context: "private key")
        let check1 = try section.readUInt32()
        let check2 = try section.readUInt32()
        guard check1 == check2 else { throw CryptoError(.invalidKey, "private key: check integers differ (corrupt or encrypted)") }
        let type = try section.readUTF8String()
        guard type == OpenSSHPublicKey.keyType else {
            throw CryptoError(.unsupportedKeyType, "private key type is '\(type)'; Assay accepts only \(OpenSSHPublicKey.keyType)")
        }
        let publicRaw = try section.readString()
        let secret = try section.readString()
        let comment = try section.readUTF8String()
        let padding = section.readRest()
        guard padding.count < 8, padding.enumerated().allSatisfy({ $0.element == UInt8($0.offset + 1) }) else {
            throw CryptoError(.invalidKey, "private key: bad padding")
        }
        guard secret.count == 64, publicRaw == publicKey.key.rawRepresentation,
              Array(secret[32...]) == publicRaw
        else { throw CryptoError(.invalidKey, "private key: the secret and public parts do not belong together") }
        let key = try Ed25519PrivateKey(seed: Array(secret[..<32]))
        guard key.publicKey == publicKey.key else {
            throw CryptoError(.invalidKey, "private key: the seed does not derive the stored public key")
        }
        self.init(key, comment: comment)
    }

    /// The armored file. `checkInt` is random in files OpenSSH writes; pass
    /// one to get reproducible bytes (test vectors).
    public func pem(checkInt: UInt32? = nil) throws(CryptoError) -> String {
        let check: UInt32
        if let checkInt { check = checkInt } else { check = try randomUInt32() }
        var section = SSHWireWriter()
        section.writeUInt32(check)
        section.writeUInt32(check)
        section.writeString(OpenSSHPublicKey.keyType)
        section.writeString(key.publicKey.rawRepresentation)
        section.writeString(key.seed + key.publicKey.rawRepresentation)
        section.writeString(comment)
        var pad: UInt8 = 1
        while section.bytes.count % 8 != 0 {
            section.writeRaw([pad])
            pad += 1
        }
        var writer = SSHWireWriter()
        writer.writeRaw(Self.magic)
        writer.writeString("none")
        writer.writeString("none")
        writer.writeString([UInt8]())
        writer.writeUInt32(1)
        writer.writeString(OpenSSHPublicKey(key.publicKey).wireBlob)
        writer.writeString(section.bytes)
        return Armor.wrap(writer.bytes, label: Self.label)
    }

    private func randomUInt32() throws(CryptoError) -> UInt32 {
        try SecureRandom.bytes(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
    }
}

extension StringProtocol {
    func trimmingASCIIWhitespace() -> Substring {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        let text = Substring(self)
        guard let first = text.firstIndex(where: { !isSpace($0) }) else { return "" }
        let last = text.lastIndex(where: { !isSpace($0) })!
        return text[first...last]
    }
}
