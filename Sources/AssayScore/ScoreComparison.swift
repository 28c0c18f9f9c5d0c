import AssayCore

/// Two scorers' outputs over the same bundles, side by side (spec/scoring.md §14): per orchestrator, the score under
/// each profile, the difference, and the components that changed, so a change of method never moves a number silently.
public enum ScoreComparison {
    /// The comparison of outputs `a` and `b` (documents as `Scorer.document` gives them).
    public static func compare(_ a: JSONValue, _ b: JSONValue) -> JSONValue {
        let entriesA = entries(a), entriesB = entries(b)
        let addresses = Set(entriesA.keys).union(entriesB.keys).sorted(by: CanonicalJSON.utf16Less)
        let orchestrators: [JSONValue] = addresses.map { address in
            let scoreA = entriesA[address]?["slo"]?["score"]?.intValue, scoreB = entriesB[address]?["slo"]?["score"]?.intValue
            let leavesA = leaves(entriesA[address]), leavesB = leaves(entriesB[address])
            func sorted(_ paths: some Sequence<String>) -> JSONValue {
                .array(paths.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }.map { .string($0) })
            }
            return .object([
                .init("orchestrator", .string(address)),
                .init("a", scoreA.map { .integer($0) } ?? .null), .init("b", scoreB.map { .integer($0) } ?? .null),
                .init("difference", scoreA.flatMap { a in scoreB.map { .integer($0 - a) } } ?? .null),
                .init("changed", sorted(leavesA.keys.filter { path in leavesB[path].map { $0 != leavesA[path] } ?? false })),
                .init("only_a", sorted(leavesA.keys.filter { leavesB[$0] == nil })),
                .init("only_b", sorted(leavesB.keys.filter { leavesA[$0] == nil })),
            ])
        }
        func profile(_ document: JSONValue) -> JSONValue {
            .object([.init("id", document["profile"]?["id"] ?? .null), .init("sha256", document["profile"]?["sha256"] ?? .null)])
        }
        return .object([
            .init("compared", .object([.init("a", profile(a)), .init("b", profile(b))])),
            .init("inputs", a["inputs"] ?? .null),
            .init("orchestrators", .array(orchestrators)),
            .init("window", a["scores"]?["window"] ?? .null),
        ])
    }

    /// Each scored orchestrator's entry, by address.
    static func entries(_ document: JSONValue) -> [String: JSONValue] {
        guard case .array(let list)? = document["scores"]?["orchestrators"] else { return [:] }
        var byAddress: [String: JSONValue] = [:]
        for entry in list { if let address = entry["orchestrator"]?.stringValue, byAddress[address] == nil { byAddress[address] = entry } }
        return byAddress
    }

    /// The components of an entry (§14): its leaves by path, lists of objects by their elements' labels.
    static func leaves(_ entry: JSONValue?) -> [String: JSONValue] {
        var found: [String: JSONValue] = [:]
        func walk(_ value: JSONValue, _ path: String) {
            switch value {
            case .object(let members):
                for member in members where !(path.isEmpty && member.key == "orchestrator") {
                    walk(member.value, path.isEmpty ? member.key : "\(path).\(member.key)")
                }
            case .array(let elements) where elements.contains(where: { if case .object = $0 { true } else { false } }):
                var seen: [String: Int] = [:]
                for (index, element) in elements.enumerated() {
                    var label = label(element) ?? String(index)
                    seen[label, default: 0] += 1
                    if let count = seen[label], count > 1 { label += "#\(count)" }
                    walk(element, "\(path)[\(label)]")
                }
            default: found[path] = value
            }
        }
        if let entry { walk(entry, "") }
        return found
    }

    /// An element's label: its `kind`, `pipeline`, `model` and `region` values, joined by "/"; nil without any.
    static func label(_ element: JSONValue) -> String? {
        guard case .object(let members) = element else { return nil }
        let parts = ["kind", "pipeline", "model", "region"].compactMap { name -> String? in
            guard let value = members.first(where: { $0.key == name })?.value else { return nil }
            switch value {
            case .string(let text): return text
            case .null: return "null"
            default: return CanonicalJSON.encodeBuilt(value, "a label").withUnsafeBufferPointer { String(decoding: $0, as: UTF8.self) }
            }
        }
        return parts.isEmpty ? nil : parts.joined(separator: "/")
    }
}
