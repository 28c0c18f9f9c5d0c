/// A UTC calendar day: the half-open interval of timestamps
/// [number × 86 400 000, (number + 1) × 86 400 000) ms (spec/records.md §3.3).
public struct UTCDay: Hashable, Comparable, Sendable, CustomStringConvertible {
    public static let milliseconds: Int64 = 86_400_000

    /// Days since 1970-01-01.
    public let number: Int

    public init(number: Int) { self.number = number }

    /// The day that contains `milliseconds` since the epoch: floor division, defined for every
    /// Int64 (the earlier `(ms − 86 400 000 + 1) / 86 400 000` overflowed near Int64.min, which an
    /// exporter could send in a record's `start_ms`; found by the page fuzz target).
    public init(containing milliseconds: Int64) {
        let (quotient, remainder) = milliseconds.quotientAndRemainder(dividingBy: Self.milliseconds)
        number = Int(remainder < 0 ? quotient - 1 : quotient)
    }

    /// Parses `YYYY-MM-DD` (exactly that shape, a real date).
    public init?(_ text: some StringProtocol) {
        let bytes = Array(text.utf8)
        guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-") else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for byte in bytes[range] {
                guard byte >= 0x30 && byte <= 0x39 else { return nil }
                value = value * 10 + Int(byte - 0x30)
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
              (1...12).contains(month), day >= 1, day <= UTCTime.daysInMonth(year: year, month: month)
        else { return nil }
        self.number = UTCTime.days(year: year, month: month, day: day)
    }

    /// Year, month and day of the month.
    public var components: (year: Int, month: Int, day: Int) { UTCTime.civil(days: number) }

    /// The first millisecond of the day.
    public var startMs: Int64 { Int64(number) * Self.milliseconds }

    /// Whether `milliseconds` falls on this day.
    public func contains(_ milliseconds: Int64) -> Bool {
        milliseconds >= startMs && milliseconds < startMs + Self.milliseconds
    }

    /// The day after.
    public var next: UTCDay { UTCDay(number: number + 1) }

    /// `YYYY-MM-DD`.
    public var description: String {
        let (y, m, d) = components
        return "\(Self.pad(y, 4))-\(Self.pad(m, 2))-\(Self.pad(d, 2))"
    }

    /// `YYYY/MM/DD`, the bundle directory below the collector (spec/dataset.md §2).
    public var path: String {
        let (y, m, d) = components
        return "\(Self.pad(y, 4))/\(Self.pad(m, 2))/\(Self.pad(d, 2))"
    }

    static func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }

    public static func < (lhs: UTCDay, rhs: UTCDay) -> Bool { lhs.number < rhs.number }
}
