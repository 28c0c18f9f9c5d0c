import AssayCore
import AssayCrypto

/// A c2sp.org/tlog-policy file: the logs, the witnesses and the quorum that decides whether a checkpoint's
/// cosignatures are enough (spec/log.md §8.1).
///
/// `init(parsing:)` reads the grammar of tlog-policy and nothing more: keys and URLs stay text, names are any
/// token. `WitnessPolicy(assay:origin:)` adds the rules a dataset's `policy/NNNN/witnesses` follows (vkeys of the
/// right types, slug witness names, limits).
public struct WitnessPolicy: Equatable, Sendable {
    public struct Log: Equatable, Sendable {
        public let key: String
        public let url: String?
    }

    public struct Witness: Equatable, Sendable {
        public let name: String
        public let key: String
        public let url: String?
    }

    public struct Group: Equatable, Sendable {
        public let name: String
        /// How many members must witness the checkpoint for the group to.
        public let threshold: Int
        public let members: [String]
    }

    public let logs: [Log]
    public let witnesses: [Witness]
    public let groups: [Group]
    /// A witness or group name, or `none`.
    public let quorum: String

    public static let none = "none"
    static let keywords: Set<String> = ["none", "all", "any"]
    public static let byteLimit = 65_536

    /// The policy of a version without a `witnesses` file: no witnesses, quorum `none`.
    public static let empty = WitnessPolicy(logs: [], witnesses: [], groups: [], quorum: none)

    init(logs: [Log], witnesses: [Witness], groups: [Group], quorum: String) {
        self.logs = logs
        self.witnesses = witnesses
        self.groups = groups
        self.quorum = quorum
    }

    /// Parses the tlog-policy grammar. Errors name the line.
    public init(parsing bytes: [UInt8]) throws(NoteError) {
        guard bytes.count <= Self.byteLimit else { throw NoteError(.policy, "a policy file is at most \(Self.byteLimit) bytes") }
        if let bad = bytes.firstIndex(where: { $0 < 0x20 && $0 != 0x09 && $0 != 0x0A || $0 == 0x7F }) {
            throw NoteError(.policy, "control character 0x\(String(bytes[bad], radix: 16)) at byte \(bad); only tab and newline are allowed")
        }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw NoteError(.policy, "the file is not UTF-8") }
        var logs: [Log] = [], witnesses: [Witness] = [], groups: [Group] = []
        var quorum: String?
        var defined: Set<String> = [Self.none]
        var member: Set<String> = []
        for (offset, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = offset + 1
            let items = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard let keyword = items.first, !keyword.hasPrefix("#") else { continue }
            func fail(_ reason: String) -> NoteError { NoteError(.policy, "line \(number): \(reason)") }
            switch keyword {
            case "log":
                guard (2...3).contains(items.count) else { throw fail("a log line is 'log <vkey> [<url>]'") }
                guard !logs.contains(where: { $0.key == items[1] }) else { throw fail("duplicate log key") }
                logs.append(Log(key: items[1], url: items.count == 3 ? items[2] : nil))
            case "witness":
                guard (3...4).contains(items.count) else { throw fail("a witness line is 'witness <name> <vkey> [<url>]'") }
                guard !Self.keywords.contains(items[1]) || items[1] == Self.none else { throw fail("'\(items[1])' is a keyword, not a witness name") }
                guard defined.insert(items[1]).inserted else { throw fail("duplicate name '\(items[1])'") }
                guard !witnesses.contains(where: { $0.key == items[2] }) else { throw fail("duplicate witness key") }
                witnesses.append(Witness(name: items[1], key: items[2], url: items.count == 4 ? items[3] : nil))
            case "group":
                guard items.count >= 4 else { throw fail("a group line is 'group <name> all|any|<k> <member>...'") }
                let name = items[1], members = Array(items[3...])
                guard !Self.keywords.contains(name) || name == Self.none else { throw fail("'\(name)' is a keyword, not a group name") }
                guard defined.insert(name).inserted else { throw fail("duplicate name '\(name)'") }
                var seen: Set<String> = []
                for item in members {
                    guard item != Self.none else { throw fail("'none' cannot be a group member") }
                    guard defined.contains(item), item != name else { throw fail("undefined name '\(item)'") }
                    guard seen.insert(item).inserted, member.insert(item).inserted else { throw fail("'\(item)' is already a member of a group") }
                }
                let threshold: Int
                switch items[2] {
                case "all": threshold = members.count
                case "any": threshold = 1
                default:
                    guard let k = Int(items[2]), String(k) == items[2], (1...members.count).contains(k) else {
                        throw fail("the threshold '\(items[2])' is not all, any or a decimal from 1 to \(members.count)")
                    }
                    threshold = k
                }
                groups.append(Group(name: name, threshold: threshold, members: members))
            case "quorum":
                guard items.count == 2 else { throw fail("a quorum line is 'quorum <name>'") }
                guard quorum == nil else { throw fail("a second quorum line") }
                guard defined.contains(items[1]) else { throw fail("undefined name '\(items[1])'") }
                quorum = items[1]
            default:
                throw fail("unknown line type '\(keyword)'")
            }
        }
        guard let quorum else { throw NoteError(.policy, "no quorum line") }
        self.init(logs: logs, witnesses: witnesses, groups: groups, quorum: quorum)
    }

    /// Whether checkpoints cosigned by `cosigners` (witness names) meet the quorum.
    public func isSatisfied(by cosigners: Set<String>) -> Bool {
        guard quorum != Self.none else { return true }
        var memo: [String: Bool] = [:]
        func witnessed(_ name: String) -> Bool {
            if let known = memo[name] { return known }
            let result: Bool
            if let group = groups.first(where: { $0.name == name }) {
                result = group.members.filter(witnessed).count >= group.threshold
            } else {
                result = cosigners.contains(name)
            }
            memo[name] = result
            return result
        }
        return witnessed(quorum)
    }
}

extension WitnessPolicy {
    public static let maxLogs = 1000
    public static let maxWitnesses = 64
    public static let maxGroups = 64

    /// The witnesses of a dataset, from its `policy/NNNN/witnesses` (spec/log.md §8.1): the grammar, then log keys
    /// that are Ed25519 vkeys of `origin`, witness keys that are Ed25519 cosignature vkeys, slug witness names.
    public init(assay bytes: [UInt8], origin: String) throws(NoteError) {
        guard bytes.isEmpty || bytes.last == 0x0A else { throw NoteError(.policy, "the last line does not end with a newline") }
        try self.init(parsing: bytes)
        guard logs.count <= Self.maxLogs, witnesses.count <= Self.maxWitnesses, groups.count <= Self.maxGroups else {
            throw NoteError(.policy, "at most \(Self.maxLogs) logs, \(Self.maxWitnesses) witnesses and \(Self.maxGroups) groups")
        }
        var logKeys: Set<Ed25519PublicKey> = []
        for log in logs {
            let key = try NoteVerifierKey(vkey: log.key)
            guard key.name == origin, key.type == NoteKeys.ed25519 else {
                throw NoteError(.policy, "log key \(log.key) is not an Ed25519 key named \(origin)")
            }
            guard logKeys.insert(key.publicKey).inserted else { throw NoteError(.policy, "log key \(log.key) wraps a key listed before") }
        }
        var witnessKeys: Set<Ed25519PublicKey> = []
        for witness in witnesses {
            guard Slug.isValid(witness.name) else { throw NoteError(.policy, "witness name '\(witness.name)' is not \(Slug.rule)") }
            let key = try NoteVerifierKey(vkey: witness.key)
            guard key.type == NoteKeys.cosignatureV1 else {
                throw NoteError(.policy, "witness \(witness.name)'s key is not an Ed25519 cosignature key (type 0x04)")
            }
            guard witnessKeys.insert(key.publicKey).inserted else { throw NoteError(.policy, "witness \(witness.name)'s key wraps a key listed before") }
        }
        for group in groups where !Slug.isValid(group.name) {
            throw NoteError(.policy, "group name '\(group.name)' is not \(Slug.rule)")
        }
    }

    /// A version's witnesses file: one `log` line per key of `keys` (as vkeys of `origin`, in byte order), then the
    /// lines of `witnesses` that are not `log` lines (its witnesses, groups, quorum and comments). So a policy
    /// change that rotates or revokes keys keeps the log keys what spec/log.md §8.1 requires.
    public static func file(logKeys keys: Set<Ed25519PublicKey>, origin: String, witnesses: [UInt8]) throws(NoteError) -> [UInt8] {
        var lines = try keys.map { key throws(NoteError) in "log \(try NoteVerifierKey(name: origin, type: NoteKeys.ed25519, publicKey: key).vkey)" }
            .sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        for line in String(decoding: witnesses, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false) {
            let first = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).first
            if first != "log" { lines.append(String(line)) }
        }
        while lines.last?.isEmpty == true { lines.removeLast() }
        let bytes = Array(lines.map { $0 + "\n" }.joined().utf8)
        _ = try WitnessPolicy(assay: bytes, origin: origin)
        return bytes
    }

    /// The verifier key of each witness, by name (for a policy read with `init(assay:origin:)`).
    public func witnessKeys() -> [String: NoteVerifierKey] {
        var keys: [String: NoteVerifierKey] = [:]
        for witness in witnesses {
            if let key = try? NoteVerifierKey(vkey: witness.key) {  // checked by init(assay:); a key that fails here is left out
                keys[witness.name] = key
            }
        }
        return keys
    }
}
