#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The byte-level record reader (spec/records.md §2.1): recognises a valid record in
/// canonical form in one forward pass over its bytes, without building a tree.
///
/// Canonical form makes this possible. A valid record's strings are printable ASCII
/// without spaces, quotes or backslashes (so never escaped), its numbers are
/// non-negative integers below 2⁵³ (so written as plain digits), its members are in
/// byte order (so a name follows the one before it), and nothing else appears but
/// `true`, `false`, arrays of strings and arrays of status-hour objects. A line
/// outside that grammar, or one that breaks a field's type, range or a rule, is
/// refused — and the caller asks the reference parser (`Record.parse`) why.
/// The two readers must agree on every input: `RecordReaderAgreementTests` and
/// the `record-readers` fuzz target check it.
enum RecordScanner {
    /// A byte string in `Literals.bytes`: the scanner's tables hold no reference-counted values, so reading
    /// them on the hot path costs no retain and release.
    struct Literal {
        let offset: Int32
        let count: Int32
    }

    /// Every byte string the tables name, once, for the life of the process.
    enum Literals {
        // Written once by the (thread-safe) static initializer, never after: safe to share.
        nonisolated(unsafe) static let (bytes, literals): (UnsafePointer<UInt8>, [String: Literal]) = {
            var all: [UInt8] = []
            var literals: [String: Literal] = [:]
            func add(_ text: String) {
                guard literals[text] == nil else { return }
                literals[text] = Literal(offset: Int32(all.count), count: Int32(text.utf8.count))
                all += text.utf8
            }
            for name in RecordField.names { add(name) }
            for kind in RecordKind.allCases { add(kind.rawValue) }
            for member in StatusHour.members { add(member.name) }
            for kind in RecordKind.allCases {
                for version in AssayVersion.recordSchemas {
                    for field in RecordSchema.fields(of: kind, version: version) {
                        if case .enumeration(let names) = field.type { names.forEach(add) }
                    }
                }
            }
            return (UnsafePointer(immortal(all).baseAddress!), literals)
        }()

        static func literal(_ text: String) -> Literal { literals[text]! }  // every caller names a string added above
    }

    /// A copy of `elements` that lives as long as the process (the scanner's static tables).
    static func immortal<T>(_ elements: [T]) -> UnsafeBufferPointer<T> {
        let buffer = UnsafeMutableBufferPointer<T>.allocate(capacity: max(1, elements.count))
        _ = buffer.initialize(from: elements)
        return UnsafeBufferPointer(rebasing: buffer[0..<elements.count])
    }

    /// A field check, resolved from `FieldType` once.
    enum Check {
        case schemaVersion, kind, identifier, ethAddress, url, boolean, weiAmount, weiDecimal, sha256
        case integer(lower: Int64, upper: Int64)
        /// `count` literals from `first` in `enumerations`.
        case enumeration(first: Int32, count: Int32)
        case identifierList(maxCount: Int)
        case statusHours(maxCount: Int)
    }

    struct Entry {
        let name: Literal
        let field: Int8
        let required: Bool
        let check: Check
    }

    struct Table {
        let entries: UnsafeBufferPointer<Entry>
        let requiredCount: Int
    }

    /// Per schema version (from 1) and kind (in `RecordKind.allCases` order): the fields in canonical order;
    /// and the allowed values of every enumeration field, each field's list contiguous.
    /// Written once by the (thread-safe) static initializer, never after: safe to share, as the next two.
    nonisolated(unsafe) static let (tables, enumerationLiterals): (UnsafeBufferPointer<Table>, UnsafeBufferPointer<Literal>) = {
        var enumerations: [Literal] = []
        func check(_ type: FieldType) -> Check {
            switch type {
            case .schemaVersion: return .schemaVersion
            case .kind: return .kind
            case .identifier: return .identifier
            case .ethAddress: return .ethAddress
            case .url: return .url
            case .timestampMs: return .integer(lower: RecordSchema.timestampRange.lowerBound, upper: RecordSchema.timestampRange.upperBound)
            case .integer(let range, _): return .integer(lower: range.lowerBound, upper: range.upperBound)
            case .boolean: return .boolean
            case .enumeration(let names):
                let first = Int32(enumerations.count)
                enumerations += names.map(Literals.literal)
                return .enumeration(first: first, count: Int32(names.count))
            case .weiAmount: return .weiAmount
            case .weiDecimal: return .weiDecimal
            case .sha256: return .sha256
            case .identifierList(let maxCount): return .identifierList(maxCount: maxCount)
            case .statusHours(let maxCount): return .statusHours(maxCount: maxCount)
            }
        }
        var tables: [Table] = []
        for version in AssayVersion.recordSchemas {
            for kind in RecordKind.allCases {
                let table = FieldTable.table(kind, version: version)
                let entries = table.fields.map {
                    Entry(name: Literals.literal($0.name), field: Int8(RecordField(known: $0.name).index), required: $0.required, check: check($0.type))
                }
                tables.append(Table(entries: immortal(entries), requiredCount: table.requiredCount))
            }
        }
        return (immortal(tables), immortal(enumerations))
    }()

    static func table(version: Int64, kind: Int) -> Table {
        tables[Int(version - AssayVersion.recordSchemas.lowerBound) * RecordKind.ordered.count + kind]
    }

    static let kindNames: [Literal] = RecordKind.allCases.map { Literals.literal($0.rawValue) }
    nonisolated(unsafe) static let statusHourNames: UnsafeBufferPointer<Literal> = immortal(StatusHour.members.map { Literals.literal($0.name) })
    nonisolated(unsafe) static let statusHourRanges: UnsafeBufferPointer<ClosedRange<Int64>> = immortal(StatusHour.members.map(\.range))

    static let quote = UInt8(ascii: "\""), colon = UInt8(ascii: ":"), comma = UInt8(ascii: ",")
    static let openBrace = UInt8(ascii: "{"), closeBrace = UInt8(ascii: "}")
    static let openBracket = UInt8(ascii: "["), closeBracket = UInt8(ascii: "]")

    @inline(__always) static func pack(_ start: Int, _ end: Int) -> Int64 { Int64(start) << 32 | Int64(end) }
    @inline(__always) static func start(_ packed: Int64) -> Int { Int(packed >> 32) }
    @inline(__always) static func end(_ packed: Int64) -> Int { Int(packed & 0xFFFF_FFFF) }

    /// The valid canonical record `input` is, or nil.
    static func scan(_ input: UnsafeRawBufferPointer) -> RecordView? {
        let n = input.count
        guard n >= 2, n <= JSONParser.Limits.record.maxBytes, let base = input.baseAddress else { return nil }
        let p = base.assumingMemoryBound(to: UInt8.self)
        guard p[0] == openBrace, p[n - 1] == closeBrace else { return nil }

        // 1. The members: names and values as byte ranges, names strictly increasing.
        var names = InlineArray<64, Int64>(repeating: 0)
        var values = InlineArray<64, Int64>(repeating: 0)
        var count = 0
        var i = 1
        var kindMember = -1, schemaMember = -1
        while true {
            guard count < 64, i < n, p[i] == quote, let nameEnd = stringEnd(p, from: i + 1, n) else { return nil }
            let nameStart = i + 1
            if count > 0 {
                let previous = names[count - 1]
                guard precedes(p, start(previous), end(previous), nameStart, nameEnd) else { return nil }
            }
            if equals(p, nameStart, nameEnd, "kind") { kindMember = count }
            if equals(p, nameStart, nameEnd, "schema") { schemaMember = count }
            i = nameEnd + 1
            guard i < n, p[i] == colon else { return nil }
            i += 1
            guard let valueEnd = valueEnd(p, from: i, n) else { return nil }
            names[count] = pack(nameStart, nameEnd)
            values[count] = pack(i, valueEnd)
            count += 1
            i = valueEnd
            guard i < n else { return nil }
            if p[i] == comma { i += 1; continue }
            guard p[i] == closeBrace, i == n - 1 else { return nil }
            break
        }

        // 2. The kind and the schema version choose the field table.
        guard kindMember >= 0, schemaMember >= 0 else { return nil }
        let kindValue = values[kindMember]
        guard p[start(kindValue)] == quote,
              let kindIndex = kindNames.firstIndex(where: { equals(p, start(kindValue) + 1, end(kindValue) - 1, $0) }),
              let version = integer(p, values[schemaMember]), AssayVersion.recordSchemas.contains(version)
        else { return nil }
        let kind = RecordKind.ordered[kindIndex]
        guard version >= kind.firstSchema else { return nil }
        let table = table(version: version, kind: kindIndex)

        // 3. Members and fields are both in canonical order: one merge pass checks them all.
        var slots = InlineArray<128, Int64>(repeating: 0)
        var present: UInt128 = 0
        var fieldIndex = 0
        var required = 0
        for member in 0..<count {
            let name = names[member]
            while fieldIndex < table.entries.count && !equals(p, start(name), end(name), table.entries[fieldIndex].name) {
                fieldIndex += 1
            }
            guard fieldIndex < table.entries.count else { return nil }
            let entry = table.entries[fieldIndex]
            guard let slot = check(p, values[member], entry.check) else { return nil }
            slots[Int(entry.field)] = slot
            present |= 1 << UInt128(entry.field)
            if entry.required { required += 1 }
            fieldIndex += 1
        }
        guard required == table.requiredCount else { return nil }
        let view = RecordView(bytes: input, kind: kind, schemaVersion: version, present: present, slots: slots)
        return rulesHold(view) ? view : nil
    }

    // MARK: - Tokens

    /// The index of the quote that closes a string whose characters start at `from`: every
    /// character printable ASCII other than space, quote and backslash; nil otherwise.
    @inline(__always)
    static func stringEnd(_ p: UnsafePointer<UInt8>, from: Int, _ n: Int) -> Int? {
        var i = from
        while i < n {
            let byte = p[i]
            if byte == quote { return i }
            guard byte > 0x20 && byte < 0x7F && byte != 0x5C else { return nil }
            i += 1
        }
        return nil
    }

    /// The end of a canonical non-negative integer at `from`: `0`, or a non-zero digit and at most 17 more.
    @inline(__always)
    static func integerEnd(_ p: UnsafePointer<UInt8>, from: Int, _ n: Int) -> Int? {
        guard from < n, isDigit(p[from]) else { return nil }
        if p[from] == UInt8(ascii: "0") { return from + 1 < n && isDigit(p[from + 1]) ? nil : from + 1 }
        var i = from + 1
        while i < n && isDigit(p[i]) { i += 1 }
        return i - from <= 18 ? i : nil
    }

    @inline(__always) static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    /// The end of one value at `from`: a string, an integer, `true`, `false`, or an array of strings or of
    /// objects whose members are integers. Anything else (null, fractions, negatives, nesting) is refused.
    static func valueEnd(_ p: UnsafePointer<UInt8>, from i: Int, _ n: Int) -> Int? {
        guard i < n else { return nil }
        switch p[i] {
        case quote:
            return stringEnd(p, from: i + 1, n).map { $0 + 1 }
        case UInt8(ascii: "t"):
            return i + 4 <= n && equals(p, i, i + 4, "true") ? i + 4 : nil
        case UInt8(ascii: "f"):
            return i + 5 <= n && equals(p, i, i + 5, "false") ? i + 5 : nil
        case openBracket:
            return arrayEnd(p, from: i, n)
        default:
            return integerEnd(p, from: i, n)
        }
    }

    /// The end of `[]`, `["a","b"]` or `[{"x":1},{"y":2}]`.
    static func arrayEnd(_ p: UnsafePointer<UInt8>, from: Int, _ n: Int) -> Int? {
        var i = from + 1
        guard i < n else { return nil }
        if p[i] == closeBracket { return i + 1 }
        let objects = p[i] == openBrace
        while true {
            if objects {
                guard i < n, p[i] == openBrace else { return nil }
                i += 1
                while true {
                    guard i < n, p[i] == quote, let nameEnd = stringEnd(p, from: i + 1, n), nameEnd + 1 < n, p[nameEnd + 1] == colon,
                          let valueEnd = integerEnd(p, from: nameEnd + 2, n), valueEnd < n
                    else { return nil }
                    i = valueEnd
                    if p[i] == comma { i += 1; continue }
                    guard p[i] == closeBrace else { return nil }
                    i += 1
                    break
                }
            } else {
                guard i < n, p[i] == quote, let stringEnd = stringEnd(p, from: i + 1, n) else { return nil }
                i = stringEnd + 1
            }
            guard i < n else { return nil }
            if p[i] == comma { i += 1; continue }
            return p[i] == closeBracket ? i + 1 : nil
        }
    }

    @inline(__always)
    static func equals(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int, _ literal: Literal) -> Bool {
        guard end - start == Int(literal.count) else { return false }
        return same(p + start, Literals.bytes + Int(literal.offset), Int(literal.count))
    }

    /// Whether `count` bytes at `a` and `b` are equal: a loop, not a call, for names of a few bytes.
    @inline(__always)
    static func same(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ count: Int) -> Bool {
        var i = 0
        while i < count {
            if a[i] != b[i] { return false }
            i += 1
        }
        return true
    }

    @inline(__always)
    static func equals(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int, _ literal: StaticString) -> Bool {
        end - start == literal.utf8CodeUnitCount && same(p + start, literal.utf8Start, literal.utf8CodeUnitCount)
    }

    /// Whether bytes [a, aEnd) come strictly before [b, bEnd) (ASCII: byte order is UTF-16 order).
    @inline(__always)
    static func precedes(_ p: UnsafePointer<UInt8>, _ a: Int, _ aEnd: Int, _ b: Int, _ bEnd: Int) -> Bool {
        let common = min(aEnd - a, bEnd - b)
        var i = 0
        while i < common {
            let x = p[a + i], y = p[b + i]
            if x != y { return x < y }
            i += 1
        }
        return aEnd - a < bEnd - b
    }

    /// The integer a value range holds, if it is one (at most 18 digits: no overflow).
    @inline(__always)
    static func integer(_ p: UnsafePointer<UInt8>, _ range: Int64) -> Int64? {
        integer(p, start(range), end(range))
    }

    @inline(__always)
    static func integer(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Int64? {
        guard isDigit(p[start]) else { return nil }
        var value: Int64 = 0
        for i in start..<end { value = value &* 10 &+ Int64(p[i] &- 0x30) }
        return value
    }

    // MARK: - Field checks (spec/records.md §3)

    /// The slot of a value that passes `check`, or nil.
    static func check(_ p: UnsafePointer<UInt8>, _ range: Int64, _ check: Check) -> Int64? {
        let first = start(range), last = end(range)
        // A string's characters, without the quotes.
        let text = p[first] == quote ? pack(first + 1, last - 1) : nil
        switch check {
        case .schemaVersion:
            return integer(p, range)
        case .kind:
            return text
        case .identifier:
            guard let text, case let length = end(text) - start(text), length >= 1 && length <= 256 else { return nil }
            return text
        case .ethAddress:
            guard let text, end(text) - start(text) == 42, p[start(text)] == UInt8(ascii: "0"), p[start(text) + 1] == UInt8(ascii: "x") else {
                return nil
            }
            for i in start(text) + 2..<end(text) where !Record.isLowerHex(p[i]) { return nil }
            return text
        case .url:
            guard let text else { return nil }
            let s = start(text), length = end(text) - s
            let prefix = length > 8 && equals(p, s, s + 8, "https://") ? 8 : length > 7 && equals(p, s, s + 7, "http://") ? 7 : 0
            guard prefix > 0, length <= 2048 else { return nil }
            for i in s + prefix..<end(text) where p[i] == UInt8(ascii: "<") || p[i] == UInt8(ascii: ">") { return nil }
            return text
        case .integer(let lower, let upper):
            guard let value = integer(p, range), value >= lower && value <= upper else { return nil }
            return value
        case .boolean:
            if p[first] == UInt8(ascii: "t") { return 1 }
            return p[first] == UInt8(ascii: "f") ? 0 : nil
        case .enumeration(let firstName, let names):
            guard let text else { return nil }
            for name in firstName..<firstName + names where equals(p, start(text), end(text), enumerationLiterals[Int(name)]) { return text }
            return nil
        case .sha256:
            guard let text, end(text) - start(text) == 64 else { return nil }
            for i in start(text)..<end(text) where !Record.isLowerHex(p[i]) { return nil }
            return text
        case .weiAmount:
            guard let text, case let length = end(text) - start(text), length >= 1 && length <= 78,
                  length == 1 || p[start(text)] != UInt8(ascii: "0") else { return nil }
            for i in start(text)..<end(text) where !isDigit(p[i]) { return nil }
            return text
        case .weiDecimal:
            guard let text, WeiDecimal.isValid(UnsafeBufferPointer(start: p + start(text), count: end(text) - start(text))) else { return nil }
            return text
        case .identifierList(let maxCount):
            guard p[first] == openBracket, last - first == 2 || p[first + 1] == quote else { return nil }
            var elements = 0
            var valid = true
            forEachString(p, range) { s, e in
                elements += 1
                if e - s < 1 || e - s > 256 { valid = false }
            }
            return valid && elements <= maxCount ? range : nil
        case .statusHours(let maxCount):
            guard p[first] == openBracket, last - first == 2 || p[first + 1] == openBrace else { return nil }
            var elements = 0
            let valid = forEachStatusHour(UnsafeRawBufferPointer(start: p + first, count: last - first)) { hour in
                elements += 1
                for member in 0..<7 where !statusHourRanges[member].contains(hour[member]) { return false }
                return true
            }
            return valid && elements <= maxCount ? range : nil
        }
    }

    /// Calls `body` with the [start, end) of each string of an array of strings.
    static func forEachString(_ p: UnsafePointer<UInt8>, _ range: Int64, _ body: (Int, Int) -> Void) {
        var i = start(range) + 1
        while i < end(range) - 1 {
            let close = stringEnd(p, from: i + 1, end(range))!  // the array was tokenized
            body(i + 1, close)
            i = close + 2
        }
    }

    /// Walks an array of objects (already tokenized) as status hours: each object must have exactly the
    /// members of `StatusHour.members`, in order; `body` returns false to stop. False when one does not.
    @discardableResult
    static func forEachStatusHour(_ text: UnsafeRawBufferPointer, _ body: (InlineArray<7, Int64>) -> Bool) -> Bool {
        let p = text.baseAddress!.assumingMemoryBound(to: UInt8.self)
        let n = text.count
        var i = 1
        while i < n - 1 {
            i += 1  // the object's {
            var values = InlineArray<7, Int64>(repeating: 0)
            for member in 0..<7 {
                guard p[i] == quote, let nameEnd = stringEnd(p, from: i + 1, n), equals(p, i + 1, nameEnd, statusHourNames[member]),
                      let valueEnd = integerEnd(p, from: nameEnd + 2, n), let value = integer(p, nameEnd + 2, valueEnd)
                else { return false }
                values[member] = value
                i = valueEnd + 1  // past , or }
                guard p[valueEnd] == (member == 6 ? closeBrace : comma) else { return false }
            }
            guard body(values) else { return false }
            i += 1  // past , or ]
        }
        return true
    }

    // MARK: - Rules (spec/records.md §5)

    /// Whether the cross-field rules hold (the fields' types and ranges hold already).
    static func rulesHold(_ view: RecordView) -> Bool {
        let start = view.integer(.startMs), end = view.integer(.endMs)
        if view.kind != .probe, let start, let end, end < start { return false }
        switch view.kind {
        case .liveSession:
            let first = view.integer(.firstOutputMs)
            if let first, let start, first < start { return false }
            if let first, let end, first > end { return false }
            guard let outcome = view.liveOutcome else { return false }
            if (outcome == .noOrchestrator) != !view.has(.orchestrator) { return false }
            switch outcome {
            case .completed, .zeroFPS: if first == nil { return false }
            case .noOrchestrator, .startupFailed, .loadingOnly, .noOutput: if first != nil { return false }
            case .swapped: break
            }
            if view.has(.errorCodes) && !stringsIncrease(view, .errorCodes).increase { return false }
            if view.schemaVersion >= 4 && !sessionCostRuleHolds(view) { return false }
            if view.schemaVersion >= 2 && !statusHoursRuleHolds(view) { return false }
        case .batchRequest, .llmRequest, .byocJob:
            if view.has(.pricePerUnitWei) != view.has(.pixelsPerUnit) { return false }
            if view.has(.costWei) != view.has(.tickets) { return false }  // only version-4 batch and LLM requests have them
        case .capabilitySnapshot:
            if view.has(.pricePerUnitWei) != view.has(.pixelsPerUnit) { return false }
            for field in [RecordField.gpuIDs, .gpuModels] where view.has(field) && !stringsIncrease(view, field).increase { return false }
        case .probe:
            if view.string(.outcome, is: "ok") && !view.has(.latencyMs) { return false }
        case .testJob:
            return testJobRulesHold(view)
        }
        return true
    }

    /// The rule `session-cost` (spec/records.md §5, version 4).
    static func sessionCostRuleHolds(_ view: RecordView) -> Bool {
        guard view.has(.advertisedPricePerUnitWei) == view.has(.advertisedPixelsPerUnit),
              view.has(.paidPricePerUnitWei) == view.has(.paidPixelsPerUnit), view.has(.costWei) == view.has(.tickets)
        else { return false }
        if !view.has(.ingestSamples) && RecordField.ingestQuality.contains(where: view.has) { return false }
        let expected = SessionCost.lossPPM(lost: view.integer(.ingestPacketsLost) ?? 0, received: view.integer(.ingestPacketsReceived) ?? 0)
        return view.integer(.ingestLossPPM) == expected
    }

    /// The rules `sent-in-attempt` and `test-job-outcome` (spec/records.md §5).
    static func testJobRulesHold(_ view: RecordView) -> Bool {
        let sent = view.integer(.sentMs)
        if let sent, let start = view.integer(.startMs), sent < start { return false }
        if let sent, let end = view.integer(.endMs), sent > end { return false }
        let skipped = view.string(.outcome, is: "skipped")
        guard skipped == view.has(.skipReason) else { return false }
        if skipped {
            return !(view.has(.sentMs) || view.has(.httpStatus) || view.has(.ttfbMs) || view.has(.latencyMs) || view.has(.outputFPSMilli)
                || view.has(.failedChecks))
        }
        guard sent != nil else { return false }
        if view.string(.outcome, is: "failed_check") {
            guard view.has(.failedChecks) else { return false }
            let (increase, count) = stringsIncrease(view, .failedChecks)
            return increase && count > 0
        }
        if view.has(.failedChecks) { return false }
        return !view.string(.outcome, is: "passed") || (view.has(.httpStatus) && view.has(.latencyMs))
    }

    /// Whether the strings of the array `field` (present) strictly increase in byte order, and how many there are.
    static func stringsIncrease(_ view: RecordView, _ field: RecordField) -> (increase: Bool, count: Int) {
        let p = view.bytes.baseAddress!.assumingMemoryBound(to: UInt8.self)
        var previous: (Int, Int)?
        var increase = true, count = 0
        forEachString(p, view.slots[field.index]) { s, e in
            if let (ps, pe) = previous, !precedes(p, ps, pe, s, e) { increase = false }
            previous = (s, e)
            count += 1
        }
        return (increase, count)
    }

    /// The rule `status-hours` (spec/records.md §5).
    static func statusHoursRuleHolds(_ view: RecordView) -> Bool {
        let samples = view.integer(.statusSamples) ?? 0
        guard let text = view.slice(.statusHours) else {
            return !(samples > 0 && view.string(.observerRole, is: "gateway"))
        }
        var previous: Int64 = .min
        var total: Int64 = 0
        let valid = forEachStatusHour(text) { (hour: InlineArray<7, Int64>) -> Bool in
            let (positive, start, latencySamples, latencySum, fpsSum, running, count) = (hour[0], hour[1], hour[2], hour[3], hour[4], hour[5], hour[6])
            guard start % 3_600_000 == 0, start > previous, positive <= count, latencySamples <= count, running <= count,
                  fpsSum <= count * 10_000_000, latencySum <= latencySamples * 86_400_000 else { return false }
            previous = start
            total += count
            return true
        }
        return valid && total == samples
    }
}
