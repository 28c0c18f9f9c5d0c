import AssayCore

/// `dataset.json` (spec/dataset.md §3): presentation and the dataset's fixed
/// facts, signed through the genesis, which names the SHA-256 of its bytes.
public struct DatasetDescriptor: Equatable, Sendable {
    public static let format = "assay-dataset-v2"

    /// A scoring profile published scores may use (spec/scoring.md §1).
    public struct Profile: Equatable, Sendable {
        public let id: String
        public let sha256: String
        public init(id: String, sha256: String) {
            self.id = id
            self.sha256 = sha256
        }
    }

    public var id: String
    public var title: String
    public var description: String
    public var licence: String
    /// Sorted by id, each id once.
    public var scoringProfiles: [Profile]
    public var simulated: Bool
    /// The greatest size of one records file (spec/dataset.md §4.6); nil: the default, 32 MiB.
    public var shardBytes: Int64?

    /// The default and the bounds of `shard_bytes`: at least one record line with its newline (65 537 bytes at
    /// most, so 65 536 and up always fit one), at most 32 MiB, so a stored file stays under 50 MB compressed or not.
    public static let defaultShardBytes: Int64 = 32 << 20
    public static let shardBytesRange: ClosedRange<Int64> = 65_536...(32 << 20)

    /// The shard size the dataset's bundles are cut at.
    public var effectiveShardBytes: Int64 { shardBytes ?? Self.defaultShardBytes }

    public init(id: String, title: String, description: String, licence: String, scoringProfiles: [Profile] = [], simulated: Bool,
                shardBytes: Int64? = nil) {
        self.shardBytes = shardBytes
        self.id = id
        self.title = title
        self.description = description
        self.licence = licence
        self.scoringProfiles = scoringProfiles.sorted { Array($0.id.utf8).lexicographicallyPrecedes(Array($1.id.utf8)) }
        self.simulated = simulated
    }

    /// Parses and validates the descriptor.
    public init(bytes: [UInt8]) throws(DocumentError) {
        let value: JSONValue
        do { value = try JSONParser().parse(bytes) } catch { throw DocumentError(error.description) }
        do throws(JSONShapeError) {
            var reader = try JSONObjectReader(value)
            let format = try reader.string("format")
            guard format == Self.format else {
                throw JSONShapeError(path: "format", reason: format == "assay-dataset-v1"
                    ? "is \"assay-dataset-v1\", whose threshold was not signed; this verifier reads \"\(Self.format)\" (spec/dataset.md §3): recreate the dataset with a signed genesis"
                    : "must be \"\(Self.format)\"")
            }
            id = try reader.string("id")
            guard Slug.isValid(id) else { throw JSONShapeError(path: "id", reason: "must be \(Slug.rule)") }
            title = try reader.string("title")
            guard (1...200).contains(title.utf8.count) else { throw JSONShapeError(path: "title", reason: "must be 1 to 200 bytes") }
            description = try reader.string("description")
            guard description.utf8.count <= 4000 else { throw JSONShapeError(path: "description", reason: "must be at most 4000 bytes") }
            licence = try reader.string("licence")
            guard (1...100).contains(licence.utf8.count) else { throw JSONShapeError(path: "licence", reason: "must be 1 to 100 bytes") }
            guard try reader.string("spec_version") == AssayVersion.spec else {
                throw JSONShapeError(path: "spec_version", reason: "must be \"\(AssayVersion.spec)\" for this verifier")
            }
            var profiles: [Profile] = []
            for (index, element) in try reader.array("scoring_profiles").enumerated() {
                let path = "scoring_profiles[\(index)]"
                var entry = try JSONObjectReader(element, path: path)
                let profile = Profile(id: try entry.string("id"), sha256: try Manifest.hash(try entry.string("sha256"), path: "\(path).sha256"))
                try entry.finish()
                guard Slug.isValid(profile.id) else { throw JSONShapeError(path: "\(path).id", reason: "must be \(Slug.rule)") }
                if let last = profiles.last, !Array(last.id.utf8).lexicographicallyPrecedes(Array(profile.id.utf8)) {
                    throw JSONShapeError(path: "\(path).id", reason: "profiles must be sorted by id, each once")
                }
                profiles.append(profile)
            }
            scoringProfiles = profiles
            simulated = try reader.bool("simulated")
            shardBytes = try reader.optionalInteger("shard_bytes")
            if let shardBytes, !Self.shardBytesRange.contains(shardBytes) {
                throw JSONShapeError(path: "shard_bytes", reason: "must be \(Self.shardBytesRange.lowerBound) to \(Self.shardBytesRange.upperBound)")
            }
            try reader.finish()
        } catch {
            throw DocumentError(error.description)
        }
    }

    /// The descriptor as written: canonical member order, indented, final newline.
    public func bytes() -> [UInt8] {
        var members: [JSONValue.Member] = [
            .init("format", .string(Self.format)),
            .init("id", .string(id)),
            .init("title", .string(title)),
            .init("description", .string(description)),
            .init("licence", .string(licence)),
            .init("spec_version", .string(AssayVersion.spec)),
            .init("scoring_profiles", .array(scoringProfiles.map {
                .object([.init("id", .string($0.id)), .init("sha256", .string($0.sha256))])
            })),
            .init("simulated", .bool(simulated)),
        ]
        if let shardBytes { members.append(.init("shard_bytes", .integer(shardBytes))) }
        let value = JSONValue.object(members)
        do { return Array(try PrettyJSON.string(value).utf8) } catch {
            preconditionFailure("a dataset descriptor has no JSON form (\(error)); this is a bug in Assay, not in the data")
        }
    }
}

/// A document (descriptor, manifest, state) that is not valid, and why.
public struct DocumentError: Error, Equatable, Sendable, CustomStringConvertible {
    public let reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}
