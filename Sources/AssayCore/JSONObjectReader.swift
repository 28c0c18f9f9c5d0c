/// Reads a JSON object member by member with typed accessors, for strict
/// documents (manifests, descriptors): a missing, mistyped or unknown member
/// is an error naming its path, such as `files[1].sha256`.
public struct JSONObjectReader {
    private let members: [JSONValue.Member]
    private var used: Set<String> = []
    /// Where this object is, for messages (`""` for the top level).
    public let path: String

    public init(_ value: JSONValue, path: String = "") throws(JSONShapeError) {
        guard case .object(let members) = value else {
            throw JSONShapeError(path: path.isEmpty ? "(top level)" : path, reason: "must be an object, found \(value.typeName)")
        }
        self.members = members
        self.path = path
    }

    func location(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// Whether the member is present.
    public func has(_ key: String) -> Bool { members.contains { $0.key == key } }

    public mutating func optional(_ key: String) -> JSONValue? {
        used.insert(key)
        return members.first { $0.key == key }?.value
    }

    public mutating func value(_ key: String) throws(JSONShapeError) -> JSONValue {
        guard let value = optional(key) else { throw JSONShapeError(path: location(key), reason: "is missing") }
        return value
    }

    public mutating func string(_ key: String) throws(JSONShapeError) -> String {
        let value = try value(key)
        guard case .string(let text) = value else { throw wrongType(key, "a string", value) }
        return text
    }

    public mutating func optionalString(_ key: String) throws(JSONShapeError) -> String? {
        guard let value = optional(key) else { return nil }
        guard case .string(let text) = value else { throw wrongType(key, "a string", value) }
        return text
    }

    public mutating func integer(_ key: String, in range: ClosedRange<Int64> = 0...Int64(9_007_199_254_740_991))
        throws(JSONShapeError) -> Int64
    {
        let value = try value(key)
        return try Self.integer(value, at: location(key), in: range)
    }

    public mutating func optionalInteger(_ key: String, in range: ClosedRange<Int64> = 0...Int64(9_007_199_254_740_991))
        throws(JSONShapeError) -> Int64?
    {
        guard let value = optional(key) else { return nil }
        return try Self.integer(value, at: location(key), in: range)
    }

    public mutating func bool(_ key: String) throws(JSONShapeError) -> Bool {
        let value = try value(key)
        guard case .bool(let flag) = value else { throw wrongType(key, "true or false", value) }
        return flag
    }

    public mutating func object(_ key: String) throws(JSONShapeError) -> JSONObjectReader {
        try JSONObjectReader(try value(key), path: location(key))
    }

    public mutating func optionalObject(_ key: String) throws(JSONShapeError) -> JSONObjectReader? {
        guard let value = optional(key) else { return nil }
        return try JSONObjectReader(value, path: location(key))
    }

    public mutating func array(_ key: String) throws(JSONShapeError) -> [JSONValue] {
        let value = try value(key)
        guard case .array(let elements) = value else { throw wrongType(key, "an array", value) }
        return elements
    }

    /// The members as (name, value) pairs, marking all as read (for maps such as `by_kind`).
    public mutating func allMembers() -> [JSONValue.Member] {
        for member in members { used.insert(member.key) }
        return members
    }

    /// Fails if any member was never read.
    public func finish() throws(JSONShapeError) {
        if let unknown = members.first(where: { !used.contains($0.key) }) {
            throw JSONShapeError(path: location(unknown.key), reason: "is not a known member")
        }
    }

    func wrongType(_ key: String, _ expected: String, _ value: JSONValue) -> JSONShapeError {
        JSONShapeError(path: location(key), reason: "must be \(expected), found \(value.typeName)")
    }

    /// An integer within `range`, or an error at `path`.
    public static func integer(_ value: JSONValue, at path: String, in range: ClosedRange<Int64>) throws(JSONShapeError) -> Int64 {
        guard case .integer(let number) = value else {
            throw JSONShapeError(path: path, reason: "must be an integer, found \(value.typeName)")
        }
        guard range.contains(number) else {
            throw JSONShapeError(path: path, reason: "\(number) is outside \(range.lowerBound)...\(range.upperBound)")
        }
        return number
    }
}

/// A document member that is missing, mistyped, out of range or unknown.
public struct JSONShapeError: Error, Equatable, Sendable, CustomStringConvertible {
    public let path: String
    public let reason: String
    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }
    public var description: String { "\(path) \(reason)" }
}
