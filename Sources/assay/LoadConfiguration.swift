import AssayCommandLine
import AssayConfiguration
import AssayCore
import Foundation

/// Reads a YAML configuration file and parses it, or fails with every error as FILE:LINE: reason.
func loadConfiguration<Value>(_ path: String, limit: Int = 1 << 20,
                              _ parse: (String, String) -> (Value?, [ConfigurationError])) throws -> Value {
    let text = String(decoding: try Files.read(path, limit: limit), as: UTF8.self)
    let (configuration, errors) = parse(text, (path as NSString).deletingLastPathComponent)
    guard let configuration else {
        throw Failure(message: errors.map { "\(path):\($0.line.map(String.init) ?? "-"): \($0.reason)" }.joined(separator: "\n"))
    }
    return configuration
}
