import AssayCore
import AssayCrypto

/// `policy/NNNN/policy.json` (spec/policy.md §1.1): canonical JSON and a newline.
/// Version 1 is the genesis: it names the descriptor and has no `prev`.
public struct PolicyDocument: Equatable, Sendable {
    public static let format = "assay-policy-v2"
    public static let maxVersion = 9999

    /// The SHA-256 and size of a file the document names.
    public struct FileReference: Equatable, Sendable {
        public var sha256: String
        public var size: Int64
        public init(_ bytes: [UInt8]) {
            sha256 = MessageDigest.sha256(bytes).hex
            size = Int64(bytes.count)
        }
        init(sha256: String, size: Int64) {
            self.sha256 = sha256
            self.size = size
        }
        var jsonValue: JSONValue { .object([.init("sha256", .string(sha256)), .init("size", .integer(size))]) }
    }

    public var dataset: String
    public var version: Int
    /// The version before (versions N ≥ 2).
    public var prevVersion: Int?
    public var prevSHA256: String?
    /// `dataset.json` (version 1 only).
    public var descriptor: FileReference?
    /// Seconds since the epoch.
    public var issued: Int64
    public var threshold: Int
    public var allowedSigners: FileReference
    /// `witnesses` (spec/log.md §8.1); nil: no witnesses.
    public var witnesses: FileReference?
    /// Sorted by fingerprint, each once.
    public var revocations: [Revocation]
    public var summary: String

    /// Version N ≥ 2, naming version N−1 by its hash.
    public init(dataset: String, version: Int, prevSHA256: String, issued: Int64, threshold: Int,
                allowedSigners: [UInt8], witnesses: [UInt8]? = nil, revocations: [Revocation], summary: String) {
        self.dataset = dataset
        self.version = version
        prevVersion = version - 1
        self.prevSHA256 = prevSHA256
        descriptor = nil
        self.issued = issued
        self.threshold = threshold
        self.allowedSigners = FileReference(allowedSigners)
        self.witnesses = witnesses.map(FileReference.init)
        self.revocations = revocations.sorted { Array($0.fingerprint.utf8).lexicographicallyPrecedes(Array($1.fingerprint.utf8)) }
        self.summary = summary
    }

    /// The genesis (version 1), naming the descriptor's bytes.
    public init(genesisOf dataset: String, descriptor: [UInt8], issued: Int64, threshold: Int, allowedSigners: [UInt8],
                witnesses: [UInt8]? = nil, summary: String) {
        self.dataset = dataset
        version = 1
        prevVersion = nil
        prevSHA256 = nil
        self.descriptor = FileReference(descriptor)
        self.issued = issued
        self.threshold = threshold
        self.allowedSigners = FileReference(allowedSigners)
        self.witnesses = witnesses.map(FileReference.init)
        revocations = []
        self.summary = summary
    }

    /// `policy/NNNN` for a version.
    public static func relativePath(version: Int) -> String {
        let digits = String(version)
        return "\(DatasetDirectory.policyName)/\(String(repeating: "0", count: max(0, 4 - digits.count)))\(digits)"
    }

    public var jsonValue: JSONValue {
        var members: [JSONValue.Member] = [
            .init("format", .string(Self.format)),
            .init("dataset", .string(dataset)),
            .init("version", .integer(Int64(version))),
        ]
        if let prevVersion, let prevSHA256 {
            members.append(.init("prev", .object([.init("version", .integer(Int64(prevVersion))), .init("sha256", .string(prevSHA256))])))
        }
        if let descriptor { members.append(.init("descriptor", descriptor.jsonValue)) }
        members += [
            .init("issued", .string(UTCTime.seconds(issued))),
            .init("threshold", .integer(Int64(threshold))),
            .init("allowed_signers", allowedSigners.jsonValue),
            .init("revocations", .array(revocations.map {
                .object([.init("fingerprint", .string($0.fingerprint)), .init("from", .string(UTCTime.seconds($0.from))),
                         .init("reason", .string($0.reason))])
            })),
            .init("summary", .string(summary)),
        ]
        if let witnesses { members.append(.init("witnesses", witnesses.jsonValue)) }
        return .object(members)
    }

    /// The file's bytes: canonical JSON and a newline.
    public func bytes() -> [UInt8] {
        CanonicalJSON.encodeBuilt(jsonValue, "a policy document") + [0x0A]
    }

    /// Parses `policy.json` strictly: canonical bytes, known members, valid values.
    public init(bytes: [UInt8]) throws(DocumentError) {
        guard bytes.last == 0x0A else { throw DocumentError("policy.json must end with a newline") }
        let value: JSONValue
        do { value = try JSONParser().parse(bytes.dropLast()) } catch { throw DocumentError("not valid JSON: \(error)") }
        // A parsed value without a canonical form (a duplicate key) is not canonical: that is the answer.
        guard (try? CanonicalJSON.encode(value)).map({ $0 + [0x0A] }) == bytes else {  // bytes that cannot be encoded are not canonical: the same refusal
            throw DocumentError("policy.json is not in canonical form (RFC 8785) followed by one newline")
        }
        do throws(JSONShapeError) {
            var reader = try JSONObjectReader(value)
            guard try reader.string("format") == Self.format else { throw JSONShapeError(path: "format", reason: "must be \"\(Self.format)\"") }
            dataset = try reader.string("dataset")
            guard Slug.isValid(dataset) else { throw JSONShapeError(path: "dataset", reason: "must be \(Slug.rule)") }
            version = Int(try reader.integer("version", in: 1...Int64(Self.maxVersion)))
            if version == 1 {
                guard !reader.has("prev") else { throw JSONShapeError(path: "prev", reason: "the genesis (version 1) has no previous version") }
                prevVersion = nil
                prevSHA256 = nil
                descriptor = try Self.file(&reader, "descriptor")
            } else {
                guard !reader.has("descriptor") else {
                    throw JSONShapeError(path: "descriptor", reason: "only the genesis (version 1) names the descriptor")
                }
                var prev = try reader.object("prev")
                prevVersion = Int(try prev.integer("version", in: 1...Int64(Self.maxVersion)))
                prevSHA256 = try Manifest.hash(try prev.string("sha256"), path: "prev.sha256")
                try prev.finish()
                descriptor = nil
            }
            issued = try Self.time(try reader.string("issued"), path: "issued")
            threshold = Int(try reader.integer("threshold", in: 1...1000))
            allowedSigners = try Self.file(&reader, "allowed_signers")
            witnesses = reader.has("witnesses") ? try Self.file(&reader, "witnesses") : nil
            var revocations: [Revocation] = []
            for (index, element) in try reader.array("revocations").enumerated() {
                let path = "revocations[\(index)]"
                var entry = try JSONObjectReader(element, path: path)
                let fingerprint = try entry.string("fingerprint")
                guard fingerprint.hasPrefix("SHA256:"), fingerprint.utf8.count == 50,
                      Base64.decode(String(fingerprint.dropFirst(7)) + "=").map({ $0.count == 32 }) == true else {
                    throw JSONShapeError(path: "\(path).fingerprint", reason: "must be an SSH key fingerprint SHA256:<43 base64 characters>")
                }
                let from = try Self.time(try entry.string("from"), path: "\(path).from")
                let reason = try entry.string("reason")
                guard (1...500).contains(reason.utf8.count) else { throw JSONShapeError(path: "\(path).reason", reason: "must be 1 to 500 bytes") }
                try entry.finish()
                if let last = revocations.last, !Array(last.fingerprint.utf8).lexicographicallyPrecedes(Array(fingerprint.utf8)) {
                    throw JSONShapeError(path: "\(path).fingerprint", reason: "revocations must be sorted by fingerprint, each once")
                }
                revocations.append(Revocation(fingerprint: fingerprint, from: from, reason: reason))
            }
            guard version > 1 || revocations.isEmpty else {
                throw JSONShapeError(path: "revocations", reason: "the genesis (version 1) revokes nothing")
            }
            self.revocations = revocations
            summary = try reader.string("summary")
            guard summary.utf8.count <= 4000 else { throw JSONShapeError(path: "summary", reason: "must be at most 4000 bytes") }
            try reader.finish()
        } catch {
            throw DocumentError(error.description)
        }
    }

    static func file(_ reader: inout JSONObjectReader, _ name: String) throws(JSONShapeError) -> FileReference {
        var file = try reader.object(name)
        let reference = FileReference(sha256: try Manifest.hash(try file.string("sha256"), path: "\(name).sha256"),
                                      size: try file.integer("size", in: 0...Int64(1 << 22)))
        try file.finish()
        return reference
    }

    static func time(_ text: String, path: String) throws(JSONShapeError) -> Int64 {
        guard let seconds = UTCTime.parseSeconds(text) else {
            throw JSONShapeError(path: path, reason: "must be a UTC time YYYY-MM-DDTHH:MM:SSZ")
        }
        return seconds
    }
}
