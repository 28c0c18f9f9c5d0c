/// Amounts of wei as decimal strings (spec/records.md §3.2: up to 78 digits, beyond 64 bits), with the few
/// operations the tester's daily cost cap needs, exact.
public enum Wei {
    static func digits(_ text: String) -> [UInt8] {
        let digits = text.utf8.map { $0 &- 0x30 }
        let first = digits.firstIndex { $0 != 0 } ?? digits.count
        return Array(digits[first...])
    }

    static func text(_ digits: [UInt8]) -> String {
        let first = digits.firstIndex { $0 != 0 } ?? digits.count
        return first == digits.count ? "0" : String(decoding: digits[first...].map { $0 + 0x30 }, as: UTF8.self)
    }

    /// a + b.
    public static func add(_ a: String, _ b: String) -> String {
        let x = Array(digits(a).reversed()), y = Array(digits(b).reversed())
        var sum: [UInt8] = []
        var carry: UInt8 = 0
        for i in 0..<max(x.count, y.count) {
            let s = (i < x.count ? x[i] : 0) + (i < y.count ? y[i] : 0) + carry
            sum.append(s % 10)
            carry = s / 10
        }
        if carry > 0 { sum.append(carry) }
        return text(sum.reversed())
    }

    /// a < b.
    public static func less(_ a: String, _ b: String) -> Bool {
        let x = digits(a), y = digits(b)
        return x.count != y.count ? x.count < y.count : x.lexicographicallyPrecedes(y)
    }

    /// ⌈a × b / c⌉ for non-negative integers, c ≥ 1.
    public static func productCeiling(_ a: UInt64, _ b: UInt64, over c: UInt64) -> String {
        // a × b exactly, in base 10 (schoolbook on digit arrays: at most 40 digits).
        let x = Array(String(a).utf8.map { UInt64($0 - 0x30) }.reversed()), y = Array(String(b).utf8.map { UInt64($0 - 0x30) }.reversed())
        var product = [UInt64](repeating: 0, count: x.count + y.count)
        for i in x.indices { for j in y.indices { product[i + j] += x[i] * y[j] } }
        for i in product.indices.dropLast() { product[i + 1] += product[i] / 10; product[i] %= 10 }
        // Long division by c, rounding up.
        var quotient: [UInt8] = []
        var remainder: UInt64 = 0
        for digit in product.reversed() {
            let (high, low) = remainder.multipliedFullWidth(by: 10)
            let (value, overflow) = low.addingReportingOverflow(digit)
            let (q, r) = c.dividingFullWidth((high + (overflow ? 1 : 0), value))
            quotient.append(UInt8(q))
            remainder = r
        }
        let result = text(quotient)
        return remainder > 0 ? add(result, "1") : result
    }
}

extension Scenario {
    /// The pixels a probe of this scenario asks for, by which an orchestrator's price per pixel makes its cost
    /// (spec/probe.md §5): images: count × width × height of its images check; live: go-livepeer's smoke-test pattern,
    /// 1920 × 1080 at 30 frames per second, for the stream's duration; anything else: one priced unit (nil).
    public var pixels: UInt64? {
        if let images = checks.images { return UInt64(images.count) * UInt64(images.width) * UInt64(images.height) }
        if case .live(let duration, _) = request { return 1920 * 1080 * 30 * UInt64(duration) }
        return nil
    }

    /// What a probe is expected to cost at `pricePerUnit` wei per `pixelsPerUnit` pixels, in wei, rounded up.
    public func cost(pricePerUnit: Int64, pixelsPerUnit: Int64) -> String {
        let units = max(1, pixelsPerUnit)
        return Wei.productCeiling(UInt64(max(0, pricePerUnit)), pixels ?? UInt64(units), over: UInt64(units))
    }
}
