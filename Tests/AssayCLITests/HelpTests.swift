import AssayCore
import AssayTestSupport
import Testing

/// Every command teaches by example: each leaf command of each executable has an example in its
/// `--help`, the example names that very command, and every option the example uses is one the
/// command has. Read from ArgumentParser's own description of the command tree
/// (`--experimental-dump-help`), so a renamed option or command fails here, not in a user's shell.
@Suite("help")
struct HelpTests {
    /// One command of the tree: its path from the executable, its long options, its help text.
    struct CommandNode {
        let path: [String]
        let options: Set<String>
        let discussion: String
        let children: [String]
    }

    static func tree(_ executable: String) throws -> [CommandNode] {
        let result = try Command.run(Command.product(executable), ["--experimental-dump-help"])
        try #require(result.status == 0, "\(executable) --experimental-dump-help: \(result.stderr)")
        let dump = try JSONParser(limits: .init(maxDepth: 64, maxBytes: 16 << 20)).parse(result.stdoutBytes)
        var nodes: [CommandNode] = []
        func walk(_ command: JSONValue, _ path: [String]) {
            var options: Set<String> = ["--help"]
            if case .array(let arguments)? = command["arguments"] {
                for argument in arguments {
                    guard case .array(let names)? = argument["names"] else { continue }
                    for name in names where name["kind"]?.stringValue != "short" {
                        if let text = name["name"]?.stringValue { options.insert("--" + text) }
                    }
                }
            }
            var children: [String] = []
            if case .array(let subcommands)? = command["subcommands"] {
                for subcommand in subcommands {
                    guard let name = subcommand["commandName"]?.stringValue else { continue }
                    children.append(name)
                    walk(subcommand, path + [name])
                }
            }
            nodes.append(CommandNode(path: path, options: options, discussion: command["discussion"]?.stringValue ?? "", children: children))
        }
        walk(dump["command"] ?? .null, [executable])
        return nodes
    }

    /// The example command lines of a help text: the indented lines under an "Example:" or
    /// "Examples:" heading (comments skipped, continuation lines ending in `\` joined), split at
    /// `&&`, `|` and `;` into the commands they run. Commands named in prose are not examples.
    static func examples(_ discussion: String, executable: String) -> [[String]] {
        var lines: [String] = []
        var pending = ""
        var inExamples = false
        for raw in discussion.split(separator: "\n", omittingEmptySubsequences: false) {
            if raw.hasPrefix("Example") {
                inExamples = true
                continue
            }
            guard inExamples, raw.hasPrefix("  ") || !pending.isEmpty else {
                inExamples = false
                continue
            }
            var line = raw.trimmingPrefix(while: { $0 == " " })
            guard !line.hasPrefix("#") else { continue }
            let continues = line.hasSuffix("\\")
            if continues { line = line.dropLast() }
            pending += " " + line
            if !continues {
                lines.append(pending)
                pending = ""
            }
        }
        var commands: [[String]] = []
        for line in lines {
            for piece in line.split(whereSeparator: { $0 == "|" || $0 == ";" }) {
                for command in piece.split(separator: "&&") {
                    // Shell quoting and command substitution around a command (`"$(assay … )"`) are not part of it.
                    let words = command.split(separator: " ").map { String($0.trimmingPrefix(while: { "$(\"'".contains($0) })) }
                    // A shell variable may come first (`ASSAY_X=1 assay …`); the command starts at the executable.
                    guard let start = words.firstIndex(where: { $0 == executable || $0.hasSuffix("/" + executable) }) else { continue }
                    commands.append(Array(words[start...]))
                }
            }
        }
        return commands
    }

    @Test("every command of assay, assay-verify and assay-bench has an example in --help that names it and uses only its options",
          arguments: ["assay", "assay-verify", "assay-bench"])
    func examples(executable: String) throws {
        let nodes = try Self.tree(executable)
        let byPath = Dictionary(nodes.map { ($0.path.dropFirst().joined(separator: " "), $0) }, uniquingKeysWith: { first, _ in first })
        for node in nodes where node.children.isEmpty && node.path.last != "help" {
            let name = node.path.joined(separator: " ")
            let examples = Self.examples(node.discussion, executable: executable)
            var namesItself = false
            for words in examples {
                // The command an example runs: the longest run of words after the executable that is a command path.
                var path: [String] = []
                for word in words.dropFirst() {
                    guard byPath[(path + [word]).joined(separator: " ")] != nil else { break }
                    path.append(word)
                }
                guard let target = byPath[path.joined(separator: " ")], target.children.isEmpty else { continue }
                if target.path == node.path { namesItself = true }
                for word in words where word.hasPrefix("--") {
                    let option = String(word.prefix(while: { $0 != "=" }))
                    #expect(target.options.contains(option), "\(name)'s example '\(words.joined(separator: " "))' uses \(option), which \(target.path.joined(separator: " ")) does not have")
                }
            }
            #expect(namesItself, "\(name) --help has no example that runs \(name)")
        }
    }

    @Test("--version names the software, the spec and the record schemas")
    func version() throws {
        let result = try Command.assay(["--version"])
        #expect(result.stdout.hasPrefix("assay \(AssayVersion.software) (spec v\(AssayVersion.spec), record schemas"))
    }
}
