import AssayCore

/// A bundle's manifest (spec/dataset.md §4.3): canonical JSON and a newline.
public struct Manifest: Equatable, Sendable {
    public static let format = "assay-manifest-v1"
    public static let recordsName = "records.jsonl"
    public static let conflictsName = "conflicts.jsonl"
    /// The most shards a bundle may have (five digits, spec/dataset.md §4.6).
    public static let maxShards = 100_000

    /// The name of shard `number`: `records-NNNNN.jsonl`.
    public static func shardName(_ number: Int) -> String {
        precondition((0..<maxShards).contains(number), "shard \(number) is outside 0…99999")
        let digits = String(number)
        return "records-" + String(repeating: "0", count: 5 - digits.count) + digits + ".jsonl"
    }

    /// The number of a shard's name, or nil when `name` is not `records-NNNNN.jsonl`.
    public static func shardNumber(_ name: String) -> Int? {
        let bytes = Array(name.utf8)
        guard bytes.count == 19, name.hasPrefix("records-"), name.hasSuffix(".jsonl") else { return nil }
        var number = 0
        for byte in bytes[8..<13] {
            guard (0x30...0x39).contains(byte) else { return nil }
            number = number * 10 + Int(byte - 0x30)
        }
        return number
    }

    /// Whether `names` are a bundle's files in manifest order: `conflicts.jsonl`, `probes.json` when the bundle
    /// reveals a probe order (spec/probe.md §7.3), then `records.jsonl` or the shards 00000, 00001, … (§4.6).
    public static func isValidFileList(_ names: [String]) -> Bool {
        var rest = names[...]
        guard rest.popFirst() == conflictsName else { return false }
        if rest.first == "probes.json" { rest.removeFirst() }
        if Array(rest) == [recordsName] { return true }
        guard !rest.isEmpty, rest.count <= maxShards else { return false }
        return rest.enumerated().allSatisfy { shardNumber($0.element) == $0.offset }
    }

    public struct FileEntry: Equatable, Sendable {
        public var name: String
        public var sha256: String
        public var size: Int64
        public init(name: String, sha256: String, size: Int64) {
            self.name = name
            self.sha256 = sha256
            self.size = size
        }
    }

    /// The collector's previous bundle.
    public struct Previous: Equatable, Sendable {
        public var day: UTCDay
        public var sha256: String
        public init(day: UTCDay, sha256: String) {
            self.day = day
            self.sha256 = sha256
        }
    }

    public var specVersion = AssayVersion.spec
    public var software = "assay \(AssayVersion.software)"
    public var dataset: String
    public var collector: String
    public var day: UTCDay
    public var prev: Previous?
    public var files: [FileEntry]
    /// Records per kind, in `RecordKind.allCases` order.
    public var recordsByKind: [RecordKind: Int64]
    public var merkleTreeSize: Int64
    public var merkleRoot: String
    public var conflictKeys: Int64
    public var conflictVersions: Int64
    public var coverage: Coverage
    public var rejectedByCode: [String: Int64]

    /// The sums, checked when a manifest is parsed or built: they never overflow here.
    public var recordsTotal: Int64 { Self.checkedSum(recordsByKind.values) ?? .max }

    /// Whether `records.by_kind` lists `kind` even at 0: the kinds of record schemas 1 and 2 (spec/dataset.md §4);
    /// later kinds are listed exactly when the bundle has some, so a bundle without them keeps its manifest.
    public static func listsAlways(_ kind: RecordKind) -> Bool { kind.firstSchema < AssayVersion.testJobSchema }

    /// The kinds `records.by_kind` lists, in order: those of schemas 1–2 always, later ones when the bundle has some.
    public var listedKinds: [RecordKind] { RecordKind.allCases.filter { Self.listsAlways($0) || (recordsByKind[$0] ?? 0) > 0 } }
    public var rejectedTotal: Int64 { Self.checkedSum(rejectedByCode.values) ?? .max }

    /// The sum of counts from a document, or nil when it does not fit in 63 bits.
    static func checkedSum(_ values: some Sequence<Int64>) -> Int64? {
        var total: Int64 = 0
        for value in values {
            let (sum, overflow) = total.addingReportingOverflow(value)
            if overflow { return nil }
            total = sum
        }
        return total
    }

    public init(dataset: String, collector: String, day: UTCDay, prev: Previous?, files: [FileEntry],
                recordsByKind: [RecordKind: Int64], merkleTreeSize: Int64, merkleRoot: String,
                conflictKeys: Int64, conflictVersions: Int64, coverage: Coverage, rejectedByCode: [String: Int64]) {
        self.dataset = dataset
        self.collector = collector
        self.day = day
        self.prev = prev
        self.files = files
        self.recordsByKind = recordsByKind
        self.merkleTreeSize = merkleTreeSize
        self.merkleRoot = merkleRoot
        self.conflictKeys = conflictKeys
        self.conflictVersions = conflictVersions
        self.coverage = coverage
        self.rejectedByCode = rejectedByCode
    }

    public func file(_ name: String) -> Optional<FileEntry> { files.first { $0.name == name } }

    public var jsonValue: JSONValue {
        var members: [JSONValue.Member] = [
            .init("format", .string(Self.format)),
            .init("spec_version", .string(specVersion)),
            .init("software", .string(software)),
            .init("dataset", .string(dataset)),
            .init("collector", .string(collector)),
            .init("day", .string(day.description)),
            .init("files", .array(files.map {
                .object([.init("name", .string($0.name)), .init("sha256", .string($0.sha256)), .init("size", .integer($0.size))])
            })),
            .init("records", .object([
                .init("total", .integer(recordsTotal)),
                .init("by_kind", .object(listedKinds.map { .init($0.rawValue, .integer(recordsByKind[$0] ?? 0)) })),
            ])),
            .init("merkle", .object([.init("tree_size", .integer(merkleTreeSize)), .init("root", .string(merkleRoot))])),
            .init("conflicts", .object([.init("keys", .integer(conflictKeys)), .init("versions", .integer(conflictVersions))])),
            .init("coverage", coverage.jsonValue),
            .init("rejected", .object([
                .init("total", .integer(rejectedTotal)),
                .init("by_code", .object(rejectedByCode.map { .init($0.key, .integer($0.value)) })),
            ])),
        ]
        if let prev {
            members.append(.init("prev", .object([.init("day", .string(prev.day.description)), .init("sha256", .string(prev.sha256))])))
        }
        return .object(members)
    }

    /// The file's bytes: canonical JSON and a newline.
    public func bytes() -> [UInt8] {
        CanonicalJSON.encodeBuilt(jsonValue, "a manifest") + [0x0A]
    }

    /// Parses `manifest.json` strictly: canonical bytes, known members, valid values.
    public init(bytes: [UInt8]) throws(DocumentError) {
        guard bytes.last == 0x0A else { throw DocumentError("manifest.json must end with a newline") }
        let value: JSONValue
        do { value = try JSONParser().parse(bytes.dropLast()) } catch { throw DocumentError("not valid JSON: \(error)") }
        // A parsed value without a canonical form (a duplicate key) is not canonical: that is the answer.
        guard (try? CanonicalJSON.encode(value)).map({ $0 + [0x0A] }) == bytes else {  // bytes that cannot be encoded are not canonical: the same refusal
            throw DocumentError("manifest.json is not in canonical form (RFC 8785) followed by one newline")
        }
        do throws(JSONShapeError) {
            try self.init(value: value)
        } catch {
            throw DocumentError(error.description)
        }
    }

    init(value: JSONValue) throws(JSONShapeError) {
        var reader = try JSONObjectReader(value)
        guard try reader.string("format") == Self.format else { throw JSONShapeError(path: "format", reason: "must be \"\(Self.format)\"") }
        specVersion = try reader.string("spec_version")
        guard specVersion == AssayVersion.spec else {
            throw JSONShapeError(path: "spec_version", reason: "\"\(specVersion)\" is not supported; this verifier reads \"\(AssayVersion.spec)\"")
        }
        software = try reader.string("software")
        dataset = try reader.string("dataset")
        collector = try reader.string("collector")
        for (name, value) in [("dataset", dataset), ("collector", collector)] where !Slug.isValid(value) {
            throw JSONShapeError(path: name, reason: "must be \(Slug.rule)")
        }
        day = try Self.day(try reader.string("day"), path: "day")
        if var prevReader = try reader.optionalObject("prev") {
            prev = Previous(day: try Self.day(try prevReader.string("day"), path: "prev.day"),
                            sha256: try Self.hash(try prevReader.string("sha256"), path: "prev.sha256"))
            try prevReader.finish()
        } else {
            prev = nil
        }
        var files: [FileEntry] = []
        for (index, element) in try reader.array("files").enumerated() {
            var fileReader = try JSONObjectReader(element, path: "files[\(index)]")
            let entry = FileEntry(name: try fileReader.string("name"),
                                  sha256: try Self.hash(try fileReader.string("sha256"), path: "files[\(index)].sha256"),
                                  size: try fileReader.integer("size"))
            try fileReader.finish()
            files.append(entry)
        }
        guard Self.isValidFileList(files.map(\.name)) else {
            throw JSONShapeError(path: "files", reason: "must name conflicts.jsonl, probes.json when the bundle has one, then records.jsonl "
                + "or the shards records-00000.jsonl, records-00001.jsonl, … without a gap, in that order (spec/dataset.md §4.3, §4.6)")
        }
        self.files = files
        var records = try reader.object("records")
        let total = try records.integer("total")
        var byKindReader = try records.object("by_kind")
        var byKind: [RecordKind: Int64] = [:]
        for kind in RecordKind.allCases {
            if Self.listsAlways(kind) {
                byKind[kind] = try byKindReader.integer(kind.rawValue)
            } else if let count = try byKindReader.optionalInteger(kind.rawValue) {
                // Listed exactly when non-zero, so that one content has one manifest (spec/dataset.md §4).
                guard count > 0 else { throw JSONShapeError(path: "records.by_kind.\(kind.rawValue)", reason: "is listed only when the bundle has some") }
                byKind[kind] = count
            } else {
                byKind[kind] = 0
            }
        }
        try byKindReader.finish()
        try records.finish()
        recordsByKind = byKind
        guard let sum = Self.checkedSum(byKind.values), total == sum else {
            throw JSONShapeError(path: "records.total", reason: "\(total) is not the sum of records.by_kind")
        }
        var merkle = try reader.object("merkle")
        merkleTreeSize = try merkle.integer("tree_size")
        merkleRoot = try Self.hash(try merkle.string("root"), path: "merkle.root")
        try merkle.finish()
        var conflicts = try reader.object("conflicts")
        conflictKeys = try conflicts.integer("keys")
        conflictVersions = try conflicts.integer("versions")
        try conflicts.finish()
        var coverageReader = try reader.object("coverage")
        var targets: [Coverage.Target] = []
        for (index, element) in try coverageReader.array("targets").enumerated() {
            var targetReader = try JSONObjectReader(element, path: "coverage.targets[\(index)]")
            var target = Coverage.Target(targetURL: try targetReader.string("target_url"))
            target.attempts = try targetReader.integer("attempts")
            target.successes = try targetReader.integer("successes")
            target.recordsReceived = try targetReader.integer("records_received")
            var outcomesReader = try targetReader.object("outcomes")
            target.outcomes = try outcomesReader.allMembers().map { (member) throws(JSONShapeError) in
                (member.key, try JSONObjectReader.integer(member.value, at: "coverage.targets[\(index)].outcomes.\(member.key)",
                                                          in: 1...Int64(9_007_199_254_740_991)))
            }
            target.firstSuccessMs = try targetReader.optionalInteger("first_success_ms")
            target.lastSuccessMs = try targetReader.optionalInteger("last_success_ms")
            try targetReader.finish()
            targets.append(target)
        }
        try coverageReader.finish()
        coverage = Coverage(targets: targets)
        var rejected = try reader.object("rejected")
        let rejectedTotal = try rejected.integer("total")
        var byCodeReader = try rejected.object("by_code")
        var byCode: [String: Int64] = [:]
        for member in byCodeReader.allMembers() {
            byCode[member.key] = try JSONObjectReader.integer(member.value, at: "rejected.by_code.\(member.key)", in: 1...Int64(9_007_199_254_740_991))
        }
        try rejected.finish()
        rejectedByCode = byCode
        guard let rejectedSum = Self.checkedSum(byCode.values), rejectedTotal == rejectedSum else {
            throw JSONShapeError(path: "rejected.total", reason: "\(rejectedTotal) is not the sum of rejected.by_code (or the sum does not fit in 63 bits)")
        }
        try reader.finish()
    }

    static func day(_ text: String, path: String) throws(JSONShapeError) -> UTCDay {
        guard let day = UTCDay(text) else { throw JSONShapeError(path: path, reason: "must be a date YYYY-MM-DD") }
        return day
    }

    static func hash(_ text: String, path: String) throws(JSONShapeError) -> String {
        guard text.utf8.count == 64, Hex.decode(text) != nil else {
            throw JSONShapeError(path: path, reason: "must be 64 lowercase hexadecimal digits")
        }
        return text
    }
}
