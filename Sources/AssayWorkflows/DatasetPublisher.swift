import AssayGit
import AssayCore
import AssayCrypto
import AssayLedger
import AssayProbe

/// Publishes sealed bundles and co-signatures: one SSH-signed, additive
/// commit on the dataset repository's branch, then a push (spec/dataset.md §9).
public struct DatasetPublisher {
    public let repository: GitRepository
    public let remote: String?
    /// The branch to commit to and push (`dataset.branch`); nil: the branch HEAD is on.
    public let branch: String?
    public let credentials: GitCredentials

    public init(repository: GitRepository, remote: String?, branch: String? = nil, credentials: GitCredentials = GitCredentials()) {
        self.repository = repository
        self.remote = remote
        self.branch = branch
        self.credentials = credentials
    }

    /// What a publication did.
    public struct Publication: Sendable {
        /// The new commit, or nil when there was nothing new to commit.
        public let commit: String?
        /// Bundle directories (relative) that the commit added.
        public let bundles: [String]
        /// Files the commit added.
        public let files: [String]
        /// Whether the branch was pushed.
        public let pushed: Bool
    }

    /// Commits every new file Assay publishes (whole bundles, co-signature
    /// files, published scores, policy versions), signed with `key` as
    /// `signer`, and pushes. Refuses when the work tree has other changes or a
    /// new bundle is incomplete. A rejected push (another publisher pushed
    /// first) is followed by a fetch, a replay of the local additive commits on
    /// top of the remote branch (`GitRepository.integrate`) and another push,
    /// up to `attempts` times with jittered backoff (spec/dataset.md §9). With
    /// nothing new, only pushes.
    public func publish(key: any Ed25519Signer, signer: String, email: String? = nil, time: Int64,
                        push: Bool = true, attempts: Int = 8) throws(GitError) -> Publication {
        if let branch = self.branch { try repository.useBranch(branch) }
        let branch = try repository.currentBranch()
        // Large files committed as LFS pointers are unchanged while the work tree holds their content (spec/dataset.md §9.1).
        let changes = try DatasetLFS.status(repository)
        // The log's newest checkpoint is rewritten by sealing and co-signing: Assay's own change (spec/log.md §7.3).
        let foreign = changes.filter { !$0.isUntracked && $0.path != DatasetRepository.mutableCheckpoint }
        if !foreign.isEmpty {
            throw GitError(.dirty, "the work tree has changes Assay did not make; commit or remove them first: "
                + foreign.prefix(5).map(\.path).joined(separator: ", ") + (foreign.count > 5 ? ", …" : ""))
        }
        var files = changes.map(\.path)
        if let stray = files.first(where: { !Self.isPublishable($0) }) {
            throw GitError(.dirty, "'\(stray)' is not part of a sealed bundle, published scores or a policy version (a crashed seal's leftovers?); remove it first")
        }
        let bundles = Array(Set(files.compactMap(Self.bundleDirectory))).sorted()
        var commit: String?
        let logged = try appendLog(signer: signer, key: key)
        files = Array(Set(files + logged)).sorted()
        if !files.isEmpty {
            let identity = GitIdentity(name: signer, email: email ?? "\(signer)@assay.invalid", time: time)
            commit = try commitAdding(files, author: identity, key: key) { files in Self.message(bundles: bundles, files: files, repository: repository) }
        }
        var pushed = false
        if push, let remote {
            var attempt = 0
            while true {
                attempt += 1
                do {
                    try pushWithObjects(remote: remote, branch: branch)
                    pushed = true
                    break
                } catch {
                    // Most likely another publisher pushed first: take their commits and replay ours on top.
                    guard attempt < attempts else { throw error }
                    do { try update(key: key, signer: signer, time: time) } catch where [.diverged, .conflict, .notAppendOnly].contains(error.code) {
                        throw error  // replaying cannot help
                    } catch {}
                    let base = 50 << min(attempt, 6)
                    usleep(UInt32(base + Int.random(in: 0...base)) * 1000)
                }
            }
            if commit != nil { commit = try repository.resolve("refs/heads/\(branch)") }  // replays give it a new id
        }
        return Publication(commit: commit, bundles: bundles, files: files, pushed: pushed)
    }

    /// Commits `files` (new, publishable), signed: compressed files of bundles and scores go to Git LFS (spec/dataset.md
    /// §9.1) — the commit holds their pointers, and the dataset's .gitattributes says so from the first one on.
    func commitAdding(_ files: [String], author: GitIdentity, key: any Ed25519Signer, message: ([String]) -> String) throws(GitError) -> String {
        var files = files
        let blobs = try DatasetLFS.pointers(for: files, in: repository)
        if !blobs.isEmpty, try !DatasetLFS.isInUse(repository), let workdir = repository.workdir {
            do { try Files.writeAtomically(workdir + DatasetLFS.attributesPath, contents: Array(DatasetLFS.attributes.utf8)) } catch {
                throw GitError(.largeFiles, "\(DatasetLFS.attributesPath): \(error)")
            }
            files = Array(Set(files + [DatasetLFS.attributesPath])).sorted()
        }
        return try repository.commitSigned(adding: files, blobs: blobs, message: message(files), author: author,
                                           rules: DatasetRepository.rules, sign: signing(key))
    }

    /// Pushes `branch`, its Git LFS objects first, so the remote never has a pointer whose object it lacks.
    func pushWithObjects(remote: String, branch: String) throws(GitError) {
        if try DatasetLFS.isInUse(repository) { try DatasetLFS.push(repository, remote: remote, branch: branch) }
        try repository.push(remote: remote, branch: branch, credentials: credentials)
    }

    /// Fetches the remote and brings the branch up to it: a fast-forward, or a
    /// replay of the local additive commits, re-signed with `key`. Returns how many were replayed.
    @discardableResult
    public func update(key: any Ed25519Signer, signer: String, time: Int64) throws(GitError) -> Int {
        guard let remote else { return 0 }
        if let branch = self.branch { try repository.useBranch(branch) }
        let branch = try repository.currentBranch()
        try repository.fetch(remote: remote, credentials: credentials)
        guard let upstream = try repository.resolve("refs/remotes/\(remote)/\(branch)") else { return 0 }
        let before = try repository.resolve("refs/heads/\(branch)")
        // The large files other publishers added: fetched after the checkout, so what this publisher verifies, scores and
        // co-signs is there (spec/dataset.md §9.1), not LFS pointers.
        let incoming = try repository.pathsAdded(in: before.map { "\($0)..\(upstream)" } ?? upstream).filter(DatasetLFS.isTracked)
        if let local = before {
            let (ahead, behind) = try repository.aheadBehind(local: local, upstream: upstream)
            if ahead > 0 && behind > 0 {
                // Replaying is safe for co-signatures and other collectors' bundles, not for a second sealer of one collector.
                func sealed(_ paths: [String]) -> Set<String> {
                    Set(paths.compactMap { path in
                        let parts = path.split(separator: "/")
                        return parts.count == 6 && parts[0] == DatasetDirectory.bundlesName && parts[5] == "manifest.json" ? String(parts[1]) : nil
                    })
                }
                let both = sealed(try repository.pathsAdded(in: "\(local)..\(upstream)"))
                    .intersection(sealed(try repository.pathsAdded(in: "\(upstream)..\(local)"))).sorted()
                if !both.isEmpty {
                    throw GitError(.diverged, "\(branch) is \(behind) commit\(behind == 1 ? "" : "s") behind \(remote)/\(branch), and both sealed bundles of "
                        + "\(both.joined(separator: ", ")): one collector has one sealer, or its chain forks; remove the local commit's bundles and seal again")
                }
            }
        }
        let replayed = try repository.integrate(upstream: upstream, rules: DatasetRepository.rules, sign: signing(key))
        // The checkout wrote pointers where the work tree had this publisher's large files: their content again.
        if try DatasetLFS.isInUse(repository) {
            DatasetLFS.restore(try repository.pathsAdded(in: "\(upstream)..HEAD"), in: repository)
            if !incoming.isEmpty { try DatasetLFS.pull(repository, remote: remote, include: incoming) }
        }
        if replayed > 0 {
            // The replayed commits' documents are appended to the log they landed on, in one more commit.
            let logged = try appendLog(signer: signer, key: key)
            if !logged.isEmpty {
                let identity = GitIdentity(name: signer, email: "\(signer)@assay.invalid", time: time)
                _ = try repository.commitSigned(adding: logged, message: "Log: append what \(replayed) replayed commit\(replayed == 1 ? "" : "s") published\n",
                                                author: identity, rules: DatasetRepository.rules, sign: signing(key))
            }
        }
        return replayed
    }

    /// Appends every signed document of the work tree that the log lacks, and `signer`'s signature on the newest
    /// checkpoint (spec/log.md §7.4); returns the files written (relative).
    func appendLog(signer: String, key: any Ed25519Signer) throws(GitError) -> [String] {
        guard let root = repository.workdir else { return [] }
        let directory = DatasetDirectory(root.hasSuffix("/") ? String(root.dropLast()) : root)
        do {
            let id = try directory.descriptor().id
            var written = try DatasetLog.append(directory, paths: try DatasetLog.documents(directory), datasetID: id, signer: signer, key: key)
            written += try DatasetLog.cosign(directory, datasetID: id, signer: signer, key: key)
            return Array(Set(written)).sorted()
        } catch {
            throw GitError(.content, "the dataset's log cannot be appended to: \(error)")
        }
    }

    func signing(_ key: any Ed25519Signer) -> ([UInt8]) throws -> String {
        { buffer in try SSHSignature.sign(buffer, namespace: "git", with: key).armored }
    }

    /// A new file Assay may commit: a bundle, scores or policy file, a signature
    /// file, or (in a new dataset) the descriptor, README.md or LICENSE.
    static func isPublishable(_ path: String) -> Bool {
        if [DatasetDirectory.descriptorName, "README.md", "LICENSE", DatasetLFS.attributesPath].contains(path) { return true }
        if path.hasPrefix(DatasetRepository.logPrefix) { return true }  // left by an interrupted publish; appending checks it
        let parts = path.split(separator: "/").map(String.init)
        if parts.first == DatasetDirectory.policyName {
            // policy/NNNN/{policy.json, allowed_signers, witnesses, signatures/<signer>.sig}
            guard parts.count >= 3, parts[1].utf8.count == 4, parts[1].allSatisfy(\.isNumber) else { return false }
            if parts.count == 3 { return ["policy.json", DatasetDirectory.allowedSignersName, DatasetDirectory.witnessesName].contains(parts[2]) }
            return parts.count == 4 && parts[2] == "signatures" && parts[3].hasSuffix(".sig")
        }
        if parts.first == DatasetDirectory.probesName {
            // probes/scenarios/<H>.json, probes/inputs/<H>, probes/commitments/<c>/<YYYY>/<MM>/<DD>.json (spec/probe.md §7)
            func isHash(_ text: Substring) -> Bool { text.utf8.count == 64 && text.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) } }
            if parts.count == 3 && parts[1] == DatasetDirectory.scenariosName { return parts[2].hasSuffix(".json") && isHash(parts[2].dropLast(5)) }
            if parts.count == 3 && parts[1] == DatasetDirectory.inputsName { return isHash(Substring(parts[2])) }
            return DatasetLog.Entry.kind(of: path) == .commitment
        }
        guard parts.count >= 6, [DatasetDirectory.bundlesName, DatasetDirectory.scoresName].contains(parts[0]),
              !parts.contains(where: { $0.hasPrefix(".") }) else { return false }
        let files = parts[0] == DatasetDirectory.bundlesName ? ["manifest.json", Manifest.recordsName, Manifest.conflictsName, ProbeReveal.fileName] : ["scores.json"]
        if parts.count == 6 {
            // Scores in either stored form (spec/scoring.md §10).
            guard parts[0] == DatasetDirectory.bundlesName else { return files.contains(parts[5]) || parts[5] == "scores.json\(StoredFile.compressedSuffix)" }
            // A bundle's files in either stored form, shards included (spec/dataset.md §4.6, §4.7); never manifest.json.zst.
            let name = parts[5], content = name.hasSuffix(StoredFile.compressedSuffix) ? String(name.dropLast(StoredFile.compressedSuffix.count)) : name
            return (files.contains(content) || Manifest.shardNumber(content) != nil) && !(content != name && content == "manifest.json")
        }
        return parts.count == 7 && parts[5] == "signatures" && parts[6].hasSuffix(".sig")
    }

    /// `bundles/<collector>/<YYYY>/<MM>/<DD>` of a file.
    static func bundleDirectory(_ path: String) -> String? {
        let parts = path.split(separator: "/")
        guard parts.count >= 6, parts[0] == DatasetDirectory.bundlesName else { return nil }
        return parts.prefix(5).joined(separator: "/")
    }

    static func message(bundles: [String], files: [String], repository: GitRepository) -> String {
        let sealed = bundles.filter { bundle in files.contains("\(bundle)/manifest.json") }
        let cosigned = bundles.filter { !sealed.contains($0) }
        var subject: String
        if let first = sealed.first {
            let parts = first.split(separator: "/")
            subject = "Seal \(parts[1]) \(parts[2])-\(parts[3])-\(parts[4])"
            if sealed.count > 1 { subject += " and \(sealed.count - 1) more" }
        } else if bundles.isEmpty && !files.isEmpty && files.allSatisfy({ $0.hasPrefix(DatasetRepository.logPrefix) }) {
            let witnessed = files.filter { $0.contains("/\(DatasetLog.cosignaturesName)/") }
            subject = witnessed.isEmpty ? "Co-sign the log's newest checkpoint"
                : "Witness cosignature\(witnessed.count == 1 ? "" : "s") of checkpoint \(witnessed[0].split(separator: "/")[2]) by "
                    + witnessed.map { String($0.split(separator: "/").last!.dropLast(4)) }.joined(separator: ", ")
        } else if bundles.isEmpty {
            subject = "Create dataset"
        } else {
            subject = "Co-sign \(cosigned.count) bundle\(cosigned.count == 1 ? "" : "s")"
        }
        var body: [String] = []
        for bundle in bundles {
            let manifest = repository.workdir.flatMap { try? Files.read("\($0)\(bundle)/manifest.json", limit: 16 << 20) }
            let hash = manifest.map { MessageDigest.sha256($0).hex } ?? "?"
            let added = files.filter { $0.hasPrefix(bundle + "/") }.map { String($0.dropFirst(bundle.count + 1)) }
            body.append("\(bundle) manifest \(hash)\n  adds \(added.joined(separator: ", "))")
        }
        let scores = Set(files.filter { $0.hasPrefix(DatasetDirectory.scoresName + "/") }.map { $0.split(separator: "/").prefix(5).joined(separator: "/") })
        for directory in scores.sorted() {
            let added = files.filter { $0.hasPrefix(directory + "/") }.map { String($0.dropFirst(directory.count + 1)) }.sorted()
            body.append("\(directory)\n  adds \(added.joined(separator: ", "))")
        }
        let logged = files.filter { $0.hasPrefix(DatasetRepository.logPrefix) }
        if !logged.isEmpty { body.append("log\n  \(logged.count) file\(logged.count == 1 ? "" : "s"): entries, tiles, checkpoint and signature (spec/log.md §7)") }
        return subject + "\n\n" + body.joined(separator: "\n") + "\n"
    }
}

#if canImport(Glibc)
import Glibc
#endif

extension DatasetPublisher {
    /// What publishing scores did.
    public struct ScoresPublication: Sendable {
        /// Days whose scores were committed (and pushed, with a remote).
        public var published: [UTCDay] = []
        /// Why nothing was published, when it was not.
        public var deferred: String?
    }

    /// Publishes the scores of `days` for `collector` (spec/scoring.md §10) computed on exactly the
    /// tree they are committed onto: the branch is brought up to the remote, the scores are written
    /// and committed alone, and pushed. When the push is rejected (another publisher pushed first),
    /// the commit is dropped, not replayed — a replay would put the scores onto bundles they did not
    /// see, and their heads would be wrong — and the scores are computed again on the new tree. With
    /// local commits not pushed yet (a failed bundle push), nothing is done: the next pass publishes.
    public func publishScores(days: [UTCDay], collector: String, key: any Ed25519Signer, signer: String, time: Int64,
                              attempts: Int = 8, write: (UTCDay) throws -> Bool) throws(GitError) -> ScoresPublication {
        var outcome = ScoresPublication()
        guard !days.isEmpty else { return outcome }
        if let branch = self.branch { try repository.useBranch(branch) }
        let branch = try repository.currentBranch()
        for attempt in 1...max(1, attempts) {
            if let remote {
                try repository.fetch(remote: remote, credentials: credentials)
                if let upstream = try repository.resolve("refs/remotes/\(remote)/\(branch)") {
                    let local = try repository.resolve("refs/heads/\(branch)")
                    let (ahead, _) = try local.map { (l) throws(GitError) in try repository.aheadBehind(local: l, upstream: upstream) } ?? (0, 0)
                    guard ahead == 0 else {
                        outcome.deferred = "\(ahead) local commit\(ahead == 1 ? " is" : "s are") not pushed yet; scores wait for them"
                        return outcome
                    }
                    if local != upstream {
                        // A fast-forward: nothing local is lost. The other publishers' large files are fetched, so the
                        // scores are computed over their records, not over LFS pointers (spec/dataset.md §9.1).
                        let incoming = try repository.pathsAdded(in: local.map { "\($0)..\(upstream)" } ?? upstream).filter(DatasetLFS.isTracked)
                        try repository.resetHard(to: upstream)
                        if try DatasetLFS.isInUse(repository), !incoming.isEmpty { try DatasetLFS.pull(repository, remote: remote, include: incoming) }
                    }
                }
            }
            guard try DatasetLFS.status(repository).isEmpty else {
                throw GitError(.dirty, "the work tree has uncommitted files; scores are published onto a clean tree")
            }
            let base = try repository.resolve("refs/heads/\(branch)")
            var written: [UTCDay] = []
            for day in days {
                do { if try write(day) { written.append(day) } } catch {
                    throw GitError(.content, "writing the scores of \(collector) \(day): \(error)")
                }
            }
            guard !written.isEmpty else { return outcome }
            _ = try appendLog(signer: signer, key: key)
            let files = try DatasetLFS.status(repository).map(\.path)
            let message = "Publish scores \(collector) \(written.map(\.description).joined(separator: ", "))\n\n"
                + "Computed on \(base.map { "commit \($0)" } ?? "the empty tree"), whose bundles they name (spec/scoring.md §10).\n"
            let identity = GitIdentity(name: signer, email: "\(signer)@assay.invalid", time: time)
            _ = try commitAdding(files, author: identity, key: key) { _ in message }
            guard let remote else {
                outcome.published = written
                return outcome
            }
            do {
                try pushWithObjects(remote: remote, branch: branch)
                outcome.published = written
                return outcome
            } catch {
                // Drop the unpushed scores commit: they are computed again on what the remote has now.
                if let base { try repository.resetHard(to: base) }
                guard attempt < attempts else { throw error }
                let wait = 50 << min(attempt, 6)
                usleep(UInt32(wait + Int.random(in: 0...wait)) * 1000)
            }
        }
        return outcome
    }
}
