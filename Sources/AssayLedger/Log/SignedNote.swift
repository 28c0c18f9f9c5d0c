import AssayCore
import AssayCrypto

/// Why a note, key or checkpoint was refused (spec/log.md).
public struct NoteError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// The bytes are not a signed note (spec/log.md §1).
        case malformed
        /// A vkey or skey that is not well formed, or whose key ID does not match.
        case key
        /// A signature by a known key that does not verify.
        case invalidSignature
        /// No signature by a known key.
        case unverified
        /// Two known keys share a name and key ID.
        case ambiguousKey
        /// A checkpoint's text is not origin, size, root (spec/log.md §2).
        case checkpoint
        /// A witness policy (c2sp.org/tlog-policy) that breaks its grammar or spec/log.md §8.1.
        case policy
    }

    public let code: Code
    public let reason: String

    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { "\(code.rawValue): \(reason)" }
}

/// One signature line of a note: `— <name> base64(key ID || signature)`.
public struct NoteSignature: Hashable, Sendable {
    public let name: String
    public let keyID: UInt32
    /// The bytes after the key ID.
    public let signature: [UInt8]

    public init(name: String, keyID: UInt32, signature: [UInt8]) {
        self.name = name
        self.keyID = keyID
        self.signature = signature
    }

    /// The line without its final newline.
    public var line: String {
        let id: [UInt8] = [UInt8(keyID >> 24), UInt8(keyID >> 16 & 0xFF), UInt8(keyID >> 8 & 0xFF), UInt8(keyID & 0xFF)]
        return "\u{2014} \(name) \(Base64.encode(id + signature))"
    }
}

/// A signed note (c2sp.org/signed-note, spec/log.md §1): a text and its signature lines.
public struct SignedNote: Sendable, Equatable {
    /// The note text, ending in a newline.
    public let text: [UInt8]
    /// The signature lines in the order given, identical lines once.
    public let signatures: [NoteSignature]

    public static let maxBytes = 1 << 20
    public static let maxSignatures = 100
    static let emDash: [UInt8] = Array("\u{2014} ".utf8)

    public init(text: [UInt8], signatures: [NoteSignature]) {
        self.text = text
        self.signatures = signatures
    }

    /// Parses `bytes` as a signed note; structure only, no signature is checked.
    public init(parsing bytes: [UInt8]) throws(NoteError) {
        guard bytes.count <= Self.maxBytes else { throw NoteError(.malformed, "a note is at most \(Self.maxBytes) bytes") }
        guard String(validating: bytes, as: UTF8.self) != nil else { throw NoteError(.malformed, "not valid UTF-8") }
        guard !bytes.contains(where: { $0 < 0x20 && $0 != 0x0A }) else { throw NoteError(.malformed, "a control character other than newline") }
        guard bytes.last == 0x0A else { throw NoteError(.malformed, "the last signature line does not end in a newline") }
        // The text ends at the last empty line: the last "\n\n".
        var split: Int?
        var index = bytes.count - 2
        while index >= 0 {
            if bytes[index] == 0x0A && bytes[index + 1] == 0x0A { split = index; break }
            index -= 1
        }
        guard let split else { throw NoteError(.malformed, "no empty line before the signatures") }
        let text = Array(bytes[...split])
        let block = bytes[(split + 2)...]
        guard !block.isEmpty else { throw NoteError(.malformed, "no signature lines") }
        var signatures: [NoteSignature] = []
        var seen: Set<NoteSignature> = []
        let lines = block.split(separator: 0x0A, omittingEmptySubsequences: false).dropLast()
        guard lines.count <= Self.maxSignatures else { throw NoteError(.malformed, "more than \(Self.maxSignatures) signature lines") }
        for line in lines {
            let signature = try Self.signatureLine(Array(line))
            if seen.insert(signature).inserted { signatures.append(signature) }
        }
        self.init(text: text, signatures: signatures)
    }

    static func signatureLine(_ line: [UInt8]) throws(NoteError) -> NoteSignature {
        guard line.starts(with: emDash) else { throw NoteError(.malformed, "a line after the text that is not a signature line") }
        let rest = line.dropFirst(emDash.count)
        guard let space = rest.lastIndex(of: 0x20) else { throw NoteError(.malformed, "a signature line without a key name") }
        let name = String(decoding: rest[..<space], as: UTF8.self)
        guard NoteKeys.isValidName(name) else { throw NoteError(.malformed, "key name '\(name)' is empty or has a space or '+'") }
        guard let bytes = Base64.decode(String(decoding: rest[(space + 1)...], as: UTF8.self)), bytes.count >= 5 else {
            throw NoteError(.malformed, "the signature of \(name) is not base64 of a key ID and a signature")
        }
        let id = UInt32(bytes[0]) << 24 | UInt32(bytes[1]) << 16 | UInt32(bytes[2]) << 8 | UInt32(bytes[3])
        return NoteSignature(name: name, keyID: id, signature: Array(bytes[4...]))
    }

    /// The note as bytes: text, empty line, one line per signature.
    public var bytes: [UInt8] {
        var out = text
        out.append(0x0A)
        for signature in signatures { out += Array(signature.line.utf8) + [0x0A] }
        return out
    }

    /// The signatures that verify under `keys` (spec/log.md §1: unknown keys ignored, a bad signature by a known key
    /// or none verified is an error).
    public func open(_ keys: [NoteVerifierKey]) throws(NoteError) -> [NoteVerifierKey] {
        var byIdentity: [NoteKeys.Identity: NoteVerifierKey] = [:]
        var ambiguous: Set<NoteKeys.Identity> = []
        for key in keys where byIdentity.updateValue(key, forKey: key.identity) != nil { ambiguous.insert(key.identity) }
        var verified: [NoteVerifierKey] = []
        for signature in signatures {
            let identity = NoteKeys.Identity(name: signature.name, keyID: signature.keyID)
            guard let key = byIdentity[identity] else { continue }
            guard !ambiguous.contains(identity) else { throw NoteError(.ambiguousKey, "ambiguous key \(key.vkey)") }
            guard key.verify(signature.signature, text: text) else {
                throw NoteError(.invalidSignature, "invalid signature for key \(key.vkey)")
            }
            if !verified.contains(key) { verified.append(key) }
        }
        guard !verified.isEmpty else { throw NoteError(.unverified, "note has no verifiable signatures") }
        return verified
    }

    /// This note with `signature` added (unless an identical line is there).
    public func adding(_ signature: NoteSignature) -> SignedNote {
        signatures.contains(signature) ? self : SignedNote(text: text, signatures: signatures + [signature])
    }
}
