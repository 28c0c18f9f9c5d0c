import AssayCore
import AssayProbe
import Yams

/// A scenario file in the input form (spec/probe.md §2.5): YAML that people write, read as JSON values and
/// turned into the canonical scenario document.
public enum ScenarioFile {
    /// Why a scenario file could not become a document: its YAML, an input file it names, or its content.
    public enum Failure: Error, CustomStringConvertible {
        /// Not YAML, or YAML that is not JSON-shaped; with the line.
        case yaml(line: Int, String)
        /// An input file that cannot be read, at the place that names it.
        case inputFile(path: String, String)
        /// The scenario file itself cannot be read (the reason names it).
        case unreadable(String)
        case content(ScenarioIssue)

        public var description: String {
            switch self {
            case .yaml(let line, let reason): "line \(line): \(reason)"
            case .inputFile(let path, let reason): "\(path): \(reason)"
            case .unreadable(let reason): reason
            case .content(let issue): issue.description
            }
        }
    }

    /// The largest input file a multipart part may send (spec/probe.md §2.3).
    public static let maxInputBytes = 104_857_600

    /// The canonical document of the YAML `text`; input files named by `path` are read relative to `directory`.
    public static func document(yaml text: String, relativeTo directory: String) throws(Failure) -> ScenarioDocument {
        var inputs: [String: [UInt8]] = [:]
        return try document(yaml: text, relativeTo: directory, inputs: &inputs)
    }

    /// The canonical document of the YAML `text`, and in `inputs` the files it names, by SHA-256.
    static func document(yaml text: String, relativeTo directory: String, inputs: inout [String: [UInt8]]) throws(Failure) -> ScenarioDocument {
        // The one YAML reader of the configurations: its errors (not YAML, empty) with their lines.
        var reader = YAMLReader()
        guard let root = reader.compose(text) else {
            let error = reader.errors.first
            throw .yaml(line: error?.line ?? 1, error?.reason ?? "not valid YAML")
        }
        var budget = maxValues
        let value = try resolvingFiles(try json(root, budget: &budget), relativeTo: directory, inputs: &inputs)
        do { return try ScenarioDocument(input: value) } catch { throw .content(error) }
    }

    /// The most values a scenario file may hold once its aliases are expanded: a document is at most a
    /// megabyte, and an alias of an alias of … (a "billion laughs") must not make the reader build billions.
    static let maxValues = 1_000_000

    /// A YAML node as a JSON value, counting the values against `budget`. Plain scalars that are JSON literals (`true`, `false`, `null`, numbers in
    /// JSON's syntax) are those values; every other scalar, and every quoted one, is a string — none of YAML 1.1's
    /// `yes`, `0x1F` or `1_000`, so what a reader sees is what the document says.
    static func json(_ node: Node, budget: inout Int) throws(Failure) -> JSONValue {
        let line = node.mark?.line ?? 1
        budget -= 1
        guard budget >= 0 else { throw .yaml(line: line, "the file holds more than \(maxValues) values once its aliases are expanded") }
        switch node {
        case .scalar(let scalar):
            guard scalar.style == .plain else { return .string(scalar.string) }
            switch scalar.string {
            case "true": return .bool(true)
            case "false": return .bool(false)
            case "null", "~": return .null
            default: break
            }
            // Only a scalar that starts like a JSON number can be one; anything else is text without asking the parser.
            guard let first = scalar.string.utf8.first, first == UInt8(ascii: "-") || (first >= 0x30 && first <= 0x39),
                  let parsed = try? JSONParser().parse(scalar.string) else { return .string(scalar.string) }  // not a JSON literal: text
            switch parsed {
            case .integer, .number: return parsed
            default: return .string(scalar.string)
            }
        case .sequence(let sequence):
            var elements: [JSONValue] = []
            for element in sequence { elements.append(try json(element, budget: &budget)) }
            return .array(elements)
        case .mapping(let mapping):
            var members: [JSONValue.Member] = []
            var names: Set<String> = []
            for (key, value) in mapping {
                guard case .scalar(let name) = key else { throw .yaml(line: key.mark?.line ?? line, "a mapping's keys are strings") }
                guard names.insert(name.string).inserted else { throw .yaml(line: key.mark?.line ?? line, "the key '\(name.string)' appears twice") }
                members.append(JSONValue.Member(name.string, try json(value, budget: &budget)))
            }
            return .object(members)
        case .alias:  // compose resolves aliases to the nodes they name; an unresolved one is not a value
            throw .yaml(line: line, "an alias that names no anchor")
        }
    }

    /// Replaces each multipart file given as `{content_type, path}` by `{content_type, filename, sha256, size}`
    /// of the file it names (spec/probe.md §2.5, input form). Anything else is left for validation to judge.
    static func resolvingFiles(_ document: JSONValue, relativeTo directory: String, inputs: inout [String: [UInt8]]) throws(Failure) -> JSONValue {
        guard case .object(var members) = document, let at = members.firstIndex(where: { $0.key == "scenarios" }),
              case .array(var scenarios) = members[at].value else { return document }
        for index in scenarios.indices {
            guard case .object(var scenario) = scenarios[index], let r = scenario.firstIndex(where: { $0.key == "request" }),
                  case .object(var request) = scenario[r].value, let m = request.firstIndex(where: { $0.key == "multipart" }),
                  case .array(var parts) = request[m].value else { continue }
            for p in parts.indices {
                guard case .object(var part) = parts[p], let f = part.firstIndex(where: { $0.key == "file" }),
                      case .object(let file) = part[f].value, let pathMember = file.first(where: { $0.key == "path" }) else { continue }
                let place = "scenarios[\(index)].request.multipart[\(p)].file.path"
                guard case .string(let path) = pathMember.value, !path.isEmpty else { throw .inputFile(path: place, "must be a file's path") }
                let full = path.hasPrefix("/") ? path : "\(directory.isEmpty ? "." : directory)/\(path)"
                let bytes: [UInt8]
                do { bytes = try Files.readRegular(full, limit: maxInputBytes) } catch { throw .inputFile(path: place, "\(error)") }
                var resolved = file.filter { $0.key != "path" }
                resolved.append(.init("filename", .string(String(path.split(separator: "/").last ?? ""))))
                resolved.append(.init("sha256", .string(ScenarioDocument.inputFileName(bytes))))
                inputs[ScenarioDocument.inputFileName(bytes)] = bytes
                resolved.append(.init("size", .integer(Int64(bytes.count))))
                part[f].value = .object(resolved)
                parts[p] = .object(part)
            }
            request[m].value = .array(parts)
            scenario[r].value = .object(request)
            scenarios[index] = .object(scenario)
        }
        members[at].value = .array(scenarios)
        return .object(members)
    }
}
