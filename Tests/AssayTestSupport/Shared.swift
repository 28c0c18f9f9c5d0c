import AssayCore
import Foundation
import Testing

/// Locates `../shared` (test vectors and fixtures from other public
/// projects, read in place and never copied into this repository).
/// `ASSAY_SHARED` overrides the location.
public enum Shared {
    /// The package root, derived from this file's path.
    public static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The `shared` folder, whether or not it exists.
    public static let root: URL = {
        if let override = ProcessInfo.processInfo.environment["ASSAY_SHARED"], !override.isEmpty {
            return URL(fileURLWithPath: override)
        }
        return packageRoot.deletingLastPathComponent().appendingPathComponent("shared")
    }()

    /// True when `../shared/testvectors` is present.
    public static var isAvailable: Bool {
        FileManager.default.fileExists(atPath: root.appendingPathComponent("testvectors").path)
    }

    /// The reason tests report when they skip for lack of `../shared`.
    public static let skipReason: Comment = "../shared is absent (set ASSAY_SHARED): third-party vectors are read from there, never copied"

    /// The URL of `relative` under `shared`.
    public static func url(_ relative: String) -> URL { root.appendingPathComponent(relative) }

    /// The bytes of `relative` under `shared`.
    public static func bytes(_ relative: String) throws -> [UInt8] {
        Array(try Data(contentsOf: url(relative)))
    }

    /// The file names in the folder `relative` under `shared`, sorted; empty when absent.
    public static func list(_ relative: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: url(relative).path)) ?? []).sorted()
    }

    /// Parses a JSON file under `shared` with Assay's own strict parser.
    public static func json(_ relative: String) throws -> JSONValue {
        try JSONParser(limits: .init(maxDepth: 64, maxBytes: 16 << 20)).parse(try bytes(relative))
    }
}

/// A file under the repository (`spec/…`).
public enum Repository {
    public static func url(_ relative: String) -> URL { Shared.packageRoot.appendingPathComponent(relative) }
    public static func bytes(_ relative: String) throws -> [UInt8] { Array(try Data(contentsOf: url(relative))) }
}

extension JSONValue {
    /// Convenience accessors for test code reading vector files.
    public var boolValue: Bool? { if case .bool(let b) = self { b } else { nil } }
}

/// Directory trees in tests.
public enum FileTree {
    /// The regular files under `root`, as paths relative to it, sorted.
    public static func regularFiles(under root: String) -> [String] {
        var isDirectory: ObjCBool = false
        return ((try? FileManager.default.subpathsOfDirectory(atPath: root)) ?? []).filter { path in
            FileManager.default.fileExists(atPath: "\(root)/\(path)", isDirectory: &isDirectory) && !isDirectory.boolValue
        }.sorted()
    }
}
