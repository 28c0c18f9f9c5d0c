import AssayCore

/// `unlisted-file` and `bundle-path`: nothing may sit in a dataset beside the
/// signed data (spec/dataset.md §2).
struct LayoutCheck {
    static let topLevel: Set<String> = [DatasetDirectory.descriptorName, DatasetDirectory.allowedSignersName,
                                        DatasetDirectory.bundlesName, DatasetDirectory.scoresName, DatasetDirectory.policyName,
                                        "README.md", "LICENSE"]
    static let bundleFiles: Set<String> = ["manifest.json", "records.jsonl", "conflicts.jsonl", "signatures"]

    let directory: DatasetDirectory

    func check(into log: inout FindingLog) {
        let root = directory.root
        for name in DatasetDirectory.list(root) where !name.hasPrefix(".") && !Self.topLevel.contains(name) {
            log.add(.unlistedFile, name, "is not part of a dataset's layout")
        }
        checkTree(DatasetDirectory.bundlesName, files: Self.bundleFiles, log: &log)
        checkTree(DatasetDirectory.scoresName, files: Self.scoresFiles, log: &log)
        checkPolicy(log: &log)
    }

    static let policyFiles: Set<String> = ["policy.json", DatasetDirectory.allowedSignersName, "signatures"]

    /// `policy/NNNN/` holding only a policy version's files (spec/policy.md §1); numbering is the chain's check.
    func checkPolicy(log: inout FindingLog) {
        let top = DatasetDirectory.policyName
        let absolute = "\(directory.root)/\(top)"
        guard Files.exists(absolute) else { return }
        guard DatasetDirectory.isDirectory(absolute) else {
            log.add(.unlistedFile, top, "must be the directory of policy versions")
            return
        }
        for name in DatasetDirectory.list(absolute) {
            guard isDigits(name, 4), DatasetDirectory.isDirectory("\(absolute)/\(name)") else {
                log.add(.unlistedFile, "\(top)/\(name)", "is not a policy version directory NNNN")
                continue
            }
            checkBundle("\(top)/\(name)", files: Self.policyFiles, log: &log)
        }
    }

    static let scoresFiles: Set<String> = ["scores.json", "signatures"]

    /// `top/<collector>/<YYYY>/<MM>/<DD>/` holding only `files`.
    func checkTree(_ top: String, files: Set<String>, log: inout FindingLog) {
        let root = directory.root
        let bundles = "\(root)/\(top)"
        for collector in DatasetDirectory.list(bundles) {
            let collectorPath = "\(top)/\(collector)"
            guard Slug.isValid(collector), DatasetDirectory.isDirectory("\(bundles)/\(collector)") else {
                log.add(.bundlePath, collectorPath, "is not a collector directory (\(Slug.rule))")
                continue
            }
            for year in DatasetDirectory.list("\(bundles)/\(collector)") {
                for month in listOrReport("\(collectorPath)/\(year)", digits: 4, log: &log) {
                    for day in listOrReport("\(collectorPath)/\(year)/\(month)", digits: 2, log: &log) {
                        let dayPath = "\(collectorPath)/\(year)/\(month)/\(day)"
                        guard isDigits(day, 2), DatasetDirectory.isDirectory("\(root)/\(dayPath)") else {
                            log.add(day.hasPrefix(".") ? .unlistedFile : .bundlePath, dayPath,
                                      day.hasPrefix(".") ? "is not part of a dataset (a crashed seal's leftovers are never published)"
                                                         : "is not a bundle directory DD")
                            continue
                        }
                        guard UTCDay("\(year)-\(month)-\(day)") != nil else {
                            log.add(.bundlePath, dayPath, "is not a real date")
                            continue
                        }
                        checkBundle(dayPath, files: files, log: &log)
                    }
                }
            }
        }
    }

    /// Lists `path` (a YYYY or MM level) after checking its own name; nothing if it is wrong.
    func listOrReport(_ path: String, digits: Int, log: inout FindingLog) -> [String] {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        guard isDigits(name, digits), DatasetDirectory.isDirectory("\(directory.root)/\(path)") else {
            log.add(name.hasPrefix(".") ? .unlistedFile : .bundlePath, path,
                      "is not a \(digits == 4 ? "year (YYYY)" : "month (MM)") directory")
            return []
        }
        return DatasetDirectory.list("\(directory.root)/\(path)")
    }

    func checkBundle(_ path: String, files: Set<String>, log: inout FindingLog) {
        let absolute = "\(directory.root)/\(path)"
        for name in DatasetDirectory.list(absolute) where !files.contains(name) {
            log.add(.unlistedFile, "\(path)/\(name)", path.hasPrefix(DatasetDirectory.policyName) ? "is not part of a policy version" : "is not part of a bundle; no manifest names it")
        }
        for name in DatasetDirectory.list("\(absolute)/signatures") {
            let stem = name.hasSuffix(".sig") ? String(name.dropLast(4)) : ""
            if !Slug.isValid(stem) || DatasetDirectory.isDirectory("\(absolute)/signatures/\(name)") {
                log.add(.unlistedFile, "\(path)/signatures/\(name)", "is not a signature file <signer>.sig")
            }
        }
    }

    func isDigits(_ text: String, _ count: Int) -> Bool {
        text.utf8.count == count && text.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    }
}
