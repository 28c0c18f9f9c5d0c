import AssayCore
import AssayCrypto
import AssayLedger
import AssayZstd
import Foundation

/// Which bundles break which error rules other than `threshold`, by manifest hash: a bundle's files
/// are fixed by its manifest, so a publisher verifies each once however many days' scores read it.
public final class BundleVerdicts: @unchecked Sendable {
    private let lock = NSLock()
    private var rules: [String: Set<String>] = [:]

    public init() {}

    func broken(collector: String, day: UTCDay, manifestSHA256: String, verify: () -> Set<String>) -> Set<String> {
        let key = "\(collector)/\(day)/\(manifestSHA256)"
        if let known = lock.withLock({ rules[key] }) { return known }
        let found = verify()
        lock.withLock { rules[key] = found }
        return found
    }
}

/// Scores published next to the bundles (spec/scoring.md §10): written by the
/// collector for each day it seals, recomputed byte for byte by verifiers,
/// and checked for completeness against the heads they declare.
public enum PublishedScores {
    /// The reference publisher stores a document larger than this compressed (spec/scoring.md §10): one document per
    /// collector and day is the file that multiplies with the network, so git keeps only small ones (the sample's are
    /// 21 KB; a network of a few hundred orchestrators passes it, of 5,000 writes 7.3 MB).
    public static let compressAbove = 64 << 10

    /// Computes the 1-day scores of `day` over every bundle present for it and its benchmark
    /// days that verifies under the current policy (only `threshold` may be missing), excluding
    /// the others with the rules they break, and writes `scores/<collector>/<day>/` (scores.json
    /// and the signature) atomically; returns the bytes written. An existing directory is kept.
    /// `verdicts` remembers, across calls, which bundles (by manifest hash) break which rules.
    /// A document larger than `compressAbove` bytes is stored as `scores.json.zst` (spec/scoring.md §10).
    @discardableResult
    public static func write(_ directory: DatasetDirectory, collector: String, day: UTCDay, key: any Ed25519Signer,
                             signer: String, verdicts: BundleVerdicts = BundleVerdicts(),
                             compressAbove: Int = PublishedScores.compressAbove) throws(ScoreError) -> [UInt8]? {
        let relative = DatasetDirectory.scoresRelativePath(collector: collector, day: day)
        let target = "\(directory.root)/\(relative)"
        guard !Files.exists(target) else { return nil }
        let descriptor: DatasetDescriptor
        do { descriptor = try directory.descriptor() } catch { throw ScoreError("\(error)") }
        guard let policy = PolicyChain.evaluate(directory, descriptor: descriptor).current else {
            throw ScoreError("\(directory.root): the dataset has no trust policy in effect (its genesis does not hold); no scores are published")
        }
        let profile = ScoringProfile.naapSLAv1()
        let scorer = Scorer(profile: profile, lastDay: day, days: 1)
        let verifier = BundleVerifier(directory: directory, descriptor: descriptor, policy: policy)
        var heads: [PublicationInputs.Bundle] = []
        var excluded: [PublicationInputs.Exclusion] = []
        var inputs: [(String, UTCDay)] = []
        do {
            for name in try directory.collectors() {
                let days = try directory.days(of: name)
                guard let newest = days.last else { continue }
                heads.append(.init(collector: name, day: newest, manifestSHA256: MessageDigest.sha256(try directory.manifestBytes(collector: name, day: newest)).hex))
                for candidate in days where scorer.daysNeeded.contains(candidate) {
                    let hash = MessageDigest.sha256(try directory.manifestBytes(collector: name, day: candidate)).hex
                    let broken = verdicts.broken(collector: name, day: candidate, manifestSHA256: hash) {
                        let result = verifier.verify(collector: name, day: candidate)
                        // The manifest read here is the one verified: a hash that changed meanwhile is a broken bundle too.
                        let rules = result.findings.filter { $0.severity == .error && $0.rule != .threshold }.map(\.rule.rawValue)
                        return Set(result.manifestHash == hash ? rules : rules + [Rule.manifest.rawValue])
                    }
                    if broken.isEmpty {
                        inputs.append((name, candidate))
                    } else {
                        excluded.append(.init(bundle: .init(collector: name, day: candidate, manifestSHA256: hash),
                                              rules: broken.sorted { PublicationInputs.utf8Less($0, $1) }))
                    }
                }
            }
        } catch {
            throw ScoreError("\(directory.bundlesPath): \(error)")
        }
        try BundleSet.feed(scorer, from: directory, bundles: inputs)
        let bytes = scorer.output(verified: true, publication: PublicationInputs(heads: heads, excluded: excluded))
        let signature: SSHSignature
        do { signature = try SSHSignature.sign(bytes, namespace: DatasetDirectory.scoresNamespace, with: key) } catch {
            throw ScoreError("signing \(relative)/scores.json: \(error)")
        }
        do {
            let stored = bytes.count > compressAbove
                ? (ScoresDocumentFile.name + StoredFile.compressedSuffix, Zstd.compress(bytes, level: StoredFile.compressionLevel))
                : (ScoresDocumentFile.name, bytes)
            try directory.installDirectory(at: target, files: [(stored.0, stored.1, nil),
                                                               ("signatures/\(signer).sig", Array(signature.armored.utf8), nil)])
        } catch {
            throw ScoreError("writing \(relative): \(error)")
        }
        return bytes
    }

    /// Checks every published scores directory (spec/scoring.md §10) against the bundles of
    /// `report` (their hashes and findings) and its trust policy; `profiles` are the descriptor's.
    /// `cache` may hold bundles' records already (taken from the verification of `report`).
    /// A document stored as a Git LFS pointer is `not-fetched` when `selection` holds its collector and day (or is
    /// nil), and not checked otherwise (spec/dataset.md §8.5).
    public static func verify(_ directory: DatasetDirectory, report: VerificationReport, profiles: [DatasetDescriptor.Profile],
                              cache: PreparedBundles = PreparedBundles(), selection: BundleSelection? = nil) -> [Finding] {
        guard let policy = report.policy else { return [] }  // no policy in effect: reported already
        let known = ScoringProfile.builtInProfiles()
        let days: [(collector: String, day: UTCDay)]
        do { days = try directory.scoreDays() } catch {
            return []  // the layout check has reported the directory that cannot be listed (`unreadable`)
        }
        // The bundles as verified: hash and the error rules each breaks.
        let present: [String: [UTCDay: BundleResult]] = report.bundles.reduce(into: [:]) { $0[$1.collector, default: [:]][$1.day] = $1 }
        // Day by day, a few documents at once (one per core), so each window's bundles are read once and
        // forgotten when the windows have passed them; the findings keep the order of the directories.
        let order = days.indices.sorted { days[$0].day != days[$1].day ? days[$0].day < days[$1].day : $0 < $1 }
        var found = [[Finding]](repeating: [], count: days.count)
        let cores = max(1, ProcessInfo.processInfo.activeProcessorCount)
        // A 1-day window of day D reads the days D − benchmark_days … D (spec/scoring.md §3).
        let lookBack = known.map(\.benchmarkDays).max() ?? 0
        for wave in stride(from: 0, to: order.count, by: cores) {
            let indexes = Array(order[wave..<min(wave + cores, order.count)])
            // The first document of the wave has its earliest day, so its window starts first.
            cache.forget(before: UTCDay(number: days[indexes[0]].day.number - lookBack))
            let logs = Parallel.map(indexes.count) { position in
                let (collector, day) = days[indexes[position]]
                let relative = DatasetDirectory.scoresRelativePath(collector: collector, day: day)
                var log = FindingLog()
                // A canonical document's signatures are checked whatever else is wrong with it.
                let selected = selection?.contains(collector: collector, day: day) ?? true
                if let bytes = check(directory, path: "\(relative)/\(ScoresDocumentFile.name)", day: day, present: present, profiles: profiles,
                                     known: known, cache: cache, selected: selected, log: &log) {
                    for finding in checkSignatures(directory, relative: relative, bytes: bytes, day: day, policy: policy) { log.add(finding) }
                }
                return log.all
            }
            for (position, index) in indexes.enumerated() { found[index] = logs[position] }
        }
        return found.flatMap { $0 }
    }

    /// The published scores documents that are Git LFS pointers (not fetched), as (collector, day).
    public static func notFetched(_ directory: DatasetDirectory) -> [(collector: String, day: UTCDay)] {
        let days = (try? directory.scoreDays()) ?? []  // an unlistable scores/ is the layout check's `unreadable` error
        return days.filter { collector, day in
            let relative = DatasetDirectory.scoresRelativePath(collector: collector, day: day)
            // A document that cannot be located or opened is the scores check's finding, not "not fetched".
            guard case .success(let stored) = StoredFile.locate(ScoresDocumentFile.name, in: "\(directory.root)/\(relative)") else { return false }
            return stored.isPointer
        }
    }

    /// One published scores document: shape, profile, inputs, completeness, recomputation. Returns
    /// its bytes when they are canonical JSON (so its signatures can be checked), else nil. `path` names
    /// the document (`…/scores.json`); findings about its stored file name that file.
    static func check(_ directory: DatasetDirectory, path: String, day: UTCDay, present: [String: [UTCDay: BundleResult]],
                      profiles: [DatasetDescriptor.Profile], known: [ScoringProfile], cache: PreparedBundles, selected: Bool,
                      log: inout FindingLog) -> [UInt8]? {
        let relative = String(path.dropLast(ScoresDocumentFile.name.count + 1))
        let bytes: [UInt8]
        let document: JSONValue
        do {
            switch try ScoresDocumentFile.read(root: directory.root, relative: relative) {
            case .bytes(let content): bytes = content
            case .notFetched(let stored):
                // Outside the selection, not checked at all (spec/dataset.md §8.5).
                if selected { log.add(.notFetched, stored, "is a Git LFS pointer, not the file: it was not fetched (git lfs pull, or assay verify --fetch)") }
                return nil
            }
        } catch {
            if StoredFile.isEncodingFailure(error) {
                log.add(.fileEncoding, ScoresDocumentFile.storedPath(root: directory.root, relative: relative), "\(error)")
            } else {
                log.add(.scoresDocument, path, "cannot be read as JSON: \(error)")
            }
            return nil
        }
        do { document = try JSONParser(limits: .init(maxDepth: 16, maxBytes: 64 << 20)).parse(bytes) } catch {
            log.add(.scoresDocument, path, "cannot be read as JSON: \(error)")
            return nil
        }
        // A parsed value without a canonical form is not canonical: that is the answer. Every number of
        // an Assay document is an integer that fits in 64 bits (spec/canonical-json.md §2).
        guard bytes.last == 0x0A, !document.containsNonInteger, (try? CanonicalJSON.encode(document)).map({ $0 + [0x0A] }) == bytes else {  // a document that cannot be encoded is not canonical: the same refusal
            log.add(.scoresDocument, path, "is not canonical JSON followed by one newline")
            return nil
        }
        let profileID = document["profile"]?["id"]?.stringValue, profileHash = document["profile"]?["sha256"]?.stringValue
        guard profiles.contains(where: { $0.id == profileID && $0.sha256 == profileHash }) else {
            log.add(.scoresDocument, path, "names the profile \(profileID ?? "?") (\(profileHash ?? "?")), which dataset.json's scoring_profiles does not list")
            return bytes
        }
        guard let profile = known.first(where: { $0.sha256 == profileHash }) else {
            log.add(.scoresDocument, path, "names the profile \(profileID ?? "?") (\(profileHash ?? "?")), which this verifier cannot recompute")
            return bytes
        }
        guard document["scores"]?["window"]?["last_day"]?.stringValue == day.description,
              document["scores"]?["window"]?["days"] == .integer(1) else {
            log.add(.scoresDocument, path, "is not the 1-day window of \(day)")
            return bytes
        }
        guard case .array(let inputValues)? = document["inputs"]?["bundles"] else {
            log.add(.scoresDocument, path, "has no inputs.bundles")
            return bytes
        }
        let publication: PublicationInputs
        var inputs: [PublicationInputs.Bundle] = []
        do throws(JSONShapeError) {
            publication = try PublicationInputs(document: document)
            for (index, value) in inputValues.enumerated() {
                var reader = try JSONObjectReader(value, path: "inputs.bundles[\(index)]")
                inputs.append(try PublicationInputs.bundle(&reader, path: "inputs.bundles[\(index)]"))
                try reader.finish()
            }
        } catch {
            log.add(.scoresDocument, path, error.description)
            return bytes
        }
        let scorer = Scorer(profile: profile, lastDay: day, days: 1)
        // Every bundle named must be in the dataset with the hash named.
        func exists(_ bundle: PublicationInputs.Bundle, as role: String) -> BundleResult? {
            guard let result = present[bundle.collector]?[bundle.day] else {
                log.add(.scoresInput, path, "names as \(role) the bundle \(bundle.collector) \(bundle.day), which is not in the dataset")
                return nil
            }
            guard result.manifestHash == bundle.manifestSHA256 else {
                log.add(.scoresInput, path, "names as \(role) the bundle \(bundle.collector) \(bundle.day) with another manifest hash (\(bundle.manifestSHA256.prefix(12))…)")
                return nil
            }
            return result
        }
        var headDay: [String: UTCDay] = [:]
        for head in publication.heads where exists(head, as: "head") != nil { headDay[head.collector] = head.day }
        func covered(_ bundle: PublicationInputs.Bundle, as role: String) -> Bool {
            guard let head = publication.heads.first(where: { $0.collector == bundle.collector }), bundle.day <= head.day else {
                log.add(.scoresInput, path, "names as \(role) the bundle \(bundle.collector) \(bundle.day), after the head it declares for \(bundle.collector) (or without one)")
                return false
            }
            return true
        }
        var named = Set<PublicationInputs.Bundle>()
        var usable = true
        for input in inputs {
            if exists(input, as: "input") == nil || !covered(input, as: "input") { usable = false }
            named.insert(input)
        }
        for exclusion in publication.excluded {
            guard !named.contains(exclusion.bundle) else {
                log.add(.scoresDocument, path, "names the bundle \(exclusion.bundle.collector) \(exclusion.bundle.day) both as an input and as excluded")
                return bytes
            }
            named.insert(exclusion.bundle)
            guard let result = exists(exclusion.bundle, as: "excluded"), covered(exclusion.bundle, as: "excluded") else { continue }
            let broken = Set(result.findings.filter { $0.severity == .error }.map(\.rule.rawValue))
            if broken.isDisjoint(with: exclusion.rules) {
                log.add(.scoresInput, path, "excludes the bundle \(exclusion.bundle.collector) \(exclusion.bundle.day) for \(exclusion.rules.joined(separator: ", ")), but it breaks none of them")
            }
        }
        // Completeness: every bundle the publisher had to take is named.
        for (name, head) in headDay.sorted(by: { PublicationInputs.utf8Less($0.key, $1.key) }) {
            for (bundleDay, result) in (present[name] ?? [:]).sorted(by: { $0.key < $1.key })
            where bundleDay <= head && scorer.daysNeeded.contains(bundleDay) {
                let bundle = PublicationInputs.Bundle(collector: name, day: bundleDay, manifestSHA256: result.manifestHash ?? "")
                if !named.contains(bundle) && !named.contains(where: { $0.collector == name && $0.day == bundleDay }) {
                    log.add(.scoresIncomplete, path,
                            "leaves out the bundle \(name) \(bundleDay), which its head for \(name) (\(head)) shows was sealed, without excluding it")
                }
            }
        }
        guard usable else { return bytes }
        // Outside the run's selection the records were not checked, so they are not recomputed from (spec/dataset.md §8.5).
        guard inputs.allSatisfy({ present[$0.collector]?[$0.day]?.recordsSelected == true }) else { return bytes }
        do { try BundleSet.feed(scorer, from: directory, bundles: inputs.map { ($0.collector, $0.day) }, cache: cache) } catch {
            log.add(.scoresInput, path, "\(error)")
            return bytes
        }
        if scorer.output(verified: true, publication: publication) != bytes {
            log.add(.scoresMismatch, path, "differs from the scores recomputed from the bundles it names")
        }
        return bytes
    }

    /// Every signature file must verify (`signature`), and one the policy lets sign scores on the day must (`scores-signature`).
    static func checkSignatures(_ directory: DatasetDirectory, relative: String, bytes: [UInt8], day: UTCDay, policy: TrustPolicy) -> [Finding] {
        var log = FindingLog()
        let namespace = DatasetDirectory.scoresNamespace
        let valid = SignatureFiles.verify(bytes, namespace: namespace, root: directory.root, relative: relative, log: &log)
        let allowed = valid.contains { policy.standing(principal: $0.signer, key: $0.signature.publicKey.key, namespace: namespace, at: day.startMs / 1000) == .counts }
        if !allowed {
            let others = valid.map { "\($0.signer) (\($0.signature.publicKey.fingerprint)) may not sign \(namespace) on \(day) under policy version \(policy.version)" }
            log.add(.scoresSignature, "\(relative)/signatures",
                    "no valid signature by a signer the policy allows for \(namespace)\(others.isEmpty ? "" : ": " + others.joined(separator: "; "))")
        }
        return log.all
    }
}
