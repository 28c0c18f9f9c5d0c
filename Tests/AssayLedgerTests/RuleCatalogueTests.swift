import AssayLedger
import AssayTestSupport
import Foundation
import Testing

/// One catalogue of rules: the Swift verifier's `Rule`, spec/dataset.md §8's
/// tables and the independent verifier's `RULES` name the same codes with the
/// same severities, and every section a rule cites exists in spec/.
@Suite("the rule catalogue")
struct RuleCatalogueTests {
    /// `code → severity` from the two tables of spec/dataset.md §8 (a cell may name several codes).
    static func specRules() throws -> [String: String] {
        let text = String(decoding: try Repository.bytes("spec/dataset.md"), as: UTF8.self)
        let start = try #require(text.range(of: "## 8. Verification"))
        let end = try #require(text.range(of: "### 8.1", range: start.upperBound..<text.endIndex))
        var rules: [String: String] = [:]
        var severity = ""
        for line in text[start.upperBound..<end.lowerBound].split(separator: "\n") {
            if line.hasPrefix("| rule | error when") { severity = "error"; continue }
            if line.hasPrefix("| rule | warning when") { severity = "warning"; continue }
            guard line.hasPrefix("| `"), !severity.isEmpty else { continue }
            let cell = line.split(separator: "|")[0]
            for code in cell.split(separator: "`").enumerated().filter({ $0.offset % 2 == 1 }).map({ String($0.element) }) {
                rules[code] = severity
            }
        }
        return rules
    }

    @Test("Rule, spec/dataset.md §8 and verify/assay_verify.py's RULES agree")
    func oneCatalogue() throws {
        let swift = Dictionary(uniqueKeysWithValues: Rule.allCases.map { ($0.rawValue, $0.severity.rawValue) })
        let spec = try Self.specRules()
        #expect(spec == swift, "spec only: \(spec.filter { swift[$0.key] != $0.value }), Swift only: \(swift.filter { spec[$0.key] != $0.value })")
        let python = try Command.system("python3", ["-c", "import json, sys; sys.path.insert(0, 'verify'); import assay_verify; print(json.dumps(assay_verify.RULES))"],
                                        directory: Repository.url(".").path)
        try #require(python.status == 0, "\(python.stderr)")
        let pythonRules = try #require(try JSONSerialization.jsonObject(with: Data(python.stdoutBytes)) as? [String: String])
        #expect(pythonRules == swift, "Python only: \(pythonRules.filter { swift[$0.key] != $0.value })")
    }

    @Test("every rule cites a section that exists in spec/")
    func sections() throws {
        for rule in Rule.allCases {
            let parts = rule.section.split(separator: " ")
            let file = String(parts[0]), section = String(parts[1].dropFirst())
            let text = String(decoding: try Repository.bytes("spec/\(file)"), as: UTF8.self)
            let heading = section.contains(".") ? "### \(section) " : "## \(section). "
            #expect(text.contains(heading), "\(rule.rawValue) cites \(rule.section)")
        }
    }
}
