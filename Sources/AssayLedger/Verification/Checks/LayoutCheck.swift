import AssayCore

/// `unlisted-file`, `bundle-path`, `file-type` and `unreadable`: nothing may
/// sit in a dataset beside the signed data, and everything in it is a plain
/// file or directory that can be read (spec/dataset.md §2, §8.1). Every path
/// is looked at with `lstat`; nothing is followed or opened here.
struct LayoutCheck {
    static let topLevel: [String: Files.Kind] = [
        DatasetDirectory.descriptorName: .regular, "README.md": .regular, "LICENSE": .regular,
        DatasetDirectory.bundlesName: .directory, DatasetDirectory.scoresName: .directory, DatasetDirectory.policyName: .directory,
        DatasetLog.directoryName: .directory,  // its contents are the log check's (spec/log.md §7.5)
        DatasetDirectory.probesName: .directory,  // its contents are the probe files check's (spec/probe.md §7.4)
    ]
    static let bundleFiles: [String: Files.Kind] = [
        "manifest.json": .regular, "records.jsonl": .regular, "conflicts.jsonl": .regular, "probes.json": .regular, "signatures": .directory,
    ]
    /// The scores document in either stored form, never both (spec/scoring.md §10).
    static let scoresFiles: [String: Files.Kind] = ["scores.json": .regular, "scores.json.zst": .regular, "signatures": .directory]
    static let policyFiles: [String: Files.Kind] = ["policy.json": .regular, DatasetDirectory.allowedSignersName: .regular,
                                                    DatasetDirectory.witnessesName: .regular, "signatures": .directory]

    let directory: DatasetDirectory

    func check(into log: inout FindingLog) {
        guard let top = entries("", log: &log) else { return }
        for entry in top where !entry.name.hasPrefix(".") {
            guard let expected = Self.topLevel[entry.name] else {
                log.add(.unlistedFile, entry.name, "is not part of a dataset's layout")
                continue
            }
            _ = hasKind(entry, expected, path: entry.name, log: &log)
        }
        let kinds = Dictionary(uniqueKeysWithValues: top.map { ($0.name, $0.kind) })
        if kinds[DatasetDirectory.bundlesName] == .directory { checkTree(DatasetDirectory.bundlesName, files: Self.bundleFiles, log: &log) }
        if kinds[DatasetDirectory.scoresName] == .directory { checkTree(DatasetDirectory.scoresName, files: Self.scoresFiles, log: &log) }
        if kinds[DatasetDirectory.policyName] == .directory { checkPolicy(log: &log) }
    }

    /// The entries of a directory of the dataset, or nil after an `unreadable` finding.
    func entries(_ relative: String, log: inout FindingLog) -> [Files.Entry]? {
        let absolute = relative.isEmpty ? directory.root : "\(directory.root)/\(relative)"
        do { return try Files.entries(absolute) } catch {
            log.add(.unreadable, relative.isEmpty ? "." : relative, "cannot be listed: \(error.detail ?? String(cString: strerror(error.code)))")
            return nil
        }
    }

    /// Whether an entry is of the kind its place calls for; a `file-type` finding otherwise.
    func hasKind(_ entry: Files.Entry, _ expected: Files.Kind, path: String, log: inout FindingLog) -> Bool {
        guard entry.kind != expected else { return true }
        log.add(.fileType, path, "is a \(entry.kind.rawValue); a dataset holds only regular files and directories here "
            + "(expected a \(expected == .regular ? "regular file" : "directory")); it is never followed or opened")
        return false
    }

    /// `policy/NNNN/` holding only a policy version's files (spec/policy.md §1); numbering is the chain's check.
    func checkPolicy(log: inout FindingLog) {
        let top = DatasetDirectory.policyName
        for entry in entries(top, log: &log) ?? [] {
            let path = "\(top)/\(entry.name)"
            guard isDigits(entry.name, 4) else {
                log.add(.unlistedFile, path, "is not a policy version directory NNNN")
                continue
            }
            guard hasKind(entry, .directory, path: path, log: &log) else { continue }
            checkDocumentDirectory(path, files: Self.policyFiles, log: &log)
        }
    }

    /// `top/<collector>/<YYYY>/<MM>/<DD>/` holding only `files`.
    func checkTree(_ top: String, files: [String: Files.Kind], log: inout FindingLog) {
        for collector in entries(top, log: &log) ?? [] {
            let collectorPath = "\(top)/\(collector.name)"
            guard Slug.isValid(collector.name) else {
                log.add(.bundlePath, collectorPath, "is not a collector directory (\(Slug.rule))")
                continue
            }
            guard level(collector, path: collectorPath, what: "collector directory", log: &log) else { continue }
            for year in entries(collectorPath, log: &log) ?? [] {
                let yearPath = "\(collectorPath)/\(year.name)"
                guard isDigits(year.name, 4) || year.name.hasPrefix(".") else {
                    log.add(.bundlePath, yearPath, "is not a year (YYYY) directory")
                    continue
                }
                guard !year.name.hasPrefix(".") else {
                    log.add(.unlistedFile, yearPath, "is not part of a dataset")
                    continue
                }
                guard level(year, path: yearPath, what: "year (YYYY) directory", log: &log) else { continue }
                for month in entries(yearPath, log: &log) ?? [] {
                    let monthPath = "\(yearPath)/\(month.name)"
                    guard isDigits(month.name, 2) else {
                        log.add(month.name.hasPrefix(".") ? .unlistedFile : .bundlePath, monthPath, "is not a month (MM) directory")
                        continue
                    }
                    guard level(month, path: monthPath, what: "month (MM) directory", log: &log) else { continue }
                    for day in entries(monthPath, log: &log) ?? [] {
                        let dayPath = "\(monthPath)/\(day.name)"
                        guard isDigits(day.name, 2) else {
                            log.add(day.name.hasPrefix(".") ? .unlistedFile : .bundlePath, dayPath,
                                    day.name.hasPrefix(".") ? "is not part of a dataset (a crashed seal's leftovers are never published)"
                                                            : "is not a bundle directory DD")
                            continue
                        }
                        guard level(day, path: dayPath, what: "bundle directory DD", log: &log) else { continue }
                        guard UTCDay("\(year.name)-\(month.name)-\(day.name)") != nil else {
                            log.add(.bundlePath, dayPath, "is not a real date")
                            continue
                        }
                        checkDocumentDirectory(dayPath, files: files, log: &log)
                    }
                }
            }
        }
    }

    /// A level of the tree must be a directory: a regular file there is a `bundle-path`
    /// error, a link, FIFO, device or socket a `file-type` error.
    func level(_ entry: Files.Entry, path: String, what: String, log: inout FindingLog) -> Bool {
        if entry.kind == .directory { return true }
        if entry.kind == .regular {
            log.add(.bundlePath, path, "is not a \(what)")
            return false
        }
        return hasKind(entry, .directory, path: path, log: &log)
    }

    /// A bundle, published scores or a policy version: only `files`, each of its kind, and
    /// `signatures/<signer>.sig` regular files.
    func checkDocumentDirectory(_ path: String, files: [String: Files.Kind], log: inout FindingLog) {
        let isPolicy = path.hasPrefix(DatasetDirectory.policyName)
        let found = entries(path, log: &log) ?? []
        for entry in found {
            if files == Self.scoresFiles, entry.name == ScoresDocumentFile.name + StoredFile.compressedSuffix,
               found.contains(where: { $0.name == ScoresDocumentFile.name }) {
                log.add(.unlistedFile, "\(path)/\(entry.name)", "is a second stored form of scores.json; a scores directory holds one")
                continue
            }
            guard let expected = files[entry.name] ?? (isPolicy ? nil : Self.storedBundleFileKind(entry.name, files: files)) else {
                log.add(.unlistedFile, "\(path)/\(entry.name)",
                        isPolicy ? "is not part of a policy version" : "is not part of a bundle; no manifest names it")
                continue
            }
            guard hasKind(entry, expected, path: "\(path)/\(entry.name)", log: &log), entry.name == "signatures" else { continue }
            for signature in entries("\(path)/signatures", log: &log) ?? [] {
                let signaturePath = "\(path)/signatures/\(signature.name)"
                let stem = signature.name.hasSuffix(".sig") ? String(signature.name.dropLast(4)) : ""
                guard Slug.isValid(stem) else {
                    log.add(.unlistedFile, signaturePath, "is not a signature file <signer>.sig")
                    continue
                }
                _ = hasKind(signature, .regular, path: signaturePath, log: &log)
            }
        }
    }

    /// A bundle's shards and compressed files (spec/dataset.md §4.6, §4.7): whether the manifest names them is
    /// the bundle's own check; here only the names are.
    static func storedBundleFileKind(_ name: String, files: [String: Files.Kind]) -> Files.Kind? {
        guard files == bundleFiles else { return nil }
        let content = name.hasSuffix(StoredFile.compressedSuffix) ? String(name.dropLast(StoredFile.compressedSuffix.count)) : name
        if Manifest.shardNumber(content) != nil { return .regular }
        guard content != name, content != "manifest.json", bundleFiles[content] == .regular else { return nil }
        return .regular
    }

    func isDigits(_ text: String, _ count: Int) -> Bool {
        text.utf8.count == count && text.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    }
}

#if canImport(Glibc)
import Glibc
#endif
