#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Distinct strings read from records (a batch's, a bundle's), each made into a `String` once and
/// named by an index: an open-addressing table keyed by the bytes, so looking a value up makes no `String`.
public struct ByteStrings: Sendable {
    /// The strings, by index.
    public private(set) var strings: [String] = []
    /// The bytes of every stored string, one after the other, and where each one starts.
    private var bytes: [UInt8] = []
    private var starts: [Int] = [0]
    /// Indexes into `strings`, −1 for an empty slot; the count is a power of two, at most half full.
    private var slots = [Int32](repeating: -1, count: 64)

    public init() {}

    /// The index of `value` (stored now if it is new).
    public mutating func index(_ value: UnsafeRawBufferPointer) -> Int32 {
        if 2 * (strings.count + 1) > slots.count { grow() }
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: Self.hash(value)) & mask
        while true {
            let index = slots[slot]
            if index < 0 { break }
            if equals(Int(index), value) { return index }
            slot = (slot + 1) & mask
        }
        let index = Int32(strings.count)
        slots[slot] = index
        bytes.append(contentsOf: value)
        starts.append(bytes.count)
        strings.append(String(decoding: value, as: UTF8.self))
        return index
    }

    /// The field's value as the stored `String` (stored now if it is new); nil when the record has no such field.
    public mutating func string(_ record: RecordView, _ field: RecordField) -> String? {
        record.slice(field).map { strings[Int(index($0))] }
    }

    /// Hands over the strings and forgets them.
    public mutating func take() -> [String] {
        defer { self = ByteStrings() }
        return strings
    }

    private func equals(_ index: Int, _ value: UnsafeRawBufferPointer) -> Bool {
        let start = starts[index], end = starts[index + 1]
        guard end - start == value.count else { return false }
        return bytes.withUnsafeBytes { stored in
            value.isEmpty || memcmp(stored.baseAddress! + start, value.baseAddress!, value.count) == 0
        }
    }

    private mutating func grow() {
        slots = [Int32](repeating: -1, count: slots.count * 2)
        let mask = slots.count - 1
        bytes.withUnsafeBytes { stored in
            for index in strings.indices {
                let value = UnsafeRawBufferPointer(rebasing: stored[starts[index]..<starts[index + 1]])
                var slot = Int(truncatingIfNeeded: Self.hash(value)) & mask
                while slots[slot] >= 0 { slot = (slot + 1) & mask }
                slots[slot] = Int32(index)
            }
        }
    }

    /// Swift's seeded hash of the bytes: a dataset cannot choose values that collide.
    private static func hash(_ value: UnsafeRawBufferPointer) -> Int {
        var hasher = Hasher()
        hasher.combine(bytes: value)
        return hasher.finalize()
    }
}
