import AssayCore

/// Reading and writing key files the way OpenSSH does (spec/signatures.md §1):
/// a private key file readable by group or others is refused, new private
/// keys are created with mode 0600, and nothing is ever overwritten.
public enum KeyFiles {
    /// Reads an unencrypted OpenSSH Ed25519 private key, refusing loose permissions.
    public static func readPrivateKey(at path: String) throws(CryptoError) -> OpenSSHPrivateKey {
        let mode: UInt32
        do { mode = UInt32(try Files.mode(path)) } catch { throw CryptoError(.io, error.description) }
        if mode & 0o077 != 0 {
            throw CryptoError(.insecurePermissions, "permissions \(octal(mode)) for '\(path)' are too open: a private key must not be accessible by others (chmod 600 '\(path)')")
        }
        let text = try readText(path)
        do { return try OpenSSHPrivateKey(pem: text) } catch { throw CryptoError(error.code, "\(path): \(error.reason)") }
    }

    /// Reads a one-line public key (`.pub`, or the first key line of a file).
    public static func readPublicKey(at path: String) throws(CryptoError) -> OpenSSHPublicKey {
        let text = try readText(path)
        guard let line = text.split(separator: "\n").first(where: { !$0.isEmpty && !$0.hasPrefix("#") }) else {
            throw CryptoError(.invalidKey, "\(path): no public key line")
        }
        do { return try OpenSSHPublicKey(line: line) } catch { throw CryptoError(error.code, "\(path): \(error.reason)") }
    }

    /// Writes `key` to `path` (mode 0600) and its public half to `path.pub`
    /// (mode 0644); refuses if either exists.
    public static func writeKeyPair(_ key: OpenSSHPrivateKey, to path: String) throws(CryptoError) {
        let publicPath = path + ".pub"
        for existing in [path, publicPath] where Files.exists(existing) {
            throw CryptoError(.io, "'\(existing)' already exists; Assay never overwrites a key")
        }
        do {
            try Files.createExclusive(path, contents: Array(try key.pem().utf8), mode: 0o600)
            try Files.createExclusive(publicPath, contents: Array((key.publicKey.line + "\n").utf8), mode: 0o644)
        } catch let error as FileError {
            throw CryptoError(.io, error.description)
        } catch let error as CryptoError {
            throw error
        } catch {
            throw CryptoError(.io, "\(error)")
        }
    }

    static func readText(_ path: String) throws(CryptoError) -> String {
        let bytes: [UInt8]
        do { bytes = try Files.read(path, limit: 1 << 20) } catch { throw CryptoError(.io, error.description) }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw CryptoError(.invalidKey, "\(path): not UTF-8 text")
        }
        return text
    }

    static func octal(_ mode: UInt32) -> String {
        let digits = String(mode, radix: 8)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
