import AssayCore
import AssayCrypto

/// c2sp.org/tlog-tiles (spec/log.md §4): tile and entry-bundle paths, tiles computed from leaf hashes, entry
/// bundles, and a tree rebuilt and checked from them.
public enum Tiles {
    /// Hashes per full tile (tile height 8).
    public static let width = 256

    /// `<N>` as 3-digit groups, all but the last prefixed with `x` (1234067 → `x001/x234/067`).
    public static func indexPath(_ index: UInt64) -> String {
        var groups: [String] = []
        var rest = index
        repeat {
            let group = String(rest % 1000)
            groups.append(String(repeating: "0", count: 3 - group.count) + group)
            rest /= 1000
        } while rest > 0
        return groups.reversed().enumerated().map { $0.offset == groups.count - 1 ? $0.element : "x" + $0.element }.joined(separator: "/")
    }

    /// `tile/<L>/<N>[.p/<W>]`; `width` 256 (or 0) is a full tile.
    public static func tilePath(level: Int, index: UInt64, width: Int = 256) -> String {
        "tile/\(level)/\(indexPath(index))\(width > 0 && width < 256 ? ".p/\(width)" : "")"
    }

    /// `tile/entries/<N>[.p/<W>]`.
    public static func entriesPath(index: UInt64, width: Int = 256) -> String {
        "tile/entries/\(indexPath(index))\(width > 0 && width < 256 ? ".p/\(width)" : "")"
    }

    /// What a tile path names: level (nil for an entry bundle), index and width (256 when full).
    public struct Address: Equatable, Sendable {
        public let level: Int?
        public let index: UInt64
        public let width: Int
    }

    /// Parses a path that `tilePath` or `entriesPath` writes; nil for anything else (leading zeros, a missing
    /// `x`, a level above 63, a width outside 1–255).
    public static func parse(_ path: String) -> Address? {
        var parts = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.count >= 3, parts[0] == "tile" else { return nil }
        let level: Int?
        if parts[1] == "entries" {
            level = nil
        } else {
            guard let value = Int(parts[1]), (0...63).contains(value), String(value) == parts[1] else { return nil }
            level = value
        }
        parts.removeFirst(2)
        var width = 256
        if parts.count >= 2, parts[parts.count - 2].hasSuffix(".p") {
            guard let value = Int(parts[parts.count - 1]), (1...255).contains(value), String(value) == parts[parts.count - 1] else { return nil }
            width = value
            parts.removeLast()
            parts[parts.count - 1] = String(parts[parts.count - 1].dropLast(2))
        }
        var index: UInt64 = 0
        for (position, part) in parts.enumerated() {
            let digits = position == parts.count - 1 ? part : (part.hasPrefix("x") ? String(part.dropFirst()) : "")
            guard digits.utf8.count == 3, digits.utf8.allSatisfy({ (0x30...0x39).contains($0) }), let value = UInt64(digits) else { return nil }
            let (times, overflow1) = index.multipliedReportingOverflow(by: 1000)
            let (sum, overflow2) = times.addingReportingOverflow(value)
            guard !overflow1, !overflow2 else { return nil }
            index = sum
        }
        guard parts.count == 1 || index >= 1000 else { return nil }  // groups only where needed: "x000/…" is not written
        return Address(level: level, index: index, width: width)
    }

    /// Every tile a tree of `size` leaves has, with its contents, keyed by path: the full tiles and the partial
    /// ones of that size, at every level.
    public static func tiles(leafHashes: [[UInt8]]) -> [(path: String, bytes: [UInt8])] {
        var result: [(String, [UInt8])] = []
        var level = 0
        var hashes = leafHashes
        while !hashes.isEmpty {
            var next: [[UInt8]] = []
            var start = 0
            while start < hashes.count {
                let end = min(start + width, hashes.count)
                let chunk = hashes[start..<end]
                let index = UInt64(start / width)
                result.append((tilePath(level: level, index: index, width: chunk.count), Array(chunk.joined())))
                if chunk.count == width { next.append(Merkle.root(leafHashes: Array(chunk))) }
                start = end
            }
            hashes = next
            level += 1
        }
        return result
    }

    /// The entry bundles of `entries`: each entry as a big-endian uint16 length and its bytes.
    public static func bundles(entries: [[UInt8]]) throws(NoteError) -> [(path: String, bytes: [UInt8])] {
        var result: [(String, [UInt8])] = []
        var start = 0
        while start < entries.count {
            let end = min(start + width, entries.count)
            var bytes: [UInt8] = []
            for entry in entries[start..<end] {
                guard entry.count <= Int(UInt16.max) else { throw NoteError(.malformed, "a log entry is at most 65535 bytes") }
                bytes += [UInt8(entry.count >> 8), UInt8(entry.count & 0xFF)] + entry
            }
            result.append((entriesPath(index: UInt64(start / width), width: end - start), bytes))
            start = end
        }
        return result
    }

    /// The entries of one bundle; nil when the bytes are not exactly `count` length-prefixed entries.
    public static func entries(ofBundle bytes: [UInt8], count: Int) -> [[UInt8]]? {
        var entries: [[UInt8]] = []
        var offset = 0
        while offset < bytes.count {
            guard offset + 2 <= bytes.count else { return nil }
            let length = Int(bytes[offset]) << 8 | Int(bytes[offset + 1])
            guard offset + 2 + length <= bytes.count else { return nil }
            entries.append(Array(bytes[(offset + 2)..<(offset + 2 + length)]))
            offset += 2 + length
        }
        return entries.count == count ? entries : nil
    }

    /// The widths a tree of `size` needs: at each level, the full tiles' count and the partial tile's width.
    public static func shape(size: UInt64) -> [(level: Int, full: UInt64, partial: Int)] {
        var result: [(Int, UInt64, Int)] = []
        var level = 0
        var count = size
        while count > 0 {
            result.append((level, count / UInt64(width), Int(count % UInt64(width))))
            count /= UInt64(width)
            level += 1
        }
        return result
    }
}
