import AssayCore
import AssayCrypto
#if canImport(Glibc)
import Glibc
#endif

/// `log`, `log-entry`, `checkpoint-signature` and `checkpoint-threshold` (spec/log.md §7.5): the dataset's log
/// is exactly what its entries give, its entries are exactly the dataset's signed documents, and its newest
/// checkpoint carries the policy's threshold of signers.
public struct LogCheck {
    let directory: DatasetDirectory
    let datasetID: String
    let policy: TrustPolicy
    /// Every witness a policy version that holds defines, by name (spec/log.md §8.3).
    var knownWitnesses: [String: NoteVerifierKey] = [:]
    /// The newest checkpoint an earlier run recorded (`--state`).
    var recorded: VerifyState.LogHead? = nil
    /// A signed checkpoint obtained elsewhere (`--checkpoint`).
    var external: [UInt8]? = nil

    /// The newest checkpoint, when the log could be read.
    struct Head: Sendable, Equatable {
        let size: UInt64
        let root: [UInt8]
    }

    func check(into log: inout FindingLog) -> Head? {
        let root = directory.root
        let top = DatasetLog.directoryName
        guard Files.kind("\(root)/\(top)") == .directory else {
            // A `log` that is not a directory is the layout check's (`file-type`).
            if Files.kind("\(root)/\(top)") == nil { log.add(.log, top, "is missing: every dataset has a log of its signed documents") }
            return nil
        }
        guard let files = regularFiles(top, log: &log) else { return nil }
        let checkpoints = "\(top)/\(DatasetLog.checkpointsName)"
        var sizes: [UInt64] = []
        for path in files.keys where path.hasPrefix(checkpoints + "/") {
            let name = path.dropFirst(checkpoints.count + 1).split(separator: "/").first.map(String.init) ?? ""
            if let size = DatasetLog.decimal(name), !sizes.contains(size) { sizes.append(size) }
        }
        sizes.sort()
        guard let size = sizes.last else {
            log.add(.log, checkpoints, "holds no checkpoint")
            return nil
        }
        let entries: [DatasetLog.Entry]
        do { entries = try DatasetLog.entries(root, size: size) } catch {
            log.add(.log, top, "its entries cannot be read: \(error.reason)")
            return nil
        }
        let origin = DatasetLog.origin(datasetID: datasetID)
        let expected: [String: [UInt8]]
        do { expected = try DatasetLog.expectedFiles(entries: entries, sizes: sizes, origin: origin) } catch {
            log.add(.log, top, error.reason)
            return nil
        }
        for (path, bytes) in expected.sorted(by: { $0.key < $1.key }) {
            guard files[path] != nil else {
                log.add(.log, path, "is missing: a checkpoint of this log needs it")
                continue
            }
            let found: [UInt8]
            do { found = try Files.readRegular("\(root)/\(path)", limit: bytes.count) } catch {
                // Longer than the log gives is a difference, not a read failure.
                if error.code == EFBIG { log.add(.log, path, "is not what the log's entries give (spec/log.md §4, §7.3)") } else {
                    log.add(.unreadable, path, "cannot be read: \(error)")
                }
                continue
            }
            if found != bytes { log.add(.log, path, "is not what the log's entries give (spec/log.md §4, §7.3)") }
        }
        for path in files.keys.sorted() where expected[path] == nil && path != "\(top)/checkpoint" && !isSignatureFile(path, sizes: sizes) {
            log.add(.log, path, "is not a file of this log")
        }
        checkEntries(entries, log: &log)
        var newestSigners: Set<String> = []
        var witnessed: UInt64?
        let current = Set(policy.witnesses.witnesses.map(\.name))
        var times: [(size: UInt64, seconds: UInt64)] = []
        for checkpointSize in sizes {
            let signers = checkSignatures(size: checkpointSize, origin: origin, newest: checkpointSize == size, log: &log)
            if checkpointSize == size { newestSigners = signers }
            let cosigners = checkCosignatures(size: checkpointSize, log: &log).filter { current.contains($0.key) }
            if policy.witnesses.isSatisfied(by: Set(cosigners.keys)) { witnessed = checkpointSize }
            if let time = Self.time(of: cosigners, policy.witnesses) { times.append((checkpointSize, time)) }
        }
        checkCommitmentTimes(entries, times: times, log: &log)
        if newestSigners.count < policy.threshold {
            log.add(.checkpointThreshold, "\(checkpoints)/\(size)",
                    "\(newestSigners.count) signer\(newestSigners.count == 1 ? "" : "s") of \(policy.threshold) needed: \(newestSigners.sorted().joined(separator: ", "))")
        }
        if policy.witnesses.quorum != WitnessPolicy.none {
            if let witnessed, witnessed < size {
                log.add(.unwitnessed, "\(checkpoints)/\(size)", "no witness quorum yet: entries \(witnessed) to \(size - 1) were published after checkpoint "
                    + "\(witnessed), the newest the quorum of policy version \(policy.version) cosigned")
            } else if witnessed == nil {
                log.add(.witnessQuorum, checkpoints, "no checkpoint carries cosignatures meeting the quorum '\(policy.witnesses.quorum)' of policy version \(policy.version)")
            }
        }
        do {
            let assembled = try DatasetLog.assemble(root, size: size)
            let current = try Files.readRegular("\(root)/\(top)/checkpoint", limit: SignedNote.maxBytes)
            if current != assembled { log.add(.log, "\(top)/checkpoint", "is not checkpoint \(size) with its signature lines (spec/log.md §7.3)") }
        } catch {
            log.add(.log, "\(top)/checkpoint", "cannot be read or assembled: \(error)")
        }
        let leafHashes = entries.map { Merkle.leafHash($0.bytes) }
        let treeRoot = Merkle.root(leafHashes: leafHashes)
        if let recorded {
            // `split-view` / `rollback` against what an earlier run saw (spec/log.md §7.5).
            if recorded.size > size {
                log.add(.rollback, top, "the log has \(size) entries; an earlier run saw \(recorded.size)")
            } else if Hex.encode(Merkle.root(leafHashes: Array(leafHashes.prefix(Int(recorded.size))))) != recorded.root {
                log.add(.splitView, top, "the first \(recorded.size) entries are not those an earlier run saw (root \(recorded.root)): "
                    + "this dataset shows another history than it showed then")
            }
        }
        if let external { compare(external, leafHashes: leafHashes, size: size, root: treeRoot, origin: origin, log: &log) }
        return Head(size: size, root: treeRoot)
    }

    /// `--checkpoint`: a signed checkpoint of this log from elsewhere must carry the threshold and be consistent:
    /// a prefix of this log (`split-view` otherwise), or not beyond it (`log-behind`).
    func compare(_ bytes: [UInt8], leafHashes: [[UInt8]], size: UInt64, root: [UInt8], origin: String, log: inout FindingLog) {
        let place = "--checkpoint"
        let note: SignedNote, checkpoint: Checkpoint
        do {
            note = try SignedNote(parsing: bytes)
            checkpoint = try Checkpoint(text: note.text)
        } catch {
            log.add(.log, place, "is not a signed checkpoint: \(error)")
            return
        }
        guard checkpoint.origin == origin else {
            log.add(.log, place, "is a checkpoint of '\(checkpoint.origin)', not of this dataset's log '\(origin)'")
            return
        }
        let signers = Self.signers(of: note, policy: policy, origin: origin)
        guard signers.count >= policy.threshold else {
            log.add(.checkpointThreshold, place, "carries valid signatures of \(signers.count) signer\(signers.count == 1 ? "" : "s") of \(policy.threshold) needed: "
                + "not a checkpoint of this dataset's operators")
            return
        }
        if policy.witnesses.quorum != WitnessPolicy.none {
            let cosigners = Self.cosigners(of: note, witnesses: policy.witnesses)
            if !policy.witnesses.isSatisfied(by: cosigners) {
                log.add(.unwitnessed, place, "carries cosignatures of \(cosigners.count) witness\(cosigners.count == 1 ? "" : "es") "
                    + "(\(cosigners.sorted().joined(separator: ", "))), short of the quorum '\(policy.witnesses.quorum)'")
            }
        }
        let shown = String(decoding: note.bytes, as: UTF8.self)
        let ours = "\(origin)\n\(size)\n\(Base64.encode(root))"
        if checkpoint.size > size {
            log.add(.logBehind, place, "covers \(checkpoint.size) entries and this dataset has \(size): entries someone was shown are missing here\n"
                + "given:\n\(shown)this dataset:\n\(ours)")
        } else if Merkle.root(leafHashes: Array(leafHashes.prefix(Int(checkpoint.size)))) != checkpoint.root {
            log.add(.splitView, place, "is signed by \(signers.sorted().joined(separator: ", ")) and disagrees with this dataset's first \(checkpoint.size) entries: "
                + "the operators showed two histories\ngiven:\n\(shown)this dataset:\n\(ours)")
        }
    }

    /// The principals whose signature line on a signed checkpoint verifies under a key `policy` gives them for
    /// `assay-manifest-v1` and does not revoke (spec/log.md §7.2).
    public static func signers(of note: SignedNote, policy: TrustPolicy, origin: String) -> Set<String> {
        var signers: Set<String> = []
        for entry in policy.signers.entries where entry.permits(namespace: DatasetDirectory.manifestNamespace, at: nil) {
            let fingerprint = OpenSSHPublicKey(entry.key).fingerprint
            guard !policy.revocations.contains(where: { $0.fingerprint == fingerprint }),
                  let key = try? NoteVerifierKey(name: origin, type: NoteKeys.ed25519, publicKey: entry.key) else { continue }  // the origin is a valid name
            if note.signatures.contains(where: { $0.name == origin && $0.keyID == key.keyID && key.verify($0.signature, text: note.text) }) {
                signers.formUnion(entry.principals)
            }
        }
        return signers
    }

    /// The witnesses of `witnesses` whose cosignature line on a signed checkpoint verifies (spec/log.md §8.3).
    public static func cosigners(of note: SignedNote, witnesses: WitnessPolicy) -> Set<String> {
        Set(witnesses.witnessKeys().filter { _, key in
            note.signatures.contains { line in
                line.name == key.name && line.keyID == key.keyID && (Cosignature.timestamp(of: line.signature) ?? 0) > 0
                    && key.verify(line.signature, text: note.text)
            }
        }.keys)
    }

    /// `log/checkpoints/<size>/{signatures,cosignatures}/<name>.sig` of a size that has a checkpoint.
    func isSignatureFile(_ path: String, sizes: [UInt64]) -> Bool {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 5, parts[1] == DatasetLog.checkpointsName, [DatasetLog.signaturesName, DatasetLog.cosignaturesName].contains(parts[3]),
              parts[4].hasSuffix(".sig"),
              let size = DatasetLog.decimal(parts[2]) else { return false }
        return sizes.contains(size)
    }

    /// `log-entry`: entry 0 is the genesis; each signed document is exactly one entry with its hash.
    func checkEntries(_ entries: [DatasetLog.Entry], log: inout FindingLog) {
        let genesis = "\(DatasetDirectory.policyName)/0001/policy.json"
        if entries.first?.path != genesis { log.add(.logEntry, DatasetLog.directoryName, "entry 0 is not the genesis, \(genesis)") }
        var seen: Set<String> = []
        for entry in entries {
            guard seen.insert(entry.path).inserted else {
                log.add(.logEntry, entry.path, "has more than one entry in the log")
                continue
            }
            let content: [UInt8]?
            do { content = try DatasetLog.content(root: directory.root, path: entry.path, kind: entry.kind) } catch {
                log.add(.logEntry, entry.path, "is an entry of the log but cannot be read: \(error)")
                continue
            }
            // Scores not fetched (a Git LFS pointer): nothing to hash; the scores check reports it where the run checks it.
            guard let bytes = content else { continue }
            if MessageDigest.sha256(bytes).hex != entry.sha256 { log.add(.logEntry, entry.path, "has another SHA-256 than its log entry") }
        }
        let documents: [String]
        do { documents = try DatasetLog.documents(directory) } catch {
            return  // a directory that cannot be listed is the layout check's (`unreadable`)
        }
        for path in documents where !seen.contains(path) {
            log.add(.logEntry, path, "is a signed document without an entry in the log")
        }
    }

    /// The signers whose signature of checkpoint `size` counts under `policy` (for a publisher deciding whether the
    /// checkpoint is ready for witnesses; a verifier reports why the others do not count).
    public static func countingSigners(_ directory: DatasetDirectory, datasetID: String, policy: TrustPolicy, size: UInt64) -> Set<String> {
        var ignored = FindingLog()
        let sizes = (try? DatasetLog.sizes(directory.root)) ?? []  // a log that cannot be listed has no counting signer
        return LogCheck(directory: directory, datasetID: datasetID, policy: policy)
            .checkSignatures(size: size, origin: DatasetLog.origin(datasetID: datasetID), newest: size == sizes.last, log: &ignored)
    }

    /// `checkpoint-signature`: each signature file of checkpoint `size`; returns the signers whose signature counts.
    func checkSignatures(size: UInt64, origin: String, newest: Bool, log: inout FindingLog) -> Set<String> {
        let root = directory.root
        let text: [UInt8]
        do { text = try Files.readRegular("\(root)/\(DatasetLog.directoryName)/\(DatasetLog.checkpointsName)/\(size)/checkpoint",
                                          limit: DatasetLog.checkpointLimit) } catch {
            return []  // reported with the log's files
        }
        let files: [(signer: String, path: String, bytes: [UInt8])]
        do { files = try DatasetLog.signatureFiles(root, size: size) } catch {
            log.add(.checkpointSignature, "\(DatasetLog.directoryName)/\(DatasetLog.checkpointsName)/\(size)/signatures", "cannot be read: \(error)")
            return []
        }
        var counting: Set<String> = []
        for file in files {
            guard file.bytes.last == 0x0A, !file.bytes.dropLast().contains(0x0A),
                  let line = try? SignedNote.signatureLine(Array(file.bytes.dropLast())) else {  // the reason is the finding
                log.add(.checkpointSignature, file.path, "is not one signature line ending in a newline (spec/log.md §1)")
                continue
            }
            guard line.name == origin else {
                log.add(.checkpointSignature, file.path, "is signed under key name '\(line.name)', not the log's origin '\(origin)'")
                continue
            }
            // Keys the policy gives this signer for manifests, whatever their validity window.
            let keys = policy.signers.entries.filter { entry in
                entry.allows(principal: file.signer, namespace: DatasetDirectory.manifestNamespace, at: nil)
            }.compactMap { try? NoteVerifierKey(name: origin, type: NoteKeys.ed25519, publicKey: $0.key) }  // the origin is a valid name
            guard let key = keys.first(where: { $0.keyID == line.keyID }) else {
                log.add(.checkpointSignature, file.path, "is not by a key policy version \(policy.version) gives \(file.signer) for \(DatasetDirectory.manifestNamespace)")
                continue
            }
            guard key.verify(line.signature, text: text) else {
                log.add(.checkpointSignature, file.path, "does not verify for checkpoint \(size)")
                continue
            }
            // The newest checkpoint speaks for the log as it is: a revoked key's signature does not count there
            // (an older checkpoint was signed before the revocation).
            let fingerprint = OpenSSHPublicKey(key.publicKey).fingerprint
            if newest, let revocation = policy.revocations.first(where: { $0.fingerprint == fingerprint }) {
                log.add(.revokedSigner, file.path, "\(file.signer)'s key \(fingerprint) is revoked (\(revocation.reason)); it does not count for the newest checkpoint")
                continue
            }
            counting.insert(file.signer)
        }
        return counting
    }

    /// The time a checkpoint is shown to have existed by (spec/probe.md §7.4 item 7): the earliest timestamp by which the
    /// witnesses' cosignatures meet the quorum; nil when they never do.
    static func time(of cosigners: [String: UInt64], _ witnesses: WitnessPolicy) -> UInt64? {
        var counted: Set<String> = []
        for (name, timestamp) in cosigners.sorted(by: { ($0.value, $0.key) < ($1.value, $1.key) }) {
            counted.insert(name)
            if witnesses.isSatisfied(by: counted) { return timestamp }
        }
        return nil
    }

    /// `probe-timing`: each commitment of day D is in a checkpoint whose witnessed time is before D begins.
    func checkCommitmentTimes(_ entries: [DatasetLog.Entry], times: [(size: UInt64, seconds: UInt64)], log: inout FindingLog) {
        // The earliest witnessed time of a checkpoint holding entry i: the least time of the sizes above i.
        var earliest: [(size: UInt64, seconds: UInt64)] = []
        for time in times.reversed() { earliest.append((time.size, min(time.seconds, earliest.last?.seconds ?? .max))) }
        earliest.reverse()
        for (index, entry) in entries.enumerated() where entry.kind == .commitment {
            let parts = entry.path.split(separator: "/")
            guard parts.count == 6, let day = UTCDay("\(parts[3])-\(parts[4])-\(parts[5].dropLast(5))") else { continue }
            let shown = earliest.first { $0.size > UInt64(index) }?.seconds
            if let shown, shown < UInt64(day.startMs / 1000) { continue }
            log.add(.probeTiming, entry.path, shown.map { "the first witnessed checkpoint holding it was cosigned at \(Self.timestamp($0)), "
                + "not before \(day) began: nothing shows the day's seed was chosen before the day" }
                ?? "no checkpoint holding it meets the witness quorum: nothing shows the day's seed was chosen before \(day) began")
        }
    }

    /// A cosignature's timestamp for people: ISO 8601 when it is a time a record could hold, else its seconds (a witness
    /// signs any 64-bit value; none may trap the verifier).
    static func timestamp(_ seconds: UInt64) -> String {
        guard seconds <= 4_102_444_800 else { return "\(seconds) s after 1970" }
        return UTCTime.iso8601(milliseconds: Int64(seconds) * 1000)
    }

    /// `cosignature`: each cosignature file of checkpoint `size`; returns the witnesses whose cosignature verifies, with
    /// its timestamp.
    func checkCosignatures(size: UInt64, log: inout FindingLog) -> [String: UInt64] {
        let root = directory.root
        let text: [UInt8]
        do { text = try Files.readRegular("\(root)/\(DatasetLog.directoryName)/\(DatasetLog.checkpointsName)/\(size)/checkpoint",
                                          limit: DatasetLog.checkpointLimit) } catch {
            return [:]  // reported with the log's files
        }
        let files: [(signer: String, path: String, bytes: [UInt8])]
        do { files = try DatasetLog.signatureFiles(root, size: size, kind: DatasetLog.cosignaturesName) } catch {
            log.add(.cosignature, "\(DatasetLog.directoryName)/\(DatasetLog.checkpointsName)/\(size)/\(DatasetLog.cosignaturesName)", "cannot be read: \(error)")
            return [:]
        }
        var counting: [String: UInt64] = [:]
        for file in files {
            guard file.bytes.last == 0x0A, !file.bytes.dropLast().contains(0x0A),
                  let line = try? SignedNote.signatureLine(Array(file.bytes.dropLast())) else {  // the reason is the finding
                log.add(.cosignature, file.path, "is not one signature line ending in a newline (spec/log.md §1)")
                continue
            }
            guard let key = knownWitnesses[file.signer] else {
                log.add(.cosignature, file.path, "is by '\(file.signer)', a witness no policy version that holds defines")
                continue
            }
            guard line.name == key.name, line.keyID == key.keyID else {
                log.add(.cosignature, file.path, "is signed under \(line.name)+\(NoteKeys.hex(line.keyID)), not \(file.signer)'s key \(key.vkey)")
                continue
            }
            guard let timestamp = Cosignature.timestamp(of: line.signature), timestamp > 0 else {
                log.add(.cosignature, file.path, "is not a cosignature with a timestamp (spec/log.md §5)")
                continue
            }
            guard key.verify(line.signature, text: text) else {
                log.add(.cosignature, file.path, "does not verify for checkpoint \(size)")
                continue
            }
            counting[file.signer] = timestamp
        }
        return counting
    }

    /// Every regular file under `relative`, with `file-type` and `unreadable` findings for what is not.
    func regularFiles(_ relative: String, log: inout FindingLog) -> [String: Files.Kind]? {
        var found: [String: Files.Kind] = [:]
        var pending = [relative]
        while let next = pending.popLast() {
            let entries: [Files.Entry]
            do { entries = try Files.entries("\(directory.root)/\(next)") } catch {
                log.add(.unreadable, next, "cannot be listed: \(error)")
                return nil
            }
            for entry in entries {
                let path = "\(next)/\(entry.name)"
                switch entry.kind {
                case .directory: pending.append(path)
                case .regular: found[path] = .regular
                default: log.add(.fileType, path, "is a \(entry.kind.rawValue); a dataset holds only regular files and directories")
                }
            }
            guard found.count <= 10_000_000 else {
                log.add(.log, relative, "holds more files than a verifier reads")
                return nil
            }
        }
        return found
    }
}
