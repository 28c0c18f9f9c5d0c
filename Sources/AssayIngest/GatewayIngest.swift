import AssayCore

/// Reads go-livepeer events (JSON Lines, or a Kafka-UI export array) and
/// emits job records as entities close (spec/gateway-events.md), counting
/// what it could not use without ever stopping the stream.
public final class GatewayIngest {
    /// What was read and what came of it.
    public struct Summary: Sendable, Equatable {
        public var lines = 0
        /// Malformed events by reason: (count, first line).
        public var malformed: [String: (count: Int, firstLine: Int)] = [:]
        /// Unknown event types: (count, first line).
        public var unknownTypes: [String: (count: Int, firstLine: Int)] = [:]
        public var sessionizer = GatewaySessionizer.Report()

        public static func == (lhs: Summary, rhs: Summary) -> Bool {
            lhs.lines == rhs.lines && lhs.sessionizer == rhs.sessionizer
                && lhs.malformed.mapValues { [$0.count, $0.firstLine] } == rhs.malformed.mapValues { [$0.count, $0.firstLine] }
                && lhs.unknownTypes.mapValues { [$0.count, $0.firstLine] } == rhs.unknownTypes.mapValues { [$0.count, $0.firstLine] }
        }
    }

    public let sessionizer: GatewaySessionizer
    public private(set) var summary = Summary()
    private let parser = JSONParser(limits: .init(maxDepth: 32, maxBytes: 4 << 20))

    public init(options: GatewaySessionizer.Options) {
        sessionizer = GatewaySessionizer(options: options)
    }

    /// Feeds one input line (one Kafka message value); returns records of entities now closed.
    /// With `offset`, entity offsets are tracked; `skip` drops events of entities already closed before a restart.
    public func add(line bytes: UnsafeRawBufferPointer, number: Int, offset: Int64? = nil,
                    skip: ((String) -> Bool)? = nil) -> [Record] {
        summary.lines += 1
        var slice = bytes
        while let last = slice.last, last == 0x0D || last == 0x20 { slice = UnsafeRawBufferPointer(rebasing: slice.dropLast()) }
        guard !slice.isEmpty else { return [] }
        let value: JSONValue
        do { value = try parser.parse(slice) } catch {
            malformed("not JSON", line: number)
            return []
        }
        return add(value: value, number: number, offset: offset, skip: skip)
    }

    /// Feeds one parsed message (also the elements of a Kafka-UI export).
    public func add(value: JSONValue, number: Int, offset: Int64? = nil, skip: ((String) -> Bool)? = nil) -> [Record] {
        var message = value
        if let wrapped = value["value"] {
            // Kafka-UI export: the event is under "value", as an object or a JSON string.
            if case .string(let text) = wrapped {
                guard let parsed = try? parser.parse(text) else {
                    malformed("not JSON", line: number)
                    return []
                }
                message = parsed
            } else {
                message = wrapped
            }
        }
        let event: GatewayEvent
        do { event = try GatewayEvent(message) } catch {
            malformed(error.reason, line: number)
            return []
        }
        guard GatewaySessionizer.uses(event.type) else {
            let entry = summary.unknownTypes[event.type] ?? (0, number)
            summary.unknownTypes[event.type] = (entry.count + 1, entry.firstLine)
            return []
        }
        if let skip, let key = GatewaySessionizer.entityKey(event), skip(key) { return [] }
        let records = sessionizer.add(event, offset: offset)
        summary.sessionizer = sessionizer.report
        return records
    }

    /// Closes the entities that a clock says are over (`GatewaySessionizer.advance(clockMs:)`).
    public func advance(clockMs: Int64) -> [Record] {
        let records = sessionizer.advance(clockMs: clockMs)
        summary.sessionizer = sessionizer.report
        return records
    }

    /// Closes every open entity (end of input).
    public func finish() -> [Record] {
        let records = sessionizer.finish()
        summary.sessionizer = sessionizer.report
        return records
    }

    /// Reads a whole input from `reader`: JSON Lines, or a Kafka-UI JSON array
    /// when the first byte is `[`. `emit` receives records as they close.
    public func run(_ reader: LineReader, emit: ([Record]) -> Void) throws(FileError) {
        var arrayText: [UInt8]? = nil
        do {
            try reader.forEachLine { (number, line) throws(Never) in
                switch line {
                case .tooLong:
                    summary.lines += 1
                    malformed("line too long", line: number)
                case .bytes(let bytes):
                    if arrayText != nil {
                        arrayText! += bytes
                        arrayText!.append(0x0A)
                        return
                    }
                    if number == 1, bytes.first(where: { $0 != 0x20 && $0 != 0x09 }) == UInt8(ascii: "[") {
                        arrayText = Array(bytes) + [0x0A]
                        return
                    }
                    emit(add(line: bytes, number: number))
                }
            }
        } catch {
            if case .io(let fileError) = error { throw fileError }
        }
        if let arrayText {
            let array: JSONValue
            do { array = try JSONParser(limits: .init(maxDepth: 64, maxBytes: 1 << 30)).parse(arrayText) } catch {
                malformed("not JSON", line: 1)
                emit(finish())
                return
            }
            for (index, element) in array.arrayValue.enumerated() {
                summary.lines += 1
                emit(add(value: element, number: index + 1))
            }
        }
        emit(finish())
    }

    func malformed(_ reason: String, line: Int) {
        let entry = summary.malformed[reason] ?? (0, line)
        summary.malformed[reason] = (entry.count + 1, entry.firstLine)
    }
}
