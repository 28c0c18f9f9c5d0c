#if canImport(Glibc)
import Glibc
#endif

/// Calendar arithmetic in UTC without Foundation or the locale: the
/// proleptic Gregorian calendar, as spec/records.md §3.3 uses for days.
public enum UTCTime {
    /// Days since 1970-01-01 of a civil date (H. Hinnant's days_from_civil).
    public static func days(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The civil date of a day number (H. Hinnant's civil_from_days).
    public static func civil(days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// Days in `month` of `year`.
    public static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// `YYYY-MM-DDTHH:MM:SS.mmmZ` for milliseconds since the epoch.
    public static func iso8601(milliseconds: Int64) -> String {
        let dayMs: Int64 = 86_400_000
        let dayNumber = Int(milliseconds >= 0 ? milliseconds / dayMs : (milliseconds - dayMs + 1) / dayMs)
        let rest = Int(milliseconds - Int64(dayNumber) * dayMs)
        let (y, m, d) = civil(days: dayNumber)
        func pad(_ value: Int, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))T\(pad(rest / 3_600_000, 2)):\(pad(rest / 60_000 % 60, 2)):"
            + "\(pad(rest / 1000 % 60, 2)).\(pad(rest % 1000, 3))Z"
    }

    /// `YYYY-MM-DDTHH:MM:SSZ` for seconds since the epoch (the policy's time, spec/policy.md §1.1).
    public static func seconds(_ seconds: Int64) -> String {
        let text = iso8601(milliseconds: seconds * 1000)
        return String(text.prefix(19)) + "Z"
    }

    /// Parses a UTC time given on a command line: `YYYY-MM-DDTHH:MM:SSZ` or
    /// `YYYY-MM-DDTHH:MM:SS.mmmZ` (ISO 8601, a real date), to milliseconds since the epoch.
    public static func parseMilliseconds(_ text: String) -> Int64? {
        let b = Array(text.utf8)
        if b.count == 20 { return parseSeconds(text).map { $0 * 1000 } }
        guard b.count == 24, b[19] == 0x2E, b[23] == 0x5A, b[20..<23].allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
              let seconds = parseSeconds(String(decoding: b[0..<19] + [0x5A], as: UTF8.self)) else { return nil }
        return seconds * 1000 + Int64(b[20..<23].reduce(0) { $0 * 10 + Int($1 - 0x30) })
    }

    /// Parses exactly `YYYY-MM-DDTHH:MM:SSZ` (a real date, UTC) to seconds since the epoch.
    public static func parseSeconds(_ text: String) -> Int64? {
        let b = Array(text.utf8)
        guard b.count == 20, b[10] == 0x54, b[13] == 0x3A, b[16] == 0x3A, b[19] == 0x5A,
              let day = UTCDay(String(decoding: b[0..<10], as: UTF8.self)) else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            guard b[range].allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
            return b[range].reduce(0) { $0 * 10 + Int($1 - 0x30) }
        }
        guard let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
              hour < 24, minute < 60, second < 60 else { return nil }
        return day.startMs / 1000 + Int64(hour * 3600 + minute * 60 + second)
    }
}

/// The machine's wall clock, in milliseconds since the Unix epoch: for freshness checks, receipt times,
/// retention and progress, never for anything published (spec/README.md, determinism).
public enum WallClock {
    public static var nowMilliseconds: Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000
    }
}

extension Duration {
    /// The duration in whole milliseconds, truncated.
    public var wholeMilliseconds: Int64 { components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000 }
}
