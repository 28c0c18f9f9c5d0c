import ArgumentParser
import AssayCore
import Foundation
import Logging
import Synchronization

/// The daemons' log format: `text`, one line per event
/// (`2026-11-29T15:09:20.123Z notice assay.collect: sealed day=2026-11-28 records=812`),
/// or `json`, one canonical JSON object per line (`{"label","level","message","metadata","time"}`).
/// Metadata keys are sorted, so lines compare and grep the same way every time.
enum LogFormat: String, ExpressibleByArgument, CaseIterable, Sendable {
    case text, json
}

/// A swift-log handler writing one line per message to standard error.
struct LineLogHandler: LogHandler {
    let label: String
    let format: LogFormat
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    static let once = Mutex(false)

    /// Installs the handler for the whole process (once; later calls do nothing).
    static func bootstrap(format: LogFormat) {
        let first = once.withLock { done -> Bool in
            defer { done = true }
            return !done
        }
        guard first else { return }
        LoggingSystem.bootstrap { LineLogHandler(label: $0, format: format) }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let level = event.level, message = event.message
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { $1 } }
        let time = UTCTime.iso8601(milliseconds: Int64(Date().timeIntervalSince1970 * 1000))
        let keys = merged.keys.sorted()
        let line: String
        switch format {
        case .text:
            let fields = keys.map { key in
                let value = "\(merged[key]!)"
                return value.contains(" ") || value.isEmpty ? "\(key)=\"\(value.replacingOccurrences(of: "\"", with: "'"))\"" : "\(key)=\(value)"
            }
            line = ([time, level.rawValue, "\(label): \(message)"] + fields).joined(separator: " ")
        case .json:
            let object = JSONValue.object([
                .init("label", .string(label)), .init("level", .string(level.rawValue)), .init("message", .string("\(message)")),
                .init("metadata", .object(keys.map { .init($0, .string("\(merged[$0]!)")) })), .init("time", .string(time)),
            ])
            // Strings and objects of strings always encode; the fallback only keeps the line count right.
            line = (try? CanonicalJSON.encode(object)).map { String(decoding: $0, as: UTF8.self) } ?? #"{"message":"unencodable log line"}"#
        }
        let bytes = Array((line + "\n").utf8)
        _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    }
}
