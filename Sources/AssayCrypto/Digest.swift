internal import CAssayOpenSSL
import AssayCore

/// A SHA-256 or SHA-512 digest value (spec/hashing.md §1).
public struct Digest: Hashable, Sendable, CustomStringConvertible {
    /// The raw digest bytes (32 for SHA-256, 64 for SHA-512).
    public let bytes: [UInt8]
    public init(bytes: [UInt8]) { self.bytes = bytes }
    /// Lowercase hex, the form Assay writes.
    public var hex: String { Hex.encode(bytes) }
    public var description: String { hex }

    /// Parses 64 lowercase hex digits as a SHA-256 digest.
    public init?(sha256Hex text: String) {
        guard text.utf8.count == 64, let bytes = Hex.decode(text) else { return nil }
        self.bytes = bytes
    }
}


/// The hash functions Assay uses.
public enum HashFunction: String, Sendable {
    case sha256
    case sha512

    var outputSize: Int { self == .sha256 ? 32 : 64 }
    fileprivate var algorithm: MessageDigestAlgorithm { self == .sha256 ? .sha256 : .sha512 }
}

/// The OpenSSL EVP_MD objects, fetched once per process: in OpenSSL 3 an
/// implicit fetch on every init costs more than hashing a short record.
private final class MessageDigestAlgorithm: @unchecked Sendable {
    let pointer: OpaquePointer
    init(name: String) {
        guard let md = EVP_MD_fetch(nil, name, nil) else {
            preconditionFailure("OpenSSL libcrypto has no \(name); Assay needs OpenSSL 3")
        }
        pointer = md
    }
    deinit { EVP_MD_free(pointer) }
    static let sha256 = MessageDigestAlgorithm(name: "SHA256")
    static let sha512 = MessageDigestAlgorithm(name: "SHA512")
}

/// An incremental hash: feed any number of chunks, then `finalize()`. For
/// files of any size and for hot loops (reuse one hasher with `reset()`).
public final class MessageDigest {
    private let function: HashFunction
    private let context: OpaquePointer

    public init(_ function: HashFunction) {
        self.function = function
        guard let context = EVP_MD_CTX_new() else { preconditionFailure("out of memory in EVP_MD_CTX_new") }
        self.context = context
        reset()
    }

    deinit { EVP_MD_CTX_free(context) }

    /// Starts over, forgetting everything fed so far.
    public func reset() {
        guard EVP_DigestInit_ex(context, function.algorithm.pointer, nil) == 1 else {
            preconditionFailure("EVP_DigestInit_ex failed for \(function)")
        }
    }

    /// Feeds bytes.
    public func update(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count > 0 else { return }
        EVP_DigestUpdate(context, bytes.baseAddress, bytes.count)
    }

    /// Feeds bytes.
    public func update(_ bytes: some Collection<UInt8>) {
        if bytes.withContiguousStorageIfAvailable({ update(UnsafeRawBufferPointer($0)) }) == nil {
            Array(bytes).withUnsafeBytes { update($0) }
        }
    }

    /// Feeds a single byte.
    public func update(byte: UInt8) {
        withUnsafeBytes(of: byte) { update($0) }
    }

    /// Returns the digest and resets the hasher for reuse.
    public func finalize() -> Digest {
        var output = [UInt8](repeating: 0, count: function.outputSize)
        var length: UInt32 = 0
        output.withUnsafeMutableBufferPointer { buffer in
            _ = EVP_DigestFinal_ex(context, buffer.baseAddress, &length)
        }
        reset()
        return Digest(bytes: output)
    }

    /// The SHA-256 digest as four big-endian 64-bit words (compares like the hex), without allocating;
    /// resets the hasher for reuse.
    public func finalizeSHA256Words() -> (UInt64, UInt64, UInt64, UInt64) {
        precondition(function == .sha256, "finalizeSHA256Words on a \(function) hasher")
        var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        var length: UInt32 = 0
        withUnsafeMutableBytes(of: &words) { buffer in
            _ = EVP_DigestFinal_ex(context, buffer.baseAddress!.assumingMemoryBound(to: UInt8.self), &length)
        }
        reset()
        return (UInt64(bigEndian: words.0), UInt64(bigEndian: words.1), UInt64(bigEndian: words.2), UInt64(bigEndian: words.3))
    }

    /// The digest of `bytes` in one call.
    public static func hash(_ function: HashFunction, _ bytes: some Collection<UInt8>) -> Digest {
        let hasher = MessageDigest(function)
        hasher.update(bytes)
        return hasher.finalize()
    }

    /// SHA-256 of `bytes`.
    public static func sha256(_ bytes: some Collection<UInt8>) -> Digest { hash(.sha256, bytes) }
    /// SHA-512 of `bytes`.
    public static func sha512(_ bytes: some Collection<UInt8>) -> Digest { hash(.sha512, bytes) }
}

/// Drains OpenSSL's thread-local error queue into one line of text.
func drainOpenSSLErrors() -> String {
    var messages: [String] = []
    while true {
        let code = ERR_get_error()
        if code == 0 { break }
        var buffer = [CChar](repeating: 0, count: 256)
        ERR_error_string_n(code, &buffer, buffer.count)
        messages.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
    }
    return messages.isEmpty ? "no OpenSSL error recorded" : messages.joined(separator: "; ")
}

/// The version of the OpenSSL library linked at run time.
public var openSSLVersion: String { String(cString: OpenSSL_version(numericCast(OPENSSL_VERSION))) }
