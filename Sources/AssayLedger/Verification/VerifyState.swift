import AssayCore

/// What an earlier verification saw: each collector's newest bundle
/// (spec/dataset.md §8.2). A later run that finds one of these heads gone
/// or changed has caught a rollback or a rewritten history.
public struct VerifyState: Equatable, Sendable {
    public static let format = "assay-verify-state-v1"

    public struct Head: Equatable, Sendable {
        public var collector: String
        public var day: UTCDay
        public var manifestSHA256: String
        public init(collector: String, day: UTCDay, manifestSHA256: String) {
            self.collector = collector
            self.day = day
            self.manifestSHA256 = manifestSHA256
        }
    }

    public var dataset: String
    /// Sorted by collector.
    public var heads: [Head]

    public init(dataset: String, heads: [Head]) {
        self.dataset = dataset
        self.heads = heads.sorted { $0.collector < $1.collector }
    }

    public func bytes() -> [UInt8] {
        let value = JSONValue.object([
            .init("format", .string(Self.format)),
            .init("dataset", .string(dataset)),
            .init("heads", .array(heads.map {
                .object([.init("collector", .string($0.collector)), .init("day", .string($0.day.description)),
                         .init("manifest_sha256", .string($0.manifestSHA256))])
            })),
        ])
        return CanonicalJSON.encodeBuilt(value, "a verify state") + [0x0A]
    }

    public init(bytes: [UInt8]) throws(DocumentError) {
        do throws(JSONShapeError) {
            let value: JSONValue
            do { value = try JSONParser().parse(bytes) } catch { throw JSONShapeError(path: "(state file)", reason: "is not JSON: \(error)") }
            var reader = try JSONObjectReader(value)
            guard try reader.string("format") == Self.format else { throw JSONShapeError(path: "format", reason: "must be \"\(Self.format)\"") }
            dataset = try reader.string("dataset")
            var heads: [Head] = []
            for (index, element) in try reader.array("heads").enumerated() {
                var head = try JSONObjectReader(element, path: "heads[\(index)]")
                let dayText = try head.string("day")
                guard let day = UTCDay(dayText) else { throw JSONShapeError(path: "heads[\(index)].day", reason: "must be YYYY-MM-DD") }
                heads.append(Head(collector: try head.string("collector"), day: day, manifestSHA256: try head.string("manifest_sha256")))
                try head.finish()
            }
            try reader.finish()
            self.heads = heads
        } catch {
            throw DocumentError(error.description)
        }
    }
}
