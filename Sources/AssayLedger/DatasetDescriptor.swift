import AssayCore

/// `dataset.json` (spec/dataset.md §3).
public struct DatasetDescriptor: Equatable, Sendable {
    public static let format = "assay-dataset-v1"

    public var id: String
    public var title: String
    public var description: String
    public var licence: String
    public var threshold: Int
    public var scoringProfiles: [String]
    public var simulated: Bool

    public init(id: String, title: String, description: String, licence: String, threshold: Int,
                scoringProfiles: [String] = [], simulated: Bool) {
        self.id = id
        self.title = title
        self.description = description
        self.licence = licence
        self.threshold = threshold
        self.scoringProfiles = scoringProfiles
        self.simulated = simulated
    }

    /// Parses and validates the descriptor.
    public init(bytes: [UInt8]) throws(DocumentError) {
        let value: JSONValue
        do { value = try JSONParser().parse(bytes) } catch { throw DocumentError(error.description) }
        do throws(JSONShapeError) {
            var reader = try JSONObjectReader(value)
            guard try reader.string("format") == Self.format else {
                throw JSONShapeError(path: "format", reason: "must be \"\(Self.format)\"")
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
            threshold = Int(try reader.integer("threshold", in: 1...1000))
            var profiles: [String] = []
            for (index, element) in try reader.array("scoring_profiles").enumerated() {
                guard case .string(let text) = element else {
                    throw JSONShapeError(path: "scoring_profiles[\(index)]", reason: "must be a string")
                }
                profiles.append(text)
            }
            scoringProfiles = profiles
            simulated = try reader.bool("simulated")
            try reader.finish()
        } catch {
            throw DocumentError(error.description)
        }
    }

    /// The descriptor as written: canonical member order, indented, final newline.
    public func bytes() -> [UInt8] {
        let value = JSONValue.object([
            .init("format", .string(Self.format)),
            .init("id", .string(id)),
            .init("title", .string(title)),
            .init("description", .string(description)),
            .init("licence", .string(licence)),
            .init("spec_version", .string(AssayVersion.spec)),
            .init("threshold", .integer(Int64(threshold))),
            .init("scoring_profiles", .array(scoringProfiles.map { .string($0) })),
            .init("simulated", .bool(simulated)),
        ])
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
