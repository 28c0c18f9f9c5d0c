import AssayCore
import AssayCrypto
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A record proof that needs nothing but the pinned genesis (spec/log.md §10): a c2sp.org/tlog-proof whose
/// entry is the record's manifest, whose checkpoint carries the operators' signatures and the witnesses'
/// cosignatures, and whose extra data holds the record with its path to the manifest's Merkle root, the
/// manifest and its signatures, the descriptor and every policy version up to the one in effect.
public struct TransparentRecordProof: Sendable, Equatable {
    public static let header = "c2sp.org/tlog-proof@v1"
    public static let format = "assay-record-proof-v3"
    /// A proof file is at most this large (a manifest may be 16 MiB, base64 and all).
    public static let byteLimit = 32 << 20

    /// One policy version's files.
    public struct PolicyVersion: Sendable, Equatable {
        public var policy: [UInt8]
        public var allowedSigners: [UInt8]
        public var witnesses: [UInt8]?
        /// Approvals: signer → armored SSHSIG.
        public var signatures: [(String, [UInt8])]

        public static func == (a: PolicyVersion, b: PolicyVersion) -> Bool {
            a.policy == b.policy && a.allowedSigners == b.allowedSigners && a.witnesses == b.witnesses
                && a.signatures.map(\.0) == b.signatures.map(\.0) && a.signatures.map(\.1) == b.signatures.map(\.1)
        }
    }

    /// The record's canonical line, its leaf index and audit path in the bundle's Merkle tree.
    public var record: [UInt8]
    public var recordIndex: Int64
    public var recordPath: [[UInt8]]
    public var manifest: [UInt8]
    public var manifestSignatures: [(String, [UInt8])]
    public var descriptor: [UInt8]
    public var policy: [PolicyVersion]
    /// The manifest's entry index in the log, its inclusion proof, and the signed checkpoint.
    public var index: UInt64
    public var proof: [[UInt8]]
    public var checkpoint: [UInt8]

    public static func == (a: TransparentRecordProof, b: TransparentRecordProof) -> Bool { a.bytes == b.bytes }

    // MARK: making

    /// The proof of record `id` (of `observer`) in the bundle of `collector` and `day`, against the newest
    /// checkpoint that meets the witness quorum (the newest checkpoint when none does).
    public static func make(directory: DatasetDirectory, collector: String, day: UTCDay, id: String, observer: String?) throws(LedgerError) -> TransparentRecordProof {
        let inBundle = try RecordProof.make(directory: directory, collector: collector, day: day, id: id, observer: observer)
        let root = directory.root
        func read(_ relative: String, _ limit: Int) throws(LedgerError) -> [UInt8] {
            do { return try Files.readRegular("\(root)/\(relative)", limit: limit) } catch { throw LedgerError(.io, "\(relative): \(error)") }
        }
        let descriptor = try directory.descriptor()
        let chain = PolicyChain.evaluate(directory, descriptor: descriptor)
        guard let current = chain.current else { throw LedgerError(.invalidDocument, "the dataset has no policy in effect") }
        var versions: [PolicyVersion] = []
        for number in 1...current.version {
            let relative = PolicyDocument.relativePath(version: number)
            let witnessesPath = "\(relative)/\(DatasetDirectory.witnessesName)"
            var signatures: [(String, [UInt8])] = []
            do {
                for name in try DatasetDirectory.list("\(root)/\(relative)/signatures") where name.hasSuffix(".sig") {
                    signatures.append((String(name.dropLast(4)), try read("\(relative)/signatures/\(name)", DatasetDirectory.signatureLimit)))
                }
            } catch let error as LedgerError { throw error } catch { throw LedgerError(.io, "\(relative)/signatures: \(error)") }
            versions.append(PolicyVersion(
                policy: try read("\(relative)/policy.json", DatasetDirectory.policyDocumentLimit),
                allowedSigners: try read("\(relative)/\(DatasetDirectory.allowedSignersName)", DatasetDirectory.allowedSignersLimit),
                witnesses: Files.kind("\(root)/\(witnessesPath)") == .regular ? try read(witnessesPath, WitnessPolicy.byteLimit) : nil,
                signatures: signatures))
        }
        let bundle = DatasetDirectory.bundleRelativePath(collector: collector, day: day)
        var manifestSignatures: [(String, [UInt8])] = []
        do {
            for name in try DatasetDirectory.list("\(root)/\(bundle)/signatures") where name.hasSuffix(".sig") {
                manifestSignatures.append((String(name.dropLast(4)), try read("\(bundle)/signatures/\(name)", DatasetDirectory.signatureLimit)))
            }
        } catch let error as LedgerError { throw error } catch { throw LedgerError(.io, "\(bundle)/signatures: \(error)") }
        // The checkpoint: the newest that the quorum cosigned and that holds the manifest's entry.
        let sizes: [UInt64]
        do { sizes = try DatasetLog.sizes(root) } catch { throw LedgerError(.io, "log/checkpoints: \(error)") }
        guard let newest = sizes.last else { throw LedgerError(.invalidDocument, "the dataset has no log") }
        let entries = try DatasetLog.entries(root, size: newest)
        let manifestPath = "\(bundle)/manifest.json"
        guard let index = entries.firstIndex(where: { $0.path == manifestPath }) else {
            throw LedgerError(.invalidDocument, "\(manifestPath) has no entry in the log")
        }
        var chosen = newest
        if current.witnesses.quorum != WitnessPolicy.none {
            for size in sizes.reversed() where size > UInt64(index) {
                let note: SignedNote
                do { note = try SignedNote(parsing: try DatasetLog.assemble(root, size: size)) } catch { continue }  // an unreadable checkpoint is not chosen
                if current.witnesses.isSatisfied(by: LogCheck.cosigners(of: note, witnesses: current.witnesses)) {
                    chosen = size
                    break
                }
            }
        }
        let checkpoint: [UInt8]
        do { checkpoint = try DatasetLog.assemble(root, size: chosen) } catch { throw LedgerError(.io, "checkpoint \(chosen): \(error)") }
        let leafHashes = entries.prefix(Int(chosen)).map { Merkle.leafHash($0.bytes) }
        return TransparentRecordProof(
            record: Array(inBundle.record.utf8), recordIndex: inBundle.leafIndex, recordPath: inBundle.path.compactMap { Hex.decode($0) },
            manifest: try read(manifestPath, DatasetDirectory.manifestLimit), manifestSignatures: manifestSignatures,
            descriptor: try read(DatasetDirectory.descriptorName, DatasetDirectory.descriptorLimit), policy: versions,
            index: UInt64(index), proof: Merkle.inclusionProof(index: index, leafHashes: Array(leafHashes)), checkpoint: checkpoint)
    }

    init(record: [UInt8], recordIndex: Int64, recordPath: [[UInt8]], manifest: [UInt8], manifestSignatures: [(String, [UInt8])],
         descriptor: [UInt8], policy: [PolicyVersion], index: UInt64, proof: [[UInt8]], checkpoint: [UInt8]) {
        self.record = record
        self.recordIndex = recordIndex
        self.recordPath = recordPath
        self.manifest = manifest
        self.manifestSignatures = manifestSignatures
        self.descriptor = descriptor
        self.policy = policy
        self.index = index
        self.proof = proof
        self.checkpoint = checkpoint
    }

    // MARK: bytes

    static func signatures(_ items: [(String, [UInt8])]) -> JSONValue {
        .object(items.sorted { Array($0.0.utf8).lexicographicallyPrecedes(Array($1.0.utf8)) }.map { .init($0.0, .string(String(decoding: $0.1, as: UTF8.self))) })
    }

    /// The extra data: canonical JSON (spec/log.md §10).
    var extra: [UInt8] {
        let versions: [JSONValue] = policy.map { version in
            var members: [JSONValue.Member] = [
                .init("policy", .string(Base64.encode(version.policy))), .init("allowed_signers", .string(Base64.encode(version.allowedSigners))),
                .init("signatures", Self.signatures(version.signatures)),
            ]
            if let witnesses = version.witnesses { members.append(.init("witnesses", .string(Base64.encode(witnesses)))) }
            return .object(members)
        }
        return CanonicalJSON.encodeBuilt(.object([
            .init("format", .string(Self.format)), .init("record", .string(String(decoding: record, as: UTF8.self))),
            .init("record_index", .integer(recordIndex)), .init("record_path", .array(recordPath.map { .string(Base64.encode($0)) })),
            .init("manifest", .string(Base64.encode(manifest))), .init("manifest_signatures", Self.signatures(manifestSignatures)),
            .init("descriptor", .string(Base64.encode(descriptor))), .init("policy", .array(versions)),
        ]), "a record proof's extra data")
    }

    /// The tlog-proof file.
    public var bytes: [UInt8] {
        var lines = [Self.header, "extra \(Base64.encode(extra))", "index \(index)"]
        lines += proof.map { Base64.encode($0) }
        return Array((lines.joined(separator: "\n") + "\n\n").utf8) + checkpoint
    }

    /// Parses a tlog-proof file and its extra data (structure only; `verify` judges it).
    public init(bytes: [UInt8]) throws(DocumentError) {
        guard bytes.count <= Self.byteLimit else { throw DocumentError("a record proof is at most \(Self.byteLimit) bytes") }
        guard let blank = (0..<max(0, bytes.count - 1)).first(where: { bytes[$0] == 0x0A && bytes[$0 + 1] == 0x0A }) else {
            throw DocumentError("not a tlog-proof: no empty line before the checkpoint")
        }
        let lines = bytes[..<blank].split(separator: 0x0A, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
        guard lines.count >= 3, lines[0] == Self.header, lines[1].hasPrefix("extra "), lines[2].hasPrefix("index ") else {
            throw DocumentError("not an Assay tlog-proof: '\(Self.header)', an extra line and an index line come first")
        }
        let indexText = String(lines[2].dropFirst("index ".count))
        guard let index = UInt64(indexText), String(index) == indexText, index <= UInt64(Int64.max) else {
            throw DocumentError("the index is not a decimal without leading zeros")
        }
        var proof: [[UInt8]] = []
        for line in lines.dropFirst(3) {
            guard let hash = Base64.decode(line), hash.count == 32 else { throw DocumentError("a proof line is not a base64 SHA-256 hash") }
            proof.append(hash)
        }
        guard proof.count <= 63 else { throw DocumentError("more than 63 proof lines") }
        guard let extraBytes = Base64.decode(String(lines[1].dropFirst("extra ".count))) else { throw DocumentError("the extra line is not base64") }
        self.index = index
        self.proof = proof
        checkpoint = Array(bytes[(blank + 2)...])
        do throws(JSONShapeError) {
            let value: JSONValue
            do { value = try JSONParser().parse(extraBytes) } catch { throw JSONShapeError(path: "extra", reason: "is not JSON: \(error)") }
            guard (try? CanonicalJSON.encode(value)) == extraBytes else {  // bytes that cannot be encoded are not canonical: the same refusal
                throw JSONShapeError(path: "extra", reason: "is not canonical JSON")
            }
            var reader = try JSONObjectReader(value, path: "extra")
            guard try reader.string("format") == Self.format else { throw JSONShapeError(path: "extra.format", reason: "must be \"\(Self.format)\"") }
            func base64(_ text: String, _ path: String) throws(JSONShapeError) -> [UInt8] {
                guard let bytes = Base64.decode(text) else { throw JSONShapeError(path: path, reason: "is not base64") }
                return bytes
            }
            func signatures(_ reader: inout JSONObjectReader, _ name: String) throws(JSONShapeError) -> [(String, [UInt8])] {
                guard case .object(let members) = try reader.value(name) else { throw JSONShapeError(path: name, reason: "must be an object of signer to signature") }
                var result: [(String, [UInt8])] = []
                for member in members {
                    guard Slug.isValid(member.key), let text = member.value.stringValue, text.utf8.count <= DatasetDirectory.signatureLimit else {
                        throw JSONShapeError(path: "\(name).\(member.key)", reason: "must be a signer slug and an armored signature")
                    }
                    result.append((member.key, Array(text.utf8)))
                }
                return result
            }
            record = Array(try reader.string("record").utf8)
            recordIndex = try reader.integer("record_index")
            recordPath = []
            for (offset, element) in try reader.array("record_path").enumerated() {
                recordPath.append(try base64(element.stringValue ?? "", "extra.record_path[\(offset)]"))
            }
            manifest = try base64(try reader.string("manifest"), "extra.manifest")
            manifestSignatures = try signatures(&reader, "manifest_signatures")
            descriptor = try base64(try reader.string("descriptor"), "extra.descriptor")
            policy = []
            for (offset, element) in try reader.array("policy").enumerated() {
                var version = try JSONObjectReader(element, path: "extra.policy[\(offset)]")
                let witnesses = version.has("witnesses") ? try base64(try version.string("witnesses"), "extra.policy[\(offset)].witnesses") : nil
                policy.append(PolicyVersion(policy: try base64(try version.string("policy"), "extra.policy[\(offset)].policy"),
                                            allowedSigners: try base64(try version.string("allowed_signers"), "extra.policy[\(offset)].allowed_signers"),
                                            witnesses: witnesses, signatures: try signatures(&version, "signatures")))
                try version.finish()
            }
            guard (1...PolicyDocument.maxVersion).contains(policy.count) else { throw JSONShapeError(path: "extra.policy", reason: "must hold 1 to 9999 versions") }
            try reader.finish()
        } catch {
            throw DocumentError(error.description)
        }
    }

    // MARK: verifying

    /// Checks the proof with nothing but the genesis hash `genesis` (spec/log.md §10); returns the findings (none:
    /// the record is in a bundle signed as the dataset's policy requires, whose manifest is in a checkpoint
    /// signed and witnessed as it requires).
    public func verify(genesis: String) -> [Finding] {
        var log = FindingLog()
        let scratch: String
        do { scratch = try Self.materialize(self) } catch {
            log.add(.proof, "(proof)", "its files cannot be laid out to be checked: \(error)")
            return log.all
        }
        defer { _ = try? FileManager.default.removeItem(atPath: scratch) }  // a scratch directory left behind holds nothing secret
        let directory = DatasetDirectory(scratch)
        let descriptor: DatasetDescriptor
        do { descriptor = try directory.descriptor() } catch {
            log.add(.descriptor, "(proof) descriptor", "\(error)")
            return log.all
        }
        let chain = PolicyChain.evaluate(directory, descriptor: descriptor)
        for finding in chain.findings { log.add(finding.rule, "(proof) \(finding.path)", finding.message) }
        guard chain.genesisHash == genesis else {
            log.add(.genesis, "(proof) policy/0001/policy.json", "the proof's genesis is \(chain.genesisHash ?? "unreadable"), not the pinned \(genesis)")
            return log.all
        }
        guard let policy = chain.current else {
            log.add(.genesis, "(proof)", "no policy version of the proof holds")
            return log.all
        }
        // The checkpoint: the operators' threshold and the witness quorum.
        let origin = DatasetLog.origin(datasetID: descriptor.id)
        let note: SignedNote, checkpointText: Checkpoint
        do {
            note = try SignedNote(parsing: checkpoint)
            checkpointText = try Checkpoint(text: note.text)
        } catch {
            log.add(.proof, "(proof) checkpoint", "is not a signed checkpoint: \(error)")
            return log.all
        }
        if checkpointText.origin != origin { log.add(.proofBinding, "(proof) checkpoint", "is a checkpoint of '\(checkpointText.origin)', not of '\(origin)'") }
        let signers = LogCheck.signers(of: note, policy: policy, origin: origin)
        if signers.count < policy.threshold {
            log.add(.checkpointThreshold, "(proof) checkpoint", "signed by \(signers.count) of the \(policy.threshold) signers needed")
        }
        if !policy.witnesses.isSatisfied(by: LogCheck.cosigners(of: note, witnesses: policy.witnesses)) {
            log.add(.witnessQuorum, "(proof) checkpoint", "its cosignatures do not meet the quorum '\(policy.witnesses.quorum)'")
        }
        // The manifest's entry is leaf `index` of the checkpoint's tree.
        let manifestDocument: Manifest
        do { manifestDocument = try Manifest(bytes: manifest) } catch {
            log.add(.manifest, "(proof) manifest", error.reason)
            return log.all
        }
        let path = "\(DatasetDirectory.bundleRelativePath(collector: manifestDocument.collector, day: manifestDocument.day))/manifest.json"
        let entry = DatasetLog.Entry(kind: .manifest, path: path, sha256: MessageDigest.sha256(manifest).hex)
        do {
            try Merkle.verifyInclusion(leafHash: Merkle.leafHash(entry.bytes), index: index, size: checkpointText.size, proof: proof, root: checkpointText.root)
        } catch {
            log.add(.proofBinding, "(proof) index", "the manifest's log entry is not leaf \(index) of the checkpoint's tree: \(error)")
        }
        // The record is in the manifest's tree, and the manifest is signed as the policy requires (spec/dataset.md §8.3).
        let inBundle = RecordProof(dataset: descriptor.id, collector: manifestDocument.collector, day: manifestDocument.day,
                                   manifestSHA256: entry.sha256, record: String(decoding: record, as: UTF8.self), leafIndex: recordIndex,
                                   treeSize: manifestDocument.merkleTreeSize, path: recordPath.map { Hex.encode($0) }, root: manifestDocument.merkleRoot)
        for finding in inBundle.verify(in: directory, datasetID: descriptor.id, policy: policy) {
            log.add(finding.rule, "(proof) \(finding.path)", finding.message)
        }
        return log.all
    }

    /// Lays the proof's documents out as a miniature dataset in a new temporary directory: the descriptor, the
    /// policy versions and the bundle's manifest with its signatures (paths Assay makes, never the proof's).
    static func materialize(_ proof: TransparentRecordProof) throws -> String {
        var template = Array("\(temporaryDirectory())/assay-proof-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw LedgerError(.io, "cannot make a temporary directory") }
        let root = String(cString: made)
        func put(_ relative: String, _ bytes: [UInt8]) throws {
            let path = "\(root)/\(relative)"
            try FileManager.default.createDirectory(atPath: String(path[..<path.lastIndex(of: "/")!]), withIntermediateDirectories: true)
            try Files.writeAtomically(path, contents: bytes)
        }
        try put(DatasetDirectory.descriptorName, proof.descriptor)
        for (offset, version) in proof.policy.enumerated() {
            let relative = PolicyDocument.relativePath(version: offset + 1)
            try put("\(relative)/policy.json", version.policy)
            try put("\(relative)/\(DatasetDirectory.allowedSignersName)", version.allowedSigners)
            if let witnesses = version.witnesses { try put("\(relative)/\(DatasetDirectory.witnessesName)", witnesses) }
            try FileManager.default.createDirectory(atPath: "\(root)/\(relative)/signatures", withIntermediateDirectories: true)
            for (signer, signature) in version.signatures { try put("\(relative)/signatures/\(signer).sig", signature) }
        }
        if let manifest = try? Manifest(bytes: proof.manifest) {  // an invalid manifest is reported by verify, which reads it again
            let bundle = DatasetDirectory.bundleRelativePath(collector: manifest.collector, day: manifest.day)
            try put("\(bundle)/manifest.json", proof.manifest)
            for (signer, signature) in proof.manifestSignatures { try put("\(bundle)/signatures/\(signer).sig", signature) }
        }
        return root
    }
}

/// `$TMPDIR`, else /tmp, without a trailing slash.
func temporaryDirectory() -> String {
    let value = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
    return value.hasSuffix("/") ? String(value.dropLast()) : value
}
