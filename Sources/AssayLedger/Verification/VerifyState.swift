import AssayCore

/// What an earlier verification trusted (spec/dataset.md §8.2): the genesis,
/// the policy version in effect, and each collector's newest bundle. A later
/// run that finds another genesis, an older or rewritten policy, or a head gone
/// or changed has caught a replaced root, a rolled-back policy or a rewritten
/// history.
public struct VerifyState: Equatable, Sendable {
    public static let format = "assay-verify-state-v2"

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

    /// The log's newest checkpoint (spec/log.md §7.5): its size and root, hex.
    public struct LogHead: Equatable, Sendable {
        public var size: UInt64
        public var root: String
        public init(size: UInt64, root: String) {
            self.size = size
            self.root = root
        }
    }

    public var dataset: String
    /// SHA-256 of policy/0001/policy.json.
    public var genesis: String
    /// The policy version the run judged by, and its hash.
    public var policyVersion: Int
    public var policySHA256: String
    /// Sorted by collector.
    public var heads: [Head]
    /// Absent in a state written before datasets had a log.
    public var log: LogHead?

    public init(dataset: String, genesis: String, policyVersion: Int, policySHA256: String, heads: [Head], log: LogHead? = nil) {
        self.log = log
        self.dataset = dataset
        self.genesis = genesis
        self.policyVersion = policyVersion
        self.policySHA256 = policySHA256
        self.heads = heads.sorted { Array($0.collector.utf8).lexicographicallyPrecedes(Array($1.collector.utf8)) }
    }

    public func bytes() -> [UInt8] {
        let value = JSONValue.object([
            .init("format", .string(Self.format)),
            .init("dataset", .string(dataset)),
            .init("genesis", .string(genesis)),
            .init("policy", .object([.init("version", .integer(Int64(policyVersion))), .init("sha256", .string(policySHA256))])),
            .init("heads", .array(heads.map {
                .object([.init("collector", .string($0.collector)), .init("day", .string($0.day.description)),
                         .init("manifest_sha256", .string($0.manifestSHA256))])
            })),
        ] + (log.map { [.init("log", .object([.init("size", .integer(Int64($0.size))), .init("root", .string($0.root))]))] } ?? []))
        return CanonicalJSON.encodeBuilt(value, "a verify state") + [0x0A]
    }

    public init(bytes: [UInt8]) throws(DocumentError) {
        do throws(JSONShapeError) {
            let value: JSONValue
            do { value = try JSONParser().parse(bytes) } catch { throw JSONShapeError(path: "(state file)", reason: "is not JSON: \(error)") }
            var reader = try JSONObjectReader(value)
            let format = try reader.string("format")
            guard format == Self.format else {
                throw JSONShapeError(path: "format", reason: format == "assay-verify-state-v1"
                    ? "is \"assay-verify-state-v1\", which recorded no root of trust; delete the file and verify again to start a new one (spec/dataset.md §8.2)"
                    : "must be \"\(Self.format)\"")
            }
            dataset = try reader.string("dataset")
            genesis = try Manifest.hash(try reader.string("genesis"), path: "genesis")
            var policy = try reader.object("policy")
            policyVersion = Int(try policy.integer("version", in: 1...Int64(PolicyDocument.maxVersion)))
            policySHA256 = try Manifest.hash(try policy.string("sha256"), path: "policy.sha256")
            try policy.finish()
            var heads: [Head] = []
            for (index, element) in try reader.array("heads").enumerated() {
                var head = try JSONObjectReader(element, path: "heads[\(index)]")
                let dayText = try head.string("day")
                guard let day = UTCDay(dayText) else { throw JSONShapeError(path: "heads[\(index)].day", reason: "must be YYYY-MM-DD") }
                heads.append(Head(collector: try head.string("collector"), day: day,
                                  manifestSHA256: try Manifest.hash(try head.string("manifest_sha256"), path: "heads[\(index)].manifest_sha256")))
                try head.finish()
            }
            if var head = try reader.optionalObject("log") {
                log = LogHead(size: UInt64(try head.integer("size")), root: try Manifest.hash(try head.string("root"), path: "log.root"))
                try head.finish()
            } else {
                log = nil
            }
            try reader.finish()
            self.heads = heads
        } catch {
            throw DocumentError(error.description)
        }
    }
}
