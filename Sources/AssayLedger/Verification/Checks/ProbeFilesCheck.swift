import AssayCore
import AssayCrypto
import AssayProbe

/// `probe-file`, `probe-commitment`, `unlisted-file`, `bundle-path` and `file-type` under `probes/` (spec/probe.md
/// §7.4 items 5 and 6): every file is named by its hash, scenario documents are named by a bundle's reveal, input
/// files by such a document, and commitments sit where their content says.
struct ProbeFilesCheck {
    let directory: DatasetDirectory
    let datasetID: String

    /// `referenced`: the SHA-256 of every scenario document a verified bundle's reveal names.
    func check(referenced: Set<String>, log: inout FindingLog) {
        let top = DatasetDirectory.probesName
        guard Files.kind("\(directory.root)/\(top)") == .directory else { return }  // absent, or the layout check's `file-type`
        let layout = LayoutCheck(directory: directory)
        var present: [String: Files.Kind] = [:]
        for entry in layout.entries(top, log: &log) ?? [] {
            let path = "\(top)/\(entry.name)"
            guard [DatasetDirectory.scenariosName, DatasetDirectory.inputsName, DatasetDirectory.commitmentsName].contains(entry.name) else {
                log.add(.unlistedFile, path, "is not part of the tester's publications (spec/probe.md §7)")
                continue
            }
            if layout.hasKind(entry, .directory, path: path, log: &log) { present[entry.name] = entry.kind }
        }
        var needed: [String: (size: Int64, document: String)] = [:]
        // A named document that cannot be read names inputs nobody can list: its files are not called unlisted.
        var knownInputs = true
        if present[DatasetDirectory.scenariosName] != nil {
            // A named document's own problems are the naming bundles' `probe-file` findings (ProbeCheck).
            for (name, bytes) in namedByHash("\(top)/\(DatasetDirectory.scenariosName)", suffix: ".json", limit: ScenarioDocument.maxBytes,
                                             reportedElsewhere: referenced, layout: layout, log: &log) {
                let path = "\(top)/\(DatasetDirectory.scenariosName)/\(name).json"
                guard referenced.contains(name) else {
                    log.add(.unlistedFile, path, "is a scenario document no bundle's probe reveal names")
                    continue
                }
                guard let bytes, let document = try? ScenarioDocument(bytes: bytes) else {  // ProbeCheck reports why
                    knownInputs = false
                    continue
                }
                for file in document.inputFiles where needed[file.sha256] == nil { needed[file.sha256] = (file.size, path) }
            }
        }
        if present[DatasetDirectory.inputsName] != nil {
            for (name, read) in namedByHash("\(top)/\(DatasetDirectory.inputsName)", suffix: "", limit: DatasetDirectory.probeInputLimit,
                                            reportedElsewhere: [], layout: layout, log: &log) {
                guard let bytes = read else { continue }
                let path = DatasetDirectory.probeInputPath(name)
                guard let want = needed.removeValue(forKey: name) else {
                    if knownInputs { log.add(.unlistedFile, path, "is an input file no named scenario document names") }
                    continue
                }
                if Int64(bytes.count) != want.size { log.add(.probeFile, path, "is \(bytes.count) bytes; \(want.document) says \(want.size)") }
            }
        }
        for (hash, want) in needed.sorted(by: { $0.key < $1.key }) {
            log.add(.probeFile, DatasetDirectory.probeInputPath(hash), "is missing: \(want.document) names it (\(want.size) bytes)")
        }
        if present[DatasetDirectory.commitmentsName] != nil { checkCommitments(layout: layout, log: &log) }
    }

    /// The files of `relative` named `<H><suffix>`, in name order, each with its bytes when it is a regular file whose
    /// SHA-256 is H; nil bytes, and no finding, for the names in `reportedElsewhere` that are not. The rest are findings.
    func namedByHash(_ relative: String, suffix: String, limit: Int, reportedElsewhere: Set<String>, layout: LayoutCheck,
                     log: inout FindingLog) -> [(String, [UInt8]?)] {
        var found: [(String, [UInt8]?)] = []
        for entry in layout.entries(relative, log: &log) ?? [] {
            let path = "\(relative)/\(entry.name)"
            let name = entry.name.hasSuffix(suffix) ? String(entry.name.dropLast(suffix.count)) : ""
            guard name.utf8.count == 64, name.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }) else {
                log.add(.unlistedFile, path, "is not named <SHA-256>\(suffix), 64 lowercase hexadecimal digits (spec/probe.md §7)")
                continue
            }
            if reportedElsewhere.contains(name) && entry.kind != .regular {
                found.append((name, nil))
                continue
            }
            guard layout.hasKind(entry, .regular, path: path, log: &log) else { continue }
            let bytes: [UInt8]
            do { bytes = try Files.readRegular("\(directory.root)/\(path)", limit: limit) } catch {
                if reportedElsewhere.contains(name) { found.append((name, nil)) } else {
                    log.add(error.code == EFBIG ? .probeFile : .unreadable, path, error.code == EFBIG ? "is larger than \(limit) bytes" : "cannot be read: \(error)")
                }
                continue
            }
            let digest = MessageDigest.sha256(bytes).hex
            guard digest == name else {
                if reportedElsewhere.contains(name) { found.append((name, nil)) } else {
                    log.add(.probeFile, path, "has SHA-256 \(digest), not the one its name says")
                }
                continue
            }
            found.append((name, bytes))
        }
        return found
    }

    /// `probes/commitments/<collector>/<YYYY>/<MM>/<DD>.json`, each a valid commitment of its place (§7.4 item 6).
    func checkCommitments(layout: LayoutCheck, log: inout FindingLog) {
        let top = "\(DatasetDirectory.probesName)/\(DatasetDirectory.commitmentsName)"
        func digits(_ text: Substring, _ count: Int) -> Bool { text.utf8.count == count && text.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } }
        for collector in layout.entries(top, log: &log) ?? [] {
            let collectorPath = "\(top)/\(collector.name)"
            guard Slug.isValid(collector.name) else {
                log.add(.bundlePath, collectorPath, "is not a collector directory (\(Slug.rule))")
                continue
            }
            guard layout.hasKind(collector, .directory, path: collectorPath, log: &log) else { continue }
            for year in layout.entries(collectorPath, log: &log) ?? [] {
                let yearPath = "\(collectorPath)/\(year.name)"
                guard digits(Substring(year.name), 4) else { log.add(.bundlePath, yearPath, "is not a year (YYYY) directory"); continue }
                guard layout.hasKind(year, .directory, path: yearPath, log: &log) else { continue }
                for month in layout.entries(yearPath, log: &log) ?? [] {
                    let monthPath = "\(yearPath)/\(month.name)"
                    guard digits(Substring(month.name), 2) else { log.add(.bundlePath, monthPath, "is not a month (MM) directory"); continue }
                    guard layout.hasKind(month, .directory, path: monthPath, log: &log) else { continue }
                    for file in layout.entries(monthPath, log: &log) ?? [] {
                        let path = "\(monthPath)/\(file.name)"
                        let dayText = "\(year.name)-\(month.name)-\(file.name.dropLast(5))"
                        guard file.name.hasSuffix(".json"), digits(file.name.dropLast(5), 2), let day = UTCDay(dayText), day.description == dayText else {
                            log.add(.bundlePath, path, "is not a day's commitment <DD>.json of a real date")
                            continue
                        }
                        guard layout.hasKind(file, .regular, path: path, log: &log) else { continue }
                        do {
                            let bytes = try Files.readRegular("\(directory.root)/\(path)", limit: ProbeCommitment.maxBytes)
                            _ = ProbeCommitmentCheck.parse(bytes, relative: path, datasetID: datasetID, collector: collector.name, day: day, log: &log)
                        } catch {
                            log.add(error.code == EFBIG ? .probeCommitment : .unreadable, path,
                                    error.code == EFBIG ? "is larger than \(ProbeCommitment.maxBytes) bytes (spec/probe.md §7.2)" : "cannot be read: \(error)")
                        }
                    }
                }
            }
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif
