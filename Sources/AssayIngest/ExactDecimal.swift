/// A non-negative decimal held exactly: `coefficient × 10^−scale`, the coefficient in base-10⁹ limbs
/// (least significant first). Enough arithmetic for what a session cost (spec/gateway-events.md §4.5):
/// parse, add, multiply, print in the one form a wei decimal has (spec/records.md §3.2).
struct ExactDecimal: Equatable {
    private static let base: UInt64 = 1_000_000_000

    private(set) var limbs: [UInt32]
    private(set) var scale: Int

    static let zero = ExactDecimal(limbs: [], scale: 0)

    private init(limbs: [UInt32], scale: Int) {
        self.limbs = limbs
        self.scale = scale
        trim()
    }

    init(_ value: Int64) {
        precondition(value >= 0)
        var limbs: [UInt32] = []
        var rest = UInt64(value)
        while rest > 0 {
            limbs.append(UInt32(rest % Self.base))
            rest /= Self.base
        }
        self.init(limbs: limbs, scale: 0)
    }

    /// Digits, optionally `.` and at most `maxScale` more digits (at most `maxDigits` digits in all); nil otherwise.
    init?(parsing text: Substring, maxScale: Int = 18, maxDigits: Int = 100) {
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let whole = parts.first, !whole.isEmpty else { return nil }
        let fraction = parts.count == 2 ? parts[1] : ""
        guard parts.count == 1 || !fraction.isEmpty, fraction.utf8.count <= maxScale,
              whole.utf8.count + fraction.utf8.count <= maxDigits,
              (whole + fraction).utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        let digits = Array((whole + fraction).utf8)
        var limbs: [UInt32] = []
        var end = digits.count
        while end > 0 {
            let start = max(0, end - 9)
            limbs.append(digits[start..<end].reduce(UInt32(0)) { $0 * 10 + UInt32($1 - 0x30) })
            end = start
        }
        self.init(limbs: limbs, scale: fraction.utf8.count)
    }

    private mutating func trim() {
        while limbs.last == 0 { limbs.removeLast() }
    }

    /// The coefficient multiplied by 10^`places` (the value unchanged when the scale grows by `places`).
    private func rescaled(by places: Int) -> ExactDecimal {
        var result = self
        for _ in 0..<places { result.limbs = Self.multiply(result.limbs, 10) }
        result.scale += places
        return result
    }

    private static func multiply(_ limbs: [UInt32], _ factor: UInt64) -> [UInt32] {
        var result: [UInt32] = []
        result.reserveCapacity(limbs.count + 1)
        var carry: UInt64 = 0
        for limb in limbs {
            let product = UInt64(limb) * factor + carry
            result.append(UInt32(product % base))
            carry = product / base
        }
        while carry > 0 {
            result.append(UInt32(carry % base))
            carry /= base
        }
        return result
    }

    static func + (lhs: ExactDecimal, rhs: ExactDecimal) -> ExactDecimal {
        let scale = max(lhs.scale, rhs.scale)
        let a = lhs.rescaled(by: scale - lhs.scale).limbs, b = rhs.rescaled(by: scale - rhs.scale).limbs
        var result: [UInt32] = []
        var carry: UInt64 = 0
        for index in 0..<max(a.count, b.count) {
            let sum = UInt64(index < a.count ? a[index] : 0) + UInt64(index < b.count ? b[index] : 0) + carry
            result.append(UInt32(sum % base))
            carry = sum / base
        }
        if carry > 0 { result.append(UInt32(carry)) }
        return ExactDecimal(limbs: result, scale: scale)
    }

    static func * (lhs: ExactDecimal, rhs: ExactDecimal) -> ExactDecimal {
        guard !lhs.limbs.isEmpty, !rhs.limbs.isEmpty else { return .zero }
        var result = [UInt64](repeating: 0, count: lhs.limbs.count + rhs.limbs.count + 1)
        for (i, a) in lhs.limbs.enumerated() {
            var carry: UInt64 = 0
            for (j, b) in rhs.limbs.enumerated() {
                let value = result[i + j] + UInt64(a) * UInt64(b) + carry
                result[i + j] = value % base
                carry = value / base
            }
            var k = i + rhs.limbs.count
            while carry > 0 {
                let value = result[k] + carry
                result[k] = value % base
                carry = value / base
                k += 1
            }
        }
        return ExactDecimal(limbs: result.map { UInt32($0) }, scale: lhs.scale + rhs.scale)
    }

    /// The decimal digits of the coefficient, most significant first ("0" for zero).
    private var coefficientDigits: [UInt8] {
        guard let top = limbs.last else { return [0x30] }
        var digits = Array(String(top).utf8)
        for limb in limbs.dropLast().reversed() {
            let text = Array(String(limb).utf8)
            digits += [UInt8](repeating: 0x30, count: 9 - text.count) + text
        }
        return digits
    }

    /// The one form of spec/records.md §3.2: no leading zeros, no trailing fraction zeros, no point without a fraction.
    var text: String {
        var digits = coefficientDigits
        if digits.count <= scale { digits = [UInt8](repeating: 0x30, count: scale - digits.count + 1) + digits }
        var whole = Array(digits[..<(digits.count - scale)])
        var fraction = Array(digits[(digits.count - scale)...])
        while fraction.last == 0x30 { fraction.removeLast() }
        while whole.count > 1 && whole.first == 0x30 { whole.removeFirst() }
        return String(decoding: fraction.isEmpty ? whole : whole + [0x2E] + fraction, as: UTF8.self)
    }

    /// Whether the value is a whole number.
    var isInteger: Bool { !text.utf8.contains(0x2E) }
}
