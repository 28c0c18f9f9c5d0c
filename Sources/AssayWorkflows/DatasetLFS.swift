#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import AssayCore
import AssayCrypto
import AssayGit
import AssayLedger
import Foundation

/// A dataset's large files in Git LFS (spec/dataset.md §9.1): every compressed file under `bundles/` or
/// `scores/` is committed as its LFS pointer, its bytes kept in the repository's LFS store and pushed with the
/// `git-lfs` client before the branch; an auditor fetches only the bundles it checks. Nothing here is trusted
/// by verification: a pointer names the stored bytes, the manifest (or the log entry) their content.
public enum DatasetLFS {
    /// The dataset's `.gitattributes`: its one line, written with the first compressed file a dataset publishes.
    /// The layout allows `.zst` files only under `bundles/` and `scores/`, so the line names them all.
    public static let attributesPath = ".gitattributes"
    public static let attributes = "*.zst filter=lfs diff=lfs merge=lfs -text\n"

    /// Whether git LFS stores `path` (relative to the dataset): a compressed file of a bundle or of published scores.
    public static func isTracked(_ path: String) -> Bool {
        (path.hasPrefix("\(DatasetDirectory.bundlesName)/") || path.hasPrefix("\(DatasetDirectory.scoresName)/"))
            && path.hasSuffix(StoredFile.compressedSuffix)
    }

    /// A Git LFS pointer file (git-lfs docs/spec.md): the SHA-256 and size of the bytes it stands for.
    public struct Pointer: Equatable, Sendable {
        public let oid: String
        public let size: Int64

        public init(oid: String, size: Int64) {
            self.oid = oid
            self.size = size
        }

        /// The pointer's canonical text: version, oid, size, each line ended by a newline.
        public var bytes: [UInt8] { Array("version https://git-lfs.github.com/spec/v1\noid sha256:\(oid)\nsize \(size)\n".utf8) }

        /// Parses the canonical text of a pointer; nil for anything else (a file's content, another pointer version).
        public init?(bytes: [UInt8]) {
            guard bytes.count < 1024 else { return nil }
            let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
            guard lines.count == 4, lines[3].isEmpty, lines[0] == "version https://git-lfs.github.com/spec/v1",
                  lines[1].hasPrefix("oid sha256:"), lines[2].hasPrefix("size ") else { return nil }
            let oid = String(lines[1].dropFirst("oid sha256:".count))
            guard oid.utf8.count == 64, oid.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }),
                  let size = Int64(lines[2].dropFirst("size ".count)), size >= 0, String(size) == lines[2].dropFirst("size ".count) else { return nil }
            self.init(oid: oid, size: size)
        }
    }

    /// The pointer of the regular file at `path`: its SHA-256, streamed, and its size.
    static func pointer(of path: String) throws(GitError) -> Pointer {
        let hasher = MessageDigest(.sha256)
        var size: Int64 = 0
        do { try Files.stream(path) { chunk in hasher.update(chunk); size += Int64(chunk.count) } } catch {
            throw GitError(.largeFiles, "\(path): \(error)")
        }
        return Pointer(oid: hasher.finalize().hex, size: size)
    }

    /// Where the repository whose git directory is `gitDirectory` keeps the object `oid` (git-lfs's layout).
    public static func objectPath(gitDirectory: String, oid: String) -> String {
        let base = gitDirectory.hasSuffix("/") ? String(gitDirectory.dropLast()) : gitDirectory
        return "\(base)/lfs/objects/\(oid.prefix(2))/\(oid.dropFirst(2).prefix(2))/\(oid)"
    }

    /// Copies the work tree's file `relative` into the repository's LFS store (atomically, once) and returns its pointer.
    static func store(_ relative: String, in repository: GitRepository) throws(GitError) -> Pointer {
        guard let workdir = repository.workdir else { throw GitError(.largeFiles, "a bare repository has no files to store") }
        let source = workdir + relative
        let pointer = try pointer(of: source)
        let target = objectPath(gitDirectory: repository.path, oid: pointer.oid)
        if Files.exists(target) { return pointer }
        do {
            try FileManager.default.createDirectory(atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            let temporary = "\(target).tmp-\(getpid())"
            try? FileManager.default.removeItem(atPath: temporary)  // a crash's leftover, if any: it is rewritten whole
            try FileManager.default.copyItem(atPath: source, toPath: temporary)
            guard try Self.pointer(of: temporary) == pointer else {
                throw GitError(.largeFiles, "\(relative) changed while it was stored; publish again")
            }
            guard rename(temporary, target) == 0 else { throw FileError(path: target, operation: "rename", errno: errno) }
        } catch let error as GitError {
            throw error
        } catch {
            throw GitError(.largeFiles, "storing \(relative) in \(repository.path)lfs: \(error)")
        }
        return pointer
    }

    /// The pointer blob to commit for each LFS-tracked path among `paths`, each file stored in the LFS store.
    public static func pointers(for paths: [String], in repository: GitRepository) throws(GitError) -> [String: [UInt8]] {
        var blobs: [String: [UInt8]] = [:]
        for path in paths where isTracked(path) {
            // A pointer already (a file never fetched) is committed as it is.
            if let workdir = repository.workdir, let bytes = try? Files.readRegular(workdir + path, limit: 1023), Pointer(bytes: bytes) != nil {  // unreadable: stored below, which reports it
                blobs[path] = bytes
                continue
            }
            blobs[path] = try store(path, in: repository).bytes
        }
        return blobs
    }

    /// Whether the work tree's `path` agrees with its committed LFS pointer: it is that pointer (not fetched), or
    /// bytes of the pointer's size and SHA-256 (spec/dataset.md §9.1). False when HEAD holds no pointer there.
    public static func agreesWithHEAD(_ path: String, in repository: GitRepository) -> Bool {
        guard isTracked(path), let workdir = repository.workdir,
              let id = try? repository.blobID(path: path),  // no HEAD, no file there, or unreadable: not in agreement (reported)
              let committed = try? repository.blob(id, limit: 1023), let pointer = Pointer(bytes: committed),
              Files.kind(workdir + path) == .regular else { return false }
        if let bytes = try? Files.readRegular(workdir + path, limit: 1023), bytes == committed { return true }  // larger: content, hashed below
        return (try? Self.pointer(of: workdir + path)) == pointer
    }

    /// `git status` without the LFS-tracked files that agree with their committed pointers.
    public static func status(_ repository: GitRepository, includeIgnored: Bool = false) throws(GitError) -> [GitRepository.StatusEntry] {
        try repository.status(includeIgnored: includeIgnored).filter { $0.isUntracked || !agreesWithHEAD($0.path, in: repository) }
    }

    /// Whether the dataset keeps large files in LFS: its HEAD has the `.gitattributes` line.
    public static func isInUse(_ repository: GitRepository) throws(GitError) -> Bool {
        guard try repository.resolve("HEAD") != nil, let id = try repository.blobID(path: attributesPath) else { return false }
        return String(decoding: try repository.blob(id, limit: 4096), as: UTF8.self).contains(attributes.dropLast())
    }

    /// Pushes to `remote` the LFS objects of `branch`'s commits that the remote's branch lacks (`git lfs push`):
    /// before the branch itself, so no remote ever has a pointer without its object.
    public static func push(_ repository: GitRepository, remote: String, branch: String) throws(GitError) {
        try run(["push", remote, branch], in: repository)
    }

    /// Fetches and checks out the LFS objects of the files `include` names (git-lfs patterns), from `remote`.
    public static func pull(_ repository: GitRepository, remote: String = "origin", include: [String]) throws(GitError) {
        guard !include.isEmpty else { return }
        try run(["pull", remote, "--include", include.joined(separator: ","), "--exclude", ""], in: repository)
    }

    /// Writes, in place of each work tree pointer among `paths` whose object the LFS store holds, the object's
    /// bytes: after a replay's checkout, the publisher's own files are content again.
    public static func restore(_ paths: [String], in repository: GitRepository) {
        guard let workdir = repository.workdir else { return }
        for path in paths where isTracked(path) {
            guard let bytes = try? Files.readRegular(workdir + path, limit: 1023), let pointer = Pointer(bytes: bytes) else { continue }  // content already, or not there
            let object = objectPath(gitDirectory: repository.path, oid: pointer.oid)
            guard (try? Self.pointer(of: object)) == pointer else { continue }  // not stored here (another publisher's), or damaged
            let temporary = "\(workdir)\(path).tmp-\(getpid())"
            try? FileManager.default.removeItem(atPath: temporary)
            guard (try? FileManager.default.copyItem(atPath: object, toPath: temporary)) != nil, rename(temporary, workdir + path) == 0 else {
                try? FileManager.default.removeItem(atPath: temporary)  // the pointer stays: the file reads as not fetched, never as wrong content
                continue
            }
        }
    }

    /// Runs the `git-lfs` client in the work tree; its failure is a `GitError` with what it printed.
    static func run(_ arguments: [String], in repository: GitRepository) throws(GitError) {
        guard let workdir = repository.workdir else { throw GitError(.largeFiles, "git lfs needs a work tree") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git", "lfs"] + arguments
        process.currentDirectoryURL = URL(fileURLWithPath: workdir)
        var environment = ProcessInfo.processInfo.environment
        environment["GIT_TERMINAL_PROMPT"] = "0"
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        do { try process.run() } catch {
            throw GitError(.largeFiles, "git lfs \(arguments.first ?? ""): cannot run git-lfs (install Debian's git-lfs): \(error)")
        }
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw GitError(.largeFiles, "git lfs \(arguments.joined(separator: " ")) failed (exit \(process.terminationStatus)): "
                + text.trimmingCharacters(in: .whitespacesAndNewlines).suffix(2000))
        }
    }
}
