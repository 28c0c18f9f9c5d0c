import AssayCore
import AssayZstd
import AssayCrypto
import AssayProbe
import Foundation

/// A dataset on disk (spec/dataset.md §2): where its files are, which
/// bundles exist, and atomic writing of new bundles and signatures.
public struct DatasetDirectory: Sendable {
    public static let descriptorName = "dataset.json"
    public static let allowedSignersName = "allowed_signers"
    /// A policy version's witnesses and quorum (spec/log.md §8.1).
    public static let witnessesName = "witnesses"
    public static let bundlesName = "bundles"
    public static let manifestNamespace = "assay-manifest-v1"
    /// Published scores (spec/scoring.md §10).
    public static let scoresName = "scores"
    public static let scoresNamespace = "assay-scores-v1"
    public static let policyName = "policy"
    public static let policyNamespace = "assay-policy-v1"

    public let root: String

    public init(_ root: String) {
        self.root = root.count > 1 && root.hasSuffix("/") ? String(root.dropLast()) : root
    }

    public var descriptorPath: String { "\(root)/\(Self.descriptorName)" }
    public var bundlesPath: String { "\(root)/\(Self.bundlesName)" }

    /// `bundles/<collector>/<YYYY>/<MM>/<DD>` relative to the dataset.
    public static func bundleRelativePath(collector: String, day: UTCDay) -> String {
        "\(bundlesName)/\(collector)/\(day.path)"
    }

    /// `scores/<collector>/<YYYY>/<MM>/<DD>` relative to the dataset.
    public static func scoresRelativePath(collector: String, day: UTCDay) -> String {
        "\(scoresName)/\(collector)/\(day.path)"
    }

    /// The days with published scores of each collector, in order (well-formed directories only,
    /// links never followed; a directory that cannot be read is an error).
    public func scoreDays() throws(FileError) -> [(collector: String, day: UTCDay)] {
        try Self.dayDirectories("\(root)/\(Self.scoresName)")
    }

    /// `<collector>/<YYYY>/<MM>/<DD>` directories under `base`, by collector then day.
    /// With `fileSuffix`, days are regular files `<DD><fileSuffix>` instead of directories.
    static func dayDirectories(_ base: String, fileSuffix: String? = nil) throws(FileError) -> [(collector: String, day: UTCDay)] {
        var result: [(String, UTCDay)] = []
        for collector in try entries(base) where collector.kind == .directory && Slug.isValid(collector.name) {
            let collectorPath = "\(base)/\(collector.name)"
            var days: [UTCDay] = []
            for year in try entries(collectorPath) where year.kind == .directory && year.name.utf8.count == 4 {
                for month in try entries("\(collectorPath)/\(year.name)") where month.kind == .directory && month.name.utf8.count == 2 {
                    for day in try entries("\(collectorPath)/\(year.name)/\(month.name)") {
                        let name: Substring
                        if let fileSuffix {
                            guard day.kind == .regular, day.name.hasSuffix(fileSuffix) else { continue }
                            name = day.name.dropLast(fileSuffix.count)
                        } else {
                            guard day.kind == .directory else { continue }
                            name = Substring(day.name)
                        }
                        guard name.utf8.count == 2 else { continue }
                        if let parsed = UTCDay("\(year.name)-\(month.name)-\(name)") { days.append(parsed) }
                    }
                }
            }
            result += days.sorted().map { (collector.name, $0) }
        }
        return result
    }

    public func bundlePath(collector: String, day: UTCDay) -> String {
        "\(root)/\(Self.bundleRelativePath(collector: collector, day: day))"
    }

    public func descriptor() throws(LedgerError) -> DatasetDescriptor {
        do { return try DatasetDescriptor(bytes: try Files.readRegular(descriptorPath, limit: Self.descriptorLimit)) } catch let error as FileError {
            throw LedgerError(.io, error.description)
        } catch let error as DocumentError {
            throw LedgerError(.invalidDocument, "\(Self.descriptorName): \(error.reason)")
        } catch { throw LedgerError(.io, "\(error)") }
    }

    /// Size caps of spec/dataset.md §8.1.
    public static let descriptorLimit = 1 << 20
    public static let allowedSignersLimit = 4 << 20
    public static let manifestLimit = 16 << 20
    public static let policyDocumentLimit = 1 << 20
    public static let scoresLimit = 64 << 20
    public static let signatureLimit = 64 << 10

    /// Collector ids that have a bundles directory, sorted (links never followed).
    public func collectors() throws(FileError) -> [String] {
        try Self.entries(bundlesPath).filter { $0.kind == .directory && Slug.isValid($0.name) }.map(\.name)
    }

    /// The days of a collector's bundles (well-formed directories only), ascending.
    public func days(of collector: String) throws(FileError) -> [UTCDay] {
        let base = "\(bundlesPath)/\(collector)"
        guard Files.kind(base) == .directory else { return [] }
        var days: [UTCDay] = []
        for year in try Self.entries(base) where year.kind == .directory && year.name.utf8.count == 4 {
            for month in try Self.entries("\(base)/\(year.name)") where month.kind == .directory && month.name.utf8.count == 2 {
                for day in try Self.entries("\(base)/\(year.name)/\(month.name)") where day.kind == .directory && day.name.utf8.count == 2 {
                    if let parsed = UTCDay("\(year.name)-\(month.name)-\(day.name)") { days.append(parsed) }
                }
            }
        }
        return days.sorted()
    }

    /// The bytes of a bundle's manifest.
    public func manifestBytes(collector: String, day: UTCDay) throws(FileError) -> [UInt8] {
        try Files.readRegular("\(bundlePath(collector: collector, day: day))/manifest.json", limit: Self.manifestLimit)
    }

    /// The collector's newest bundle before `day`, as the `prev` of a new bundle.
    public func previous(collector: String, before day: UTCDay) throws(LedgerError) -> Manifest.Previous? {
        do {
            guard let last = try days(of: collector).last(where: { $0 < day }) else { return nil }
            return Manifest.Previous(day: last, sha256: MessageDigest.sha256(try manifestBytes(collector: collector, day: last)).hex)
        } catch { throw LedgerError(.io, error.description) }
    }

    /// Creates a new dataset directory: its descriptor and its genesis (`policy/0001`: the policy
    /// document naming the descriptor, `allowed_signers`, and an approval by each of `approvals`).
    /// Returns the genesis hash, which auditors pin (spec/dataset.md §8.4).
    public static func create(at root: String, descriptor: DatasetDescriptor, allowedSigners: String, threshold: Int, issued: Int64,
                              witnesses: [UInt8]? = nil, approvals: [(signer: String, key: any Ed25519Signer)]) throws(LedgerError) -> String {
        let directory = DatasetDirectory(root)
        do {
            try FileManager.default.createDirectory(atPath: "\(root)/\(bundlesName)", withIntermediateDirectories: true)
        } catch { throw LedgerError(.io, "\(root): cannot create: \(error.localizedDescription)") }
        guard !Files.exists(directory.descriptorPath), !Files.exists("\(root)/\(policyName)") else {
            throw LedgerError(.alreadyExists, "\(root) already holds a dataset (dataset.json or policy/)")
        }
        let descriptorBytes = descriptor.bytes()
        let signersBytes = Array(allowedSigners.utf8)
        let genesis = PolicyDocument(genesisOf: descriptor.id, descriptor: descriptorBytes, issued: issued, threshold: threshold,
                                     allowedSigners: signersBytes, witnesses: witnesses, summary: "genesis of \(descriptor.id)")
        let genesisBytes = genesis.bytes()
        var files: [(name: String, bytes: [UInt8], faultPoint: String?)] = [
            ("policy.json", genesisBytes, nil), (allowedSignersName, signersBytes, nil),
        ]
        if let witnesses { files.append((witnessesName, witnesses, nil)) }
        for (signer, key) in approvals {
            do {
                let signature = try SSHSignature.sign(genesisBytes, namespace: policyNamespace, with: key)
                files.append(("signatures/\(signer).sig", Array(signature.armored.utf8), nil))
            } catch { throw LedgerError(.io, "signing the genesis as \(signer): \(error)") }
        }
        do {
            try Files.createExclusive(directory.descriptorPath, contents: descriptorBytes, mode: 0o644)
        } catch { throw LedgerError(.io, error.description) }
        try directory.installDirectory(at: "\(root)/\(PolicyDocument.relativePath(version: 1))", files: files)
        // The log of one entry, the genesis, signed by each approver (spec/log.md §7.4).
        for (index, approval) in approvals.enumerated() {
            if index == 0 {
                _ = try DatasetLog.append(directory, paths: ["\(PolicyDocument.relativePath(version: 1))/policy.json"], datasetID: descriptor.id,
                                          signer: approval.signer, key: approval.key)
            } else {
                _ = try DatasetLog.cosign(directory, datasetID: descriptor.id, signer: approval.signer, key: approval.key)
            }
        }
        return MessageDigest.sha256(genesisBytes).hex
    }

    /// Writes a sealed, signed bundle: everything goes into a hidden temporary
    /// directory first, which is renamed into place, so a crash leaves either
    /// no bundle or a whole one (spec/dataset.md §5 step 6). Refuses to
    /// overwrite a sealed day or to seal before the collector's newest day.
    /// Writes a sealed bundle: each shard, and each other file larger than `compressAbove` bytes, stored compressed,
    /// as `<name>.zst` (spec/dataset.md §4.7; transport only: the manifest names the content either way).
    public func write(_ bundle: SealedBundle, signatures: [(signer: String, signature: SSHSignature)],
                      compressAbove: Int = StoredFile.compressAbove) throws(LedgerError) {
        let collector = bundle.manifest.collector
        let day = bundle.manifest.day
        let target = bundlePath(collector: collector, day: day)
        guard !Files.exists(target) else {
            throw LedgerError(.alreadyExists, "\(Self.bundleRelativePath(collector: collector, day: day)) is already sealed; a sealed bundle is never rewritten")
        }
        let existing: [UTCDay]
        do { existing = try days(of: collector) } catch { throw LedgerError(.io, error.description) }
        if let newest = existing.last, newest > day {
            throw LedgerError(.outOfOrder, "\(collector) already has a bundle for \(newest); days before it cannot be sealed")
        }
        var content: [(name: String, bytes: ArraySlice<UInt8>)] = bundle.recordFiles.map { ($0.name, bundle.records[$0.range]) }
        content.append((Manifest.conflictsName, bundle.conflicts[...]))
        if let reveal = bundle.reveal { content.append((ProbeReveal.fileName, reveal[...])) }
        // Compressing is the slow part of a large bundle: one file per core.
        let stored = Parallel.map(content.count) { index -> (name: String, bytes: [UInt8]) in
            let (name, bytes) = content[index]
            guard bytes.count > compressAbove || Manifest.shardNumber(name) != nil else { return (name, Array(bytes)) }
            return (name + StoredFile.compressedSuffix, bytes.withUnsafeBytes { Zstd.compress($0, level: StoredFile.compressionLevel) })
        }
        var files: [(name: String, bytes: [UInt8], faultPoint: String?)] = stored.enumerated().map { index, file in
            (file.name, file.bytes, index == 0 ? "seal-after-records" : nil)
        }
        files += [
            ("manifest.json", bundle.manifestBytes, "seal-after-manifest"),
        ]
        for (signer, signature) in signatures {
            guard Slug.isValid(signer) else { throw LedgerError(.invalidName, "signer '\(signer)' must be \(Slug.rule)") }
            files.append(("signatures/\(signer).sig", Array(signature.armored.utf8), nil))
        }
        try installDirectory(at: target, files: files, beforeRename: "seal-before-rename")
    }

    /// Creates the directory `target` (absolute, not existing yet) holding `files`
    /// (names relative to it, `signatures/…` allowed) all at once: they are written
    /// into a hidden temporary directory beside it, synced, and renamed into
    /// place, so a crash leaves either nothing or the whole directory. Leftovers of
    /// earlier crashes beside it are removed first. `faultPoint`s name the test
    /// hooks after each file (FaultInjection).
    public func installDirectory(at target: String, files: [(name: String, bytes: [UInt8], faultPoint: String?)],
                                 beforeRename: String? = nil) throws(LedgerError) {
        let parent = (target as NSString).deletingLastPathComponent
        let temporary = "\(parent)/.\((target as NSString).lastPathComponent).tmp-\(getpid())"
        do {
            try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
            removeStaleTemporaries(in: parent)
            try FileManager.default.createDirectory(atPath: "\(temporary)/signatures", withIntermediateDirectories: true)
        } catch { throw LedgerError(.io, "\(parent): \(error.localizedDescription)") }
        do {
            for file in files {
                try Files.createExclusive("\(temporary)/\(file.name)", contents: file.bytes, mode: 0o644)
                if let point = file.faultPoint { FaultInjection.point(point) }
            }
            try Files.syncDirectory(of: "\(temporary)/signatures/x")
            try Files.syncDirectory(of: "\(temporary)/x")
            if let beforeRename { FaultInjection.point(beforeRename) }
            guard rename(temporary, target) == 0 else { throw FileError(path: target, operation: "rename", errno: errno) }
            try Files.syncDirectory(of: target)
        } catch {
            // Best effort: a leftover is removed by the next write, or refused by the layout check.
            try? FileManager.default.removeItem(atPath: temporary)  // cleanup while the original error is thrown
            throw LedgerError(.io, "\(error)")
        }
    }

    /// Adds a co-signature file to a sealed bundle (never replacing one).
    public func addSignature(_ signature: SSHSignature, signer: String, collector: String, day: UTCDay) throws(LedgerError) {
        guard Slug.isValid(signer) else { throw LedgerError(.invalidName, "signer '\(signer)' must be \(Slug.rule)") }
        let path = "\(bundlePath(collector: collector, day: day))/signatures/\(signer).sig"
        do { try Files.createExclusive(path, contents: Array(signature.armored.utf8), mode: 0o644) } catch {
            throw LedgerError(error.code == EEXIST ? .alreadyExists : .io, error.description)
        }
        do { try Files.syncDirectory(of: path) } catch { throw LedgerError(.io, error.description) }
    }

    /// Removes hidden temporary directories (`.<name>.tmp-<pid>`) a crashed write left behind.
    func removeStaleTemporaries(in directory: String) {
        // Best effort: a leftover that cannot be listed or removed is refused later by the layout check.
        for entry in (try? Self.entries(directory)) ?? [] where entry.name.hasPrefix(".") && entry.name.contains(".tmp-") {  // best-effort removal of stale temporaries; sealing reports its own errors
            try? FileManager.default.removeItem(atPath: "\(directory)/\(entry.name)")  // best effort, as above
        }
    }

    /// The entries of a directory (links not followed), sorted by bytes; none when it does not
    /// exist, an error when it exists but cannot be read (never an empty list in its place).
    public static func entries(_ path: String) throws(FileError) -> [Files.Entry] {
        do { return try Files.entries(path) } catch where error.code == ENOENT { return [] }
    }

    /// The names in a directory (links not followed), sorted by bytes; see `entries`.
    public static func list(_ path: String) throws(FileError) -> [String] {
        try entries(path).map(\.name)
    }

    /// Whether `path` itself is a directory (a symbolic link to one is not).
    public static func isDirectory(_ path: String) -> Bool {
        Files.kind(path) == .directory
    }
}

/// Why a ledger operation was refused.
public struct LedgerError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case io
        case invalidDocument = "invalid-document"
        case alreadyExists = "already-exists"
        case outOfOrder = "out-of-order"
        case invalidName = "invalid-name"
        case notFound = "not-found"
    }

    public let code: Code
    public let reason: String

    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { "\(reason) [\(code.rawValue)]" }
}

/// Named points where tests can make the process die as if it crashed
/// (`ASSAY_FAULT=<point>`), to show that no half-written state survives.
public enum FaultInjection {
    static let point = ProcessInfo.processInfo.environment["ASSAY_FAULT"]

    /// Exits at once, without cleanup, when `ASSAY_FAULT` names this point.
    public static func point(_ name: String) {
        if point == name { _exit(70) }
    }
}
