import AssayCore
import AssayTestSupport
import Foundation
import Testing

/// The module graph of README's layout section, checked against the imports of every source file and
/// against Package.swift (issue: code health — each edge one job, every import declared).
@Suite("module layout")
struct ModuleLayoutTests {
    /// Modules of the platform and toolchain, never declared in Package.swift.
    static let system: Set<String> = ["Foundation", "FoundationEssentials", "Glibc", "Musl", "Darwin", "Dispatch", "Synchronization",
                                      "_Concurrency", "Testing", "XCTest"]
    /// The verification core and what it may import besides itself and the system.
    static let core: Set<String> = ["AssayCore", "AssayCrypto", "AssayZstd", "AssayProbe", "AssayLedger", "AssayScore"]

    /// README's `<!-- module-graph -->` block: module → the Assay modules it may import.
    static func graph() throws -> [String: Set<String>] {
        let readme = String(decoding: try Repository.bytes("README.md"), as: UTF8.self)
        guard let marker = readme.range(of: "<!-- module-graph -->\n```\n"),
              let end = readme.range(of: "\n```", range: marker.upperBound..<readme.endIndex) else {
            throw Failure("README.md has no <!-- module-graph --> block")
        }
        var graph: [String: Set<String>] = [:]
        for line in readme[marker.upperBound..<end.lowerBound].split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2 else { throw Failure("README module graph: '\(line)' is not 'Module: imports'") }
            let names = parts[1].split(separator: " ").map(String.init).filter { $0 != "-" }
            graph[String(parts[0])] = Set(names)
        }
        return graph
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    /// The modules a Swift file imports: its header, up to the first line that is not an import, a comment,
    /// a blank or a `#if` line (so text inside string literals never counts).
    static func imports(of source: String) -> Set<String> {
        var names: Set<String> = []
        var inBlockComment = false
        for raw in source.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if inBlockComment {
                if line.contains("*/") { inBlockComment = false }
                continue
            }
            if line.hasPrefix("/*") {
                inBlockComment = !line.contains("*/")
                continue
            }
            if line.isEmpty || line.hasPrefix("//") || line.hasPrefix("#if") || line.hasPrefix("#else") || line.hasPrefix("#endif") { continue }
            var words = line.split(separator: " ").map(String.init)
            while let first = words.first, first.hasPrefix("@") || ["public", "internal", "private", "fileprivate", "package"].contains(first) {
                words.removeFirst()
            }
            guard words.first == "import", words.count >= 2 else { break }
            let kinds: Set<String> = ["struct", "class", "enum", "func", "protocol", "typealias", "var", "let"]
            let path = kinds.contains(words[1]) && words.count >= 3 ? words[2] : words[1]
            names.insert(String(path.split(separator: ".").first ?? Substring(path)))
        }
        return names
    }

    /// The non-test targets of Package.swift: name → (source directory, declared dependency names).
    static func targets() throws -> [String: (path: String, dependencies: Set<String>)] {
        // A scratch path of its own: the running test holds SwiftPM's lock on .build, and waiting for it would hang.
        let scratch = try TemporaryDirectory()
        let dump = try Command.system("swift", ["package", "--scratch-path", scratch.path, "dump-package"], directory: Repository.url(".").path)
        guard dump.status == 0 else { throw Failure("swift package dump-package failed: \(dump.stderr)") }
        let package = try JSONParser(limits: .init(maxDepth: 64, maxBytes: 16 << 20)).parse(dump.stdoutBytes)
        var result: [String: (String, Set<String>)] = [:]
        for target in package["targets"]?.arrayValue ?? [] where target["type"]?.stringValue != "test" {
            guard let name = target["name"]?.stringValue else { continue }
            var dependencies: Set<String> = []
            for dependency in target["dependencies"]?.arrayValue ?? [] {
                guard case .object(let members) = dependency, let first = members.first?.value.arrayValue.first?.stringValue else { continue }
                dependencies.insert(first)
            }
            result[name] = (target["path"]?.stringValue ?? "Sources/\(name)", dependencies)
        }
        return result
    }

    static func sources(under path: String) -> [String] {
        FileTree.regularFiles(under: Repository.url(path).path).filter { $0.hasSuffix(".swift") }.map { "\(path)/\($0)" }
    }

    @Test("every module imports only what README's module graph allows, and declares every import in Package.swift")
    func layout() throws {
        let graph = try Self.graph()
        let targets = try Self.targets()
        let assayModules = Set(targets.keys)
        let onlyREADME = Set(graph.keys).subtracting(assayModules).sorted(), onlyPackage = assayModules.subtracting(graph.keys).sorted()
        #expect(onlyREADME.isEmpty && onlyPackage.isEmpty,
                "README's module graph and Package.swift list different modules: only in README \(onlyREADME), only in Package.swift \(onlyPackage)")
        for (name, target) in targets.sorted(by: { $0.key < $1.key }) {
            var imported: Set<String> = []
            for file in Self.sources(under: target.path) {
                let used = Self.imports(of: String(decoding: try Repository.bytes(file), as: UTF8.self))
                imported.formUnion(used)
                let forbidden = used.intersection(assayModules).subtracting(graph[name] ?? [])
                #expect(forbidden.isEmpty, "\(file) imports \(forbidden.sorted()), which README's module graph does not allow \(name)")
                if Self.core.contains(name) {
                    let outside = used.subtracting(Self.core).subtracting(Self.system).subtracting(["CAssayOpenSSL", "CAssayZstd"])
                    #expect(outside.isEmpty, "\(file): the verification core imports \(outside.sorted())")
                }
            }
            let undeclared = imported.subtracting(Self.system).subtracting(target.dependencies)
            #expect(undeclared.isEmpty, "\(name) imports \(undeclared.sorted()) without declaring it in Package.swift")
        }
    }

    @Test("the import reader takes a file's header only: text in a string literal is not an import")
    func importReader() {
        let source = """
            // A comment
            #if canImport(Glibc)
            import Glibc
            #endif
            @preconcurrency import Foundation
            internal import CAssayOpenSSL
            import struct AssayCore.UTCDay

            let script = \"\"\"
            import duckdb
            \"\"\"
            """
        #expect(Self.imports(of: source) == ["Glibc", "Foundation", "CAssayOpenSSL", "AssayCore"])
    }
}
