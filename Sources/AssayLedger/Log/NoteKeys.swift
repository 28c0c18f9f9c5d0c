import AssayCore
import AssayCrypto

/// Key names, key IDs and signature types of signed notes (spec/log.md §1.1).
public enum NoteKeys {
    /// Ed25519 over the note text.
    public static let ed25519: UInt8 = 0x01
    /// Timestamped Ed25519 checkpoint cosignature (c2sp.org/tlog-cosignature, spec/log.md §5).
    public static let cosignatureV1: UInt8 = 0x04

    /// What a signature line names: the pair that identifies a key.
    public struct Identity: Hashable, Sendable {
        public let name: String
        public let keyID: UInt32
    }

    /// `SHA-256(name || 0x0A || type || public key)[:4]`, big-endian.
    public static func keyID(name: String, type: UInt8, publicKey: [UInt8]) -> UInt32 {
        let digest = MessageDigest.sha256(Array(name.utf8) + [0x0A, type] + publicKey).bytes
        return UInt32(digest[0]) << 24 | UInt32(digest[1]) << 16 | UInt32(digest[2]) << 8 | UInt32(digest[3])
    }

    /// Non-empty, without Unicode spaces or `+`.
    public static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && !name.unicodeScalars.contains { $0.properties.isWhitespace || $0 == "+" }
    }

    static func hex(_ id: UInt32) -> String {
        let text = String(id, radix: 16)
        return String(repeating: "0", count: 8 - text.count) + text
    }

    /// `name+hex+base64` split at the first two `+` (base64 may hold `+`).
    static func parts(_ text: String, what: String) throws(NoteError) -> (name: String, id: UInt32, key: [UInt8]) {
        let pieces = text.split(separator: "+", maxSplits: 2, omittingEmptySubsequences: false)
        guard pieces.count == 3, isValidName(String(pieces[0])), pieces[1].utf8.count == 8,
              pieces[1].utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }),
              let id = UInt32(pieces[1], radix: 16), let key = Base64.decode(pieces[2]), !key.isEmpty
        else { throw NoteError(.key, "\(what) is not <name>+<8 hex digits>+<base64>") }
        return (String(pieces[0]), id, key)
    }
}

/// A key that verifies note signatures: an Ed25519 signer (type 0x01) or an Ed25519 cosigner (type 0x04).
public struct NoteVerifierKey: Hashable, Sendable {
    public let name: String
    public let type: UInt8
    public let publicKey: Ed25519PublicKey

    public init(name: String, type: UInt8, publicKey: Ed25519PublicKey) throws(NoteError) {
        guard NoteKeys.isValidName(name) else { throw NoteError(.key, "key name '\(name)' is empty or has a space or '+'") }
        guard type == NoteKeys.ed25519 || type == NoteKeys.cosignatureV1 else {
            throw NoteError(.key, "signature type 0x\(String(type, radix: 16)) is not Ed25519 (0x01) or cosignature/v1 (0x04)")
        }
        self.name = name
        self.type = type
        self.publicKey = publicKey
    }

    /// Parses a vkey, `<name>+<hex key ID>+<base64(type || key)>`, checking its key ID.
    public init(vkey: String) throws(NoteError) {
        let (name, id, material) = try NoteKeys.parts(vkey, what: "a vkey")
        guard material.count == 33 else { throw NoteError(.key, "an Ed25519 vkey holds a type byte and 32 key bytes, not \(material.count)") }
        let key: Ed25519PublicKey
        do { key = try Ed25519PublicKey(rawRepresentation: Array(material[1...])) } catch {
            throw NoteError(.key, "\(error)")
        }
        try self.init(name: name, type: material[0], publicKey: key)
        guard keyID == id else { throw NoteError(.key, "vkey of \(name): key ID \(NoteKeys.hex(id)) is not \(NoteKeys.hex(keyID))") }
    }

    public var keyID: UInt32 { NoteKeys.keyID(name: name, type: type, publicKey: publicKey.rawRepresentation) }
    public var identity: NoteKeys.Identity { .init(name: name, keyID: keyID) }
    public var vkey: String { "\(name)+\(NoteKeys.hex(keyID))+\(Base64.encode([type] + publicKey.rawRepresentation))" }

    /// Whether `signature` (the bytes after the key ID) signs `text` under this key's type.
    public func verify(_ signature: [UInt8], text: [UInt8]) -> Bool {
        switch type {
        case NoteKeys.ed25519:
            return signature.count == 64 && publicKey.isValidSignature(signature, for: text)
        default:
            guard let timestamp = Cosignature.timestamp(of: signature) else { return false }
            return publicKey.isValidSignature(signature[8...], for: Cosignature.message(text: text, timestamp: timestamp))
        }
    }
}

/// A key that signs notes (Ed25519, type 0x01) or cosigns checkpoints (type 0x04).
public struct NoteSigner: Sendable {
    public let name: String
    public let type: UInt8
    public let privateKey: any Ed25519Signer

    public init(name: String, type: UInt8 = NoteKeys.ed25519, privateKey: any Ed25519Signer) throws(NoteError) {
        // The verifier key checks name and type.
        _ = try NoteVerifierKey(name: name, type: type, publicKey: privateKey.publicKey)
        self.name = name
        self.type = type
        self.privateKey = privateKey
    }

    /// Parses an skey, `PRIVATE+KEY+<name>+<hex key ID>+<base64(0x01 || seed)>` (golang.org/x/mod/sumdb/note).
    public init(skey: String) throws(NoteError) {
        guard skey.hasPrefix("PRIVATE+KEY+") else { throw NoteError(.key, "an skey starts with PRIVATE+KEY+") }
        let (name, id, material) = try NoteKeys.parts(String(skey.dropFirst("PRIVATE+KEY+".count)), what: "an skey")
        guard material.count == 33, material[0] == NoteKeys.ed25519 else { throw NoteError(.key, "an skey holds 0x01 and a 32-byte Ed25519 seed") }
        let key: Ed25519PrivateKey
        do { key = try Ed25519PrivateKey(seed: Array(material[1...])) } catch { throw NoteError(.key, "\(error)") }
        try self.init(name: name, privateKey: key)
        guard verifierKey.keyID == id else { throw NoteError(.key, "skey of \(name): key ID does not match its key") }
    }

    public var verifierKey: NoteVerifierKey {
        // Name and type were checked when this signer was made.
        guard let key = try? NoteVerifierKey(name: name, type: type, publicKey: privateKey.publicKey) else {  // name and type were checked at init: a failure is a programming error, trapped with a message
            preconditionFailure("a NoteSigner always has a valid verifier key")
        }
        return key
    }

    /// The signature line for `text`; a cosigner needs `timestamp` (POSIX seconds).
    public func sign(_ text: [UInt8], timestamp: UInt64 = 0) throws(CryptoError) -> NoteSignature {
        let bytes: [UInt8]
        if type == NoteKeys.ed25519 {
            bytes = try privateKey.signature(for: text)
        } else {
            bytes = Cosignature.timestampBytes(timestamp) + (try privateKey.signature(for: Cosignature.message(text: text, timestamp: timestamp)))
        }
        return NoteSignature(name: name, keyID: verifierKey.keyID, signature: bytes)
    }

    /// Signs `text` (which must end in a newline) as a new note.
    public func signNote(_ text: [UInt8], timestamp: UInt64 = 0) throws -> SignedNote {
        guard text.last == 0x0A else { throw NoteError(.malformed, "note text must end in a newline") }
        return SignedNote(text: text, signatures: [try sign(text, timestamp: timestamp)])
    }
}

/// c2sp.org/tlog-cosignature, Ed25519 (spec/log.md §5).
public enum Cosignature {
    /// `cosignature/v1\ntime <t>\n` followed by the checkpoint's note text.
    public static func message(text: [UInt8], timestamp: UInt64) -> [UInt8] {
        Array("cosignature/v1\ntime \(timestamp)\n".utf8) + text
    }

    static func timestampBytes(_ timestamp: UInt64) -> [UInt8] {
        (0..<8).map { UInt8(timestamp >> (56 - 8 * UInt64($0)) & 0xFF) }
    }

    /// The timestamp of a cosignature's bytes (8-byte big-endian timestamp, 64-byte signature); nil when they are
    /// not that shape or the timestamp exceeds 2^63 − 1.
    public static func timestamp(of signature: [UInt8]) -> UInt64? {
        guard signature.count == 72 else { return nil }
        let value = signature[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        return value <= UInt64(Int64.max) ? value : nil
    }
}
