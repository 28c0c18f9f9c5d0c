import AssayCore
import AssayCrypto

/// The demo operators' signing keys, derived from the published seed so that
/// anyone can regenerate the demo's dataset byte for byte. They are INSECURE
/// by design: anyone who knows the seed (everyone) can sign as them.
public enum DemoKeys {
    /// Ed25519 with the 32-byte seed SHA-256("assay-demo-insecure-key-v1" 0x00 decimal(seed) 0x00 operator).
    public static func key(seed: UInt64, operator name: String) throws(CryptoError) -> Ed25519PrivateKey {
        let material = Array("assay-demo-insecure-key-v1".utf8) + [0] + Array(String(seed).utf8) + [0] + Array(name.utf8)
        return try Ed25519PrivateKey(seed: MessageDigest.sha256(material).bytes)
    }
}
