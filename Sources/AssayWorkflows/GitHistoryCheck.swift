import AssayGit
import AssayCore
import AssayCrypto
import AssayLedger
import AssayScore
import AssayZstd

/// What `--git` checks beyond the files (spec/dataset.md §9): every commit is
/// SSH-signed by a key the policy allows (`commit-signature`), every commit only
/// adds files (`history`), the work tree is what HEAD holds (`worktree`), and
/// published scores declare the heads the dataset had when they were committed
/// (`scores-incomplete`).
public enum GitHistoryCheck {
    /// The findings, and how many commits were checked.
    public static func check(_ repository: GitRepository, report: VerificationReport) throws(GitError) -> (findings: [Finding], commits: Int) {
        var log = FindingLog(limit: 1000)
        if let policy = report.policy { commitSignatures(repository, policy: policy, log: &log) }
        let history = try repository.history()
        var heads: [String: (day: UTCDay, blob: String)] = [:]
        for commit in history {
            let place = "commit \(commit.id.prefix(12)) (\(commit.summary))"
            for change in commit.nonAdditive where !(change.path == DatasetRepository.mutableCheckpoint && change.change == "modifies") {
                log.add(.history, change.path, "\(place) \(change.change) it: a published file never changes or disappears")
            }
            // The newest bundle of each collector after this commit, from the manifests it adds.
            for file in commit.added {
                guard let (collector, day) = manifestLocation(file.path) else { continue }
                if let known = heads[collector], known.day >= day { continue }
                heads[collector] = (day, file.blob)
            }
            for file in commit.added where isScoresDocument(file.path) {
                try compareHeads(repository, scores: file, heads: heads, place: place, log: &log)
            }
        }
        if repository.workdir != nil {
            // A file committed as its Git LFS pointer agrees with HEAD as the pointer or as the bytes it names (spec/dataset.md §9.1).
            for entry in try DatasetLFS.status(repository, includeIgnored: true) {
                log.add(.worktree, entry.path, entry.isUntracked
                    ? "is in the work tree but not committed: what is verified must be what was published"
                    : "differs from HEAD (modified or deleted in the work tree)")
            }
        }
        return (log.all, history.count)
    }

    /// `commit-signature`: a valid SSHSIG (namespace git) by a key the policy lets sign commits at the committer time.
    static func commitSignatures(_ repository: GitRepository, policy: TrustPolicy, log: inout FindingLog) {
        let commits: [GitRepository.CommitInfo]
        do { commits = try repository.commits() } catch {
            log.add(.commitSignature, "HEAD", "the commits cannot be read: \(error)")
            return
        }
        for commit in commits {
            let place = "commit \(commit.id.prefix(12)) (\(commit.summary))"
            guard let text = commit.signature else {
                log.add(.commitSignature, place, "is not signed")
                continue
            }
            let signature: SSHSignature
            do { signature = try SSHSignature(armored: text) } catch {
                log.add(.commitSignature, place, "has a signature that is not SSHSIG: \(error)")
                continue
            }
            do { try signature.verify(commit.signedData, namespace: "git") } catch {
                log.add(.commitSignature, place, "signature does not verify: \(error.reason)")
                continue
            }
            let key = signature.publicKey.key
            if let revocation = policy.revocation(of: key, at: commit.committerTime) {
                log.add(.commitSignature, place, "is signed by \(signature.publicKey.fingerprint), revoked from \(UTCTime.seconds(revocation.from)) (\(revocation.reason))")
            } else if policy.signers.principals(for: key, namespace: "git", at: commit.committerTime).isEmpty {
                log.add(.commitSignature, place,
                        "is signed by \(signature.publicKey.fingerprint), which policy version \(policy.version) does not allow to sign commits at that time")
            }
        }
    }

    /// `bundles/<collector>/<YYYY>/<MM>/<DD>/manifest.json` → (collector, day).
    static func manifestLocation(_ path: String) -> (String, UTCDay)? {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 6, parts[0] == DatasetDirectory.bundlesName, parts[5] == "manifest.json",
              let day = UTCDay("\(parts[2])-\(parts[3])-\(parts[4])") else { return nil }
        return (parts[1], day)
    }

    /// `scores/<c>/<YYYY>/<MM>/<DD>/scores.json`, or its stored form `scores.json.zst` (spec/scoring.md §10).
    static func isScoresDocument(_ path: String) -> Bool {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        return parts.count == 6 && parts[0] == DatasetDirectory.scoresName
            && (parts[5] == ScoresDocumentFile.name || parts[5] == "\(ScoresDocumentFile.name)\(StoredFile.compressedSuffix)")
    }

    /// The content of a scores document as a commit added it: its blob; for `scores.json.zst`, the blob decompressed,
    /// or — committed as its Git LFS pointer (spec/dataset.md §9.1) — the work tree's file when it holds the bytes
    /// the pointer names, decompressed. Nil when it was not fetched. Decompression failures are the file checks'.
    static func scoresContent(_ repository: GitRepository, scores: (path: String, blob: String)) throws -> [UInt8]? {
        guard scores.path.hasSuffix(StoredFile.compressedSuffix) else { return try repository.blob(scores.blob, limit: DatasetDirectory.scoresLimit) }
        let storedLimit = Int(Zstd.storedLimit(contentSize: Int64(DatasetDirectory.scoresLimit)))
        let blob = try repository.blob(scores.blob, limit: storedLimit)
        guard let pointer = DatasetLFS.Pointer(bytes: blob) else { return try Zstd.decompress(blob, limit: DatasetDirectory.scoresLimit) }
        guard let workdir = repository.workdir, Files.kind(workdir + scores.path) == .regular else { return nil }
        let stored = try Files.readRegular(workdir + scores.path, limit: storedLimit)
        guard stored.count == pointer.size, MessageDigest.sha256(stored).hex == pointer.oid else { return nil }  // the pointer itself, or other bytes (`worktree`)
        return try Zstd.decompress(stored, limit: DatasetDirectory.scoresLimit)
    }

    /// `scores-incomplete`: the heads a scores document declares are the dataset's when it was committed.
    static func compareHeads(_ repository: GitRepository, scores: (path: String, blob: String), heads: [String: (day: UTCDay, blob: String)],
                             place: String, log: inout FindingLog) throws(GitError) {
        let declared: PublicationInputs
        do {
            guard let bytes = try scoresContent(repository, scores: scores) else { return }  // not fetched: `not-fetched` where the run checks it
            declared = try PublicationInputs(document: try JSONParser(limits: .init(maxDepth: 16, maxBytes: 64 << 20)).parse(bytes))
        } catch {
            return  // as published it is not a readable scores document: the file checks report it (`scores-document`, `file-encoding`)
        }
        var actual: [String: (UTCDay, String)] = [:]
        for (collector, head) in heads {
            actual[collector] = (head.day, MessageDigest.sha256(try repository.blob(head.blob, limit: DatasetDirectory.manifestLimit)).hex)
        }
        let declaredByCollector = Dictionary(declared.heads.map { ($0.collector, ($0.day, $0.manifestSHA256)) }, uniquingKeysWith: { first, _ in first })
        for collector in Set(actual.keys).union(declaredByCollector.keys).sorted() {
            let have = actual[collector], said = declaredByCollector[collector]
            guard have?.0 != said?.0 || have?.1 != said?.1 else { continue }
            let truth = have.map { "\($0.0) (\($0.1.prefix(12))…)" } ?? "no bundle"
            let claim = said.map { "\($0.0) (\($0.1.prefix(12))…)" } ?? "nothing"
            log.add(.scoresIncomplete, scores.path,
                    "declares \(claim) as the head of \(collector), but when \(place) added it the dataset held \(truth)")
        }
    }
}
