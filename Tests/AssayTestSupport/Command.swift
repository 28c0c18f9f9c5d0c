import Foundation

/// Runs programs for end-to-end tests: the built `assay`, and the system's
/// `ssh-keygen` and `git` for cross-checks.
public struct CommandResult: Sendable {
    public let status: Int32
    public let stdout: String
    public let stderr: String
    public let stdoutBytes: [UInt8]
}

public enum Command {
    /// The build system's products directory: SwiftPM puts the test bundle
    /// (`AssayPackageTests.xctest`) beside the executables it builds, so the
    /// directory of the running test binary is where `assay` and `assay-verify` are.
    public static var productsDirectory: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
    }

    /// A product executable (`assay`, `assay-verify`, `assay-fuzz`) of this build; the test run fails
    /// with the path it looked at when the product is missing.
    public static func product(_ name: String) -> String {
        productsDirectory.appendingPathComponent(name).path
    }

    /// The `assay` executable built next to the test bundle.
    public static var assayPath: String { product("assay") }

    /// The auditor's `assay-verify` executable built next to the test bundle.
    public static var assayVerifyPath: String { product("assay-verify") }

    /// Whether `name` is on the PATH.
    public static func available(_ name: String) -> Bool {
        (try? run("/usr/bin/env", ["which", name]).status) == 0
    }

    /// Runs `executable` with `arguments`, feeding `input` on standard input.
    @discardableResult
    public static func run(_ executable: String, _ arguments: [String], input: [UInt8] = [],
                           directory: String? = nil, environment: [String: String] = [:]) throws -> CommandResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        let stdinPipe = Pipe(), stdoutPipe = Pipe(), stderrPipe = Pipe()
        process.standardInput = stdinPipe
        process.standardOutput = stdoutPipe
        process.standardError = stderrPipe
        try process.run()
        // Drain both pipes concurrently so a chatty child never blocks.
        let group = DispatchGroup()
        nonisolated(unsafe) var out = Data(), err = Data()
        group.enter()
        DispatchQueue.global().async { out = stdoutPipe.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        group.enter()
        DispatchQueue.global().async { err = stderrPipe.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        if !input.isEmpty { stdinPipe.fileHandleForWriting.write(Data(input)) }
        try stdinPipe.fileHandleForWriting.close()
        process.waitUntilExit()
        group.wait()
        return CommandResult(status: process.terminationStatus, stdout: String(decoding: out, as: UTF8.self),
                             stderr: String(decoding: err, as: UTF8.self), stdoutBytes: Array(out))
    }

    /// Runs the built `assay`.
    @discardableResult
    public static func assay(_ arguments: [String], input: [UInt8] = [], directory: String? = nil) throws -> CommandResult {
        try run(assayPath, arguments, input: input, directory: directory)
    }

    /// Runs a program found on the PATH.
    @discardableResult
    public static func system(_ name: String, _ arguments: [String], input: [UInt8] = [], directory: String? = nil,
                              environment: [String: String] = [:]) throws -> CommandResult {
        try run("/usr/bin/env", [name] + arguments, input: input, directory: directory, environment: environment)
    }
}

/// A fresh temporary directory, removed when the value is deinitialized.
public final class TemporaryDirectory {
    public let path: String

    public init() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("assay-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        path = base.path
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    public func file(_ name: String) -> String { "\(path)/\(name)" }

    public func write(_ name: String, _ text: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: file(name)))
    }

    public func write(_ name: String, bytes: [UInt8]) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: file(name)))
    }

    public func read(_ name: String) throws -> [UInt8] { Array(try Data(contentsOf: URL(fileURLWithPath: file(name)))) }
}
