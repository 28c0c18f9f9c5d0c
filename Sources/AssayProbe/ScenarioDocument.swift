import AssayCore
import AssayCrypto

/// A scenario document (spec/probe.md §2): the published, canonical form of a set of scenarios.
public struct ScenarioDocument: Sendable {
    /// The largest document, in bytes (spec/probe.md §2.1).
    public static let maxBytes = 1 << 20
    /// The most scenarios one document holds.
    public static let maxScenarios = 256

    /// The scenarios, sorted by id.
    public let scenarios: [Scenario]
    /// The document's canonical bytes.
    public let bytes: [UInt8]

    /// Validates a published document (spec/probe.md §2.5): its size, JSON, canonical form, then its content.
    /// Throws the first problem in the specification's order.
    public init(bytes: [UInt8]) throws(ScenarioIssue) {
        guard bytes.count <= Self.maxBytes else {
            throw ScenarioIssue(.tooLarge, at: "$", "the document has \(bytes.count) bytes; at most \(Self.maxBytes)")
        }
        let value: JSONValue
        do { value = try JSONParser(limits: .init(maxDepth: 16, maxBytes: Self.maxBytes)).parse(bytes) } catch {
            throw ScenarioIssue(.malformedJSON, at: "$", "not JSON: \(error)")
        }
        // A value without a canonical encoding (a number JSON allows but RFC 8785 cannot write) is not canonical.
        guard let encoded = try? CanonicalJSON.encode(value), encoded == bytes else {
            throw ScenarioIssue(.notCanonical, at: "$", "the document must be in canonical form (RFC 8785), so that each scenario's hash names it")
        }
        scenarios = try ScenarioValidator.document(value, requireSorted: true)
        self.bytes = bytes
    }

    /// The canonical document of `value` in the input form (spec/probe.md §2.5: YAML read as JSON values): each
    /// scenario validated where it stands (paths name its place in the input), then sorted by id.
    public init(input value: JSONValue) throws(ScenarioIssue) {
        let scenarios = try ScenarioValidator.document(value, requireSorted: false).sorted { $0.id.utf8.lexicographicallyPrecedes($1.id.utf8) }
        for (previous, scenario) in zip(scenarios, scenarios.dropFirst()) where previous.id == scenario.id {
            throw ScenarioIssue(.duplicateID, at: "scenarios", "two scenarios are named '\(scenario.id)'")
        }
        var document: [UInt8] = Array(#"{"scenarios":["#.utf8)
        for (index, scenario) in scenarios.enumerated() {
            if index > 0 { document.append(UInt8(ascii: ",")) }
            document += scenario.canonical
        }
        document += Array(#"],"version":1}"#.utf8)
        // The published form is what counts: the output must pass as a published document.
        try self.init(bytes: document)
    }

    /// The name of an input file in a multipart request (spec/probe.md §2.3): its SHA-256, lowercase hexadecimal.
    public static func inputFileName(_ bytes: [UInt8]) -> String { MessageDigest.sha256(bytes).hex }

    /// The input files the scenarios name, each once, sorted by SHA-256.
    public var inputFiles: [Scenario.InputFile] {
        var seen: Set<String> = []
        var files: [Scenario.InputFile] = []
        for scenario in scenarios {
            guard case .multipart(let parts) = scenario.request else { continue }
            for case .file(_, let file) in parts where seen.insert(file.sha256).inserted { files.append(file) }
        }
        return files.sorted { $0.sha256 < $1.sha256 }
    }

    /// The scenario named `id`.
    public subscript(id: String) -> Scenario? { scenarios.first { $0.id == id } }
}

/// The checks of spec/probe.md §2.2–§2.5, in the order the specification gives.
enum ScenarioValidator {
    typealias Check = (JSONValue, String) throws(ScenarioIssue) -> Void

    /// A member of an object: its name, whether it is required, and the check of its value.
    struct Member {
        let name: String
        let required: Bool
        let check: Check
        init(_ name: String, required: Bool = true, _ check: @escaping Check) {
            self.name = name
            self.required = required
            self.check = check
        }
    }

    /// Checks an object's members in canonical order of their names, then reports the first required member missing.
    static func object(_ value: JSONValue, at path: String, _ members: [Member]) throws(ScenarioIssue) {
        guard case .object(let present) = value else { throw wrongType(value, at: path, "an object") }
        // Parsed JSON never repeats a name; a value built otherwise (the input form) must not either.
        guard Set(present.map(\.key)).count == present.count else {
            throw ScenarioIssue(.malformedJSON, at: path, "a member name appears twice")
        }
        let ordered = CanonicalJSON.isCanonicallyOrdered(present) ? present : present.sorted { CanonicalJSON.utf16Less($0.key, $1.key) }
        func place(_ name: String) -> String { path == "$" ? name : "\(path).\(name)" }
        for member in ordered {
            guard let spec = members.first(where: { $0.name == member.key }) else {
                throw ScenarioIssue(.unknownMember, at: place(member.key),
                                    "'\(member.key)' is not a member here; allowed: \(members.map(\.name).joined(separator: ", "))")
            }
            try spec.check(member.value, place(member.key))
        }
        let names = Set(present.map(\.key))
        if let missing = members.filter({ $0.required && !names.contains($0.name) }).map(\.name).min(by: CanonicalJSON.utf16Less) {
            throw ScenarioIssue(.missingMember, at: place(missing), "'\(missing)' is required")
        }
    }

    static func wrongType(_ value: JSONValue, at path: String, _ expected: String) -> ScenarioIssue {
        ScenarioIssue(.wrongType, at: path, "must be \(expected), found \(value.typeName)")
    }

    static func integer(_ value: JSONValue, at path: String, _ range: ClosedRange<Int64>) throws(ScenarioIssue) -> Int64 {
        guard case .integer(let number) = value else { throw wrongType(value, at: path, "an integer") }
        guard range.contains(number) else {
            throw ScenarioIssue(.outOfRange, at: path, "\(number) is outside \(range.lowerBound)…\(range.upperBound)")
        }
        return number
    }

    static func string(_ value: JSONValue, at path: String) throws(ScenarioIssue) -> String {
        guard case .string(let text) = value else { throw wrongType(value, at: path, "a string") }
        return text
    }

    /// A string whose bytes all pass `allowed`, of a length in `lengths`; `rule` says what it must be.
    static func formatted(_ value: JSONValue, at path: String, lengths: ClosedRange<Int>, rule: String,
                          _ allowed: (UInt8) -> Bool) throws(ScenarioIssue) -> String {
        let text = try string(value, at: path)
        guard lengths.contains(text.utf8.count), text.utf8.allSatisfy(allowed) else {
            throw ScenarioIssue(.badFormat, at: path, "must be \(rule)")
        }
        return text
    }

    static func slug(_ value: JSONValue, at path: String) throws(ScenarioIssue) -> String {
        let text = try string(value, at: path)
        guard Slug.isValid(text) else { throw ScenarioIssue(.badFormat, at: path, "'\(text)' must be \(Slug.rule)") }
        return text
    }

    /// An identifier of spec/records.md §3.2, of at most `maxBytes` bytes.
    static func identifier(_ value: JSONValue, at path: String, maxBytes: Int = 256) throws(ScenarioIssue) -> String {
        try formatted(value, at: path, lengths: 1...maxBytes,
                      rule: "1 to \(maxBytes) bytes of printable ASCII without spaces, quotes or backslashes") {
            $0 > 0x20 && $0 < 0x7F && $0 != 0x22 && $0 != 0x5C
        }
    }

    /// A media type, `type/subtype` (spec/probe.md §2.3).
    static func mediaType(_ value: JSONValue, at path: String) throws(ScenarioIssue) -> String {
        let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789!#$&-^_.+/".utf8)
        let text = try formatted(value, at: path, lengths: 3...127, rule: "a media type, type/subtype in lowercase") { allowed.contains($0) }
        let slashes = text.utf8.enumerated().filter { $0.element == UInt8(ascii: "/") }.map(\.offset)
        guard slashes.count == 1, slashes[0] > 0, slashes[0] < text.utf8.count - 1 else {
            throw ScenarioIssue(.badFormat, at: path, "'\(text)' must be a media type, type/subtype in lowercase")
        }
        return text
    }

    /// An object of at most 65 536 bytes in canonical form (a `json` body, live `params`).
    static func body(_ value: JSONValue, at path: String) throws(ScenarioIssue) -> JSONValue {
        guard case .object = value else { throw wrongType(value, at: path, "an object") }
        guard let bytes = try? CanonicalJSON.encode(value) else {  // a number RFC 8785 cannot write: not a publishable body
            throw ScenarioIssue(.badFormat, at: path, "holds a number that has no canonical form (RFC 8785)")
        }
        guard bytes.count <= 65_536 else {
            throw ScenarioIssue(.outOfRange, at: path, "has \(bytes.count) bytes in canonical form; at most 65536")
        }
        return value
    }

    /// The scenarios of a document, each checked; with `requireSorted`, their ids must increase (§2.5 step 4).
    static func document(_ value: JSONValue, requireSorted: Bool) throws(ScenarioIssue) -> [Scenario] {
        var scenarios: [Scenario] = []
        try object(value, at: "$", [
            Member("scenarios") { (value, path) throws(ScenarioIssue) in
                guard case .array(let elements) = value else { throw wrongType(value, at: path, "an array of scenarios") }
                guard (1...ScenarioDocument.maxScenarios).contains(elements.count) else {
                    throw ScenarioIssue(.outOfRange, at: path, "has \(elements.count) scenarios; 1 to \(ScenarioDocument.maxScenarios)")
                }
                for (index, element) in elements.enumerated() { scenarios.append(try scenario(element, at: "\(path)[\(index)]")) }
            },
            Member("version") { (value, path) throws(ScenarioIssue) in _ = try integer(value, at: path, 1...1) },
        ])
        if requireSorted {
            for (index, pair) in zip(scenarios, scenarios.dropFirst()).enumerated() {
                if pair.0.id == pair.1.id {
                    throw ScenarioIssue(.duplicateID, at: "scenarios[\(index + 1)].id", "'\(pair.1.id)' is the id of the scenario before it too")
                }
                guard pair.0.id.utf8.lexicographicallyPrecedes(pair.1.id.utf8) else {
                    throw ScenarioIssue(.notSorted, at: "scenarios[\(index + 1)].id", "'\(pair.1.id)' comes before '\(pair.0.id)'; scenarios are sorted by id")
                }
            }
        }
        return scenarios
    }

    static func scenario(_ value: JSONValue, at path: String) throws(ScenarioIssue) -> Scenario {
        var id = "", pipeline = Scenario.Pipeline.llm, model = "", timeout: Int64 = 0, perDay: Int64 = 0
        var request = Scenario.Request.json(.object([])), requestKind = "", checks = Scenario.Checks(), checkNames: [String] = []
        var cost: String?
        try object(value, at: path, [
            Member("checks") { (value, path) throws(ScenarioIssue) in (checks, checkNames) = try self.checks(value, at: path) },
            Member("id") { (value, path) throws(ScenarioIssue) in id = try slug(value, at: path) },
            Member("model_id") { (value, path) throws(ScenarioIssue) in model = try identifier(value, at: path) },
            Member("pipeline") { (value, path) throws(ScenarioIssue) in
                let name = try string(value, at: path)
                guard let known = Scenario.Pipeline(rawValue: name) else {
                    throw ScenarioIssue(.notInEnumeration, at: path,
                                        "'\(name)' is not a pipeline; one of \(Scenario.Pipeline.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                pipeline = known
            },
            Member("request") { (value, path) throws(ScenarioIssue) in (request, requestKind) = try self.request(value, at: path) },
            Member("schedule") { (value, path) throws(ScenarioIssue) in
                try object(value, at: path, [
                    Member("max_daily_cost_wei", required: false) { (value, path) throws(ScenarioIssue) in
                        let text = try formatted(value, at: path, lengths: 1...78, rule: "a wei amount: decimal digits without leading zeros, at most 78") {
                            $0 >= 0x30 && $0 <= 0x39
                        }
                        guard text.utf8.count == 1 || !text.hasPrefix("0") else {
                            throw ScenarioIssue(.badFormat, at: path, "must be a wei amount: decimal digits without leading zeros, at most 78")
                        }
                        cost = text
                    },
                    Member("per_day") { (value, path) throws(ScenarioIssue) in perDay = try integer(value, at: path, 1...1440) },
                ])
            },
            Member("timeout_ms") { (value, path) throws(ScenarioIssue) in timeout = try integer(value, at: path, 1000...3_600_000) },
        ])
        // §2.5 step 3: the rules between members.
        guard requestKind == pipeline.requestKind else {
            throw ScenarioIssue(.requestNotApplicable, at: "\(path).request",
                                "a \(pipeline.rawValue) scenario takes a '\(pipeline.requestKind)' request, not '\(requestKind)'")
        }
        switch request {
        case .json(let body):
            guard case .string(model)? = body[pipeline.modelMember] else {
                throw ScenarioIssue(.modelMismatch, at: "\(path).request.json",
                                    "the body must name the model: its '\(pipeline.modelMember)' must be \"\(model)\", the scenario's model_id")
            }
        case .multipart(let parts):
            guard parts.contains(where: { if case .value("model_id", model) = $0 { true } else { false } }) else {
                throw ScenarioIssue(.modelMismatch, at: "\(path).request.multipart",
                                    "a part named 'model_id' must have the value \"\(model)\", the scenario's model_id")
            }
        case .live: break
        }
        for name in checkNames where !applies(name, to: pipeline) {
            throw ScenarioIssue(.checkNotApplicable, at: "\(path).checks.\(name)", "a \(pipeline.rawValue) scenario cannot check '\(name)'")
        }
        switch request {
        case .multipart(let parts):
            guard parts.contains(where: { if case .file = $0 { true } else { false } }) else {
                throw ScenarioIssue(.ruleViolated, at: "\(path).request.multipart", "a multipart request sends at least one file")
            }
            var seen: Set<String> = []
            for (index, part) in parts.enumerated() where !seen.insert(part.name).inserted {
                throw ScenarioIssue(.ruleViolated, at: "\(path).request.multipart[\(index)].name", "the part name '\(part.name)' is used twice")
            }
        case .live(let duration, _):
            guard timeout >= duration * 1000 else {
                throw ScenarioIssue(.ruleViolated, at: "\(path).timeout_ms", "\(timeout) ms is shorter than the stream's \(duration) s")
            }
        case .json: break
        }
        let canonical = CanonicalJSON.encodeBuilt(value, "a validated scenario")
        return Scenario(id: id, pipeline: pipeline, modelID: model, request: request, checks: checks, timeoutMs: timeout, perDay: perDay,
                        maxDailyCostWei: cost, canonical: canonical, sha256: MessageDigest.sha256(canonical).hex)
    }

    static func request(_ value: JSONValue, at path: String) throws(ScenarioIssue) -> (Scenario.Request, String) {
        var found: [(Scenario.Request, String)] = []
        try object(value, at: path, [
            Member("json", required: false) { (value, path) throws(ScenarioIssue) in found.append((.json(try body(value, at: path)), "json")) },
            Member("live", required: false) { (value, path) throws(ScenarioIssue) in
                var duration: Int64 = 0, params = JSONValue.object([])
                try object(value, at: path, [
                    Member("duration_s") { (value, path) throws(ScenarioIssue) in duration = try integer(value, at: path, 10...3600) },
                    Member("params") { (value, path) throws(ScenarioIssue) in params = try body(value, at: path) },
                ])
                found.append((.live(durationS: duration, params: params), "live"))
            },
            Member("multipart", required: false) { (value, path) throws(ScenarioIssue) in
                guard case .array(let elements) = value else { throw wrongType(value, at: path, "an array of parts") }
                guard (1...32).contains(elements.count) else {
                    throw ScenarioIssue(.outOfRange, at: path, "has \(elements.count) parts; 1 to 32")
                }
                var parts: [Scenario.Part] = []
                for (index, element) in elements.enumerated() { parts.append(try part(element, at: "\(path)[\(index)]")) }
                found.append((.multipart(parts), "multipart"))
            },
        ])
        guard found.count == 1 else {
            if found.isEmpty { throw ScenarioIssue(.missingMember, at: path, "one of 'json', 'live' and 'multipart' is required") }
            throw ScenarioIssue(.ruleViolated, at: path, "a request is exactly one of 'json', 'live' and 'multipart'")
        }
        return found[0]
    }

    static func part(_ value: JSONValue, at path: String) throws(ScenarioIssue) -> Scenario.Part {
        var name = "", text: String?, file: Scenario.InputFile?
        try object(value, at: path, [
            Member("file", required: false) { (value, path) throws(ScenarioIssue) in
                var type = "", filename = "", hash = "", size: Int64 = 0
                try object(value, at: path, [
                    Member("content_type") { (value, path) throws(ScenarioIssue) in type = try mediaType(value, at: path) },
                    Member("filename") { (value, path) throws(ScenarioIssue) in filename = try slug(value, at: path) },
                    Member("sha256") { (value, path) throws(ScenarioIssue) in
                        hash = try formatted(value, at: path, lengths: 64...64, rule: "64 lowercase hexadecimal digits") {
                            ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66)
                        }
                    },
                    Member("size") { (value, path) throws(ScenarioIssue) in size = try integer(value, at: path, 1...104_857_600) },
                ])
                file = Scenario.InputFile(contentType: type, filename: filename, sha256: hash, size: size)
            },
            Member("name") { (value, path) throws(ScenarioIssue) in name = try identifier(value, at: path, maxBytes: 64) },
            Member("value", required: false) { (value, path) throws(ScenarioIssue) in
                text = try formatted(value, at: path, lengths: 0...4096, rule: "at most 4096 bytes of printable ASCII") { $0 >= 0x20 && $0 < 0x7F }
            },
        ])
        switch (text, file) {
        case (let text?, nil): return .value(name: name, text: text)
        case (nil, let file?): return .file(name: name, file)
        case (nil, nil): throw ScenarioIssue(.missingMember, at: path, "a part has 'file' or 'value'")
        case (.some, .some): throw ScenarioIssue(.ruleViolated, at: path, "a part has 'file' or 'value', not both")
        }
    }

    static func checks(_ value: JSONValue, at path: String) throws(ScenarioIssue) -> (Scenario.Checks, [String]) {
        var checks = Scenario.Checks()
        try object(value, at: path, [
            Member("content_type", required: false) { (value, path) throws(ScenarioIssue) in checks.contentType = try mediaType(value, at: path) },
            Member("frames", required: false) { (value, path) throws(ScenarioIssue) in
                try object(value, at: path, [
                    Member("min") { (value, path) throws(ScenarioIssue) in checks.minFrames = try integer(value, at: path, 1...10_000) },
                ])
            },
            Member("images", required: false) { (value, path) throws(ScenarioIssue) in
                var count: Int64 = 0, height: Int64 = 0, width: Int64 = 0
                try object(value, at: path, [
                    Member("count") { (value, path) throws(ScenarioIssue) in count = try integer(value, at: path, 1...16) },
                    Member("height") { (value, path) throws(ScenarioIssue) in height = try integer(value, at: path, 1...8192) },
                    Member("width") { (value, path) throws(ScenarioIssue) in width = try integer(value, at: path, 1...8192) },
                ])
                checks.images = (count, height, width)
            },
            Member("min_output_fps_mfps", required: false) { (value, path) throws(ScenarioIssue) in
                checks.minOutputFPSmfps = try integer(value, at: path, 1...240_000)
            },
            Member("status") { (value, path) throws(ScenarioIssue) in checks.status = try integer(value, at: path, 100...599) },
            Member("text", required: false) { (value, path) throws(ScenarioIssue) in
                try object(value, at: path, [
                    Member("min_bytes") { (value, path) throws(ScenarioIssue) in checks.minTextBytes = try integer(value, at: path, 1...1_048_576) },
                ])
            },
        ])
        guard case .object(let members) = value else { return (checks, []) }
        return (checks, members.map(\.key).sorted(by: CanonicalJSON.utf16Less))
    }

    /// Whether the check `name` fits `pipeline` (spec/probe.md §2.4).
    static func applies(_ name: String, to pipeline: Scenario.Pipeline) -> Bool {
        switch name {
        case "status": true
        case "content_type": pipeline != .liveVideoToVideo
        case "images": [.imageToImage, .textToImage, .upscale].contains(pipeline)
        case "frames": pipeline == .imageToVideo
        case "text": [.audioToText, .imageToText, .llm].contains(pipeline)
        case "min_output_fps_mfps": pipeline == .liveVideoToVideo
        default: false
        }
    }
}
