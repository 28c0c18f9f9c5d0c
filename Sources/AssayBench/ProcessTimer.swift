import AssayCore
import Foundation

/// One run of a program as a whole process, measured for that process alone (`wait4`): its exit
/// status, wall time, CPU time (user + system, its children included when it waits for them) and
/// peak resident memory. Standard output goes to a file the caller names (or nowhere); standard
/// error is kept for the message of a failed run.
public struct ProcessRun: Sendable {
    public let status: Int32
    public let wallSeconds: Double
    public let cpuSeconds: Double
    public let peakResidentBytes: Int
    /// False when the peak is an upper bound (no GNU time: it includes the benchmark's own memory).
    public let peakIsExact: Bool
    public let standardError: String
}

public enum ProcessTimer {
    /// GNU time, when installed (Debian's `time` package).
    static let gnuTime = "/usr/bin/time"

    /// Runs `executable` (looked up on PATH when it has no slash) with `arguments`.
    ///
    /// Peak memory needs care: a process started with `posix_spawn` (vfork) or `fork` inherits its
    /// parent's peak RSS, which the kernel keeps across `exec`, so `wait4` would report at least
    /// this benchmark's own memory. The program therefore runs under GNU time, which forks it from
    /// a process of ~2 MiB and reports its `ru_maxrss`; CPU time is the program's user + system
    /// time. Without GNU time, `wait4`'s figures are used and the peak is marked as an upper bound.
    public static func run(_ executable: String, _ arguments: [String], standardOutput: String = "/dev/null") throws -> ProcessRun {
        let scratch = "\(NSTemporaryDirectory())/assay-bench-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
        let errorPath = scratch + ".stderr", timePath = scratch + ".time"
        defer {
            unlink(errorPath)
            unlink(timePath)
        }
        let viaTime = access(gnuTime, X_OK) == 0
        let command = viaTime ? [gnuTime, "-f", "%U %S %M", "-o", timePath, executable] + arguments : [executable] + arguments
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, standardOutput, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, errorPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let argv: [UnsafeMutablePointer<CChar>?] = command.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid = pid_t()
        let started = monotonicSeconds()
        let spawned = posix_spawnp(&pid, command[0], &actions, nil, argv, environ)
        guard spawned == 0 else { throw BenchError(message: "cannot start \(command[0]): \(String(cString: strerror(spawned)))") }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 {
            guard errno == EINTR else { throw BenchError(message: "waiting for \(executable): \(String(cString: strerror(errno)))") }
        }
        let wall = monotonicSeconds() - started
        // The exit status, or 128 + the signal that ended it (as a shell reports it).
        let exit = status & 0x7F == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        let message = (try? Files.read(errorPath, limit: 1 << 20)).map { String(decoding: $0, as: UTF8.self) } ?? ""
        var cpu = Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6 + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
        var peak = usage.ru_maxrss * 1024
        var exact = false
        if viaTime, let text = try? Files.read(timePath, limit: 4096) {
            // GNU time writes "Command exited with non-zero status N" first when it did; the figures are the last line.
            let fields = String(decoding: text, as: UTF8.self).split(separator: "\n").last?.split(separator: " ") ?? []
            if fields.count == 3, let user = Double(fields[0]), let system = Double(fields[1]), let kib = Int(fields[2]) {
                cpu = user + system
                peak = kib * 1024
                exact = true
            }
        }
        return ProcessRun(status: exit, wallSeconds: wall, cpuSeconds: cpu, peakResidentBytes: peak, peakIsExact: exact, standardError: message)
    }
}

extension ProcessTimer {
    /// The user + system CPU seconds a running process has used so far (Linux: /proc/PID/stat
    /// fields 14 and 15, in clock ticks); nil when it cannot be read.
    public static func cpuSeconds(ofProcess pid: Int32) -> Double? {
        guard let bytes = try? Files.read("/proc/\(pid)/stat", limit: 4096) else { return nil }
        let text = String(decoding: bytes, as: UTF8.self)
        // The command name (field 2) is in parentheses and may hold spaces: count fields after the last ')'.
        guard let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        // After ')': field 3 is fields[0], so utime (14) and stime (15) are fields[11] and fields[12].
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        return ticks > 0 ? (user + system) / ticks : nil
    }
}

/// The same measurement taken several times: its median and range.
public struct Spread: Sendable {
    public let median: Double
    public let minimum: Double
    public let maximum: Double

    public init(_ values: [Double]) {
        let sorted = values.sorted()
        minimum = sorted.first ?? 0
        maximum = sorted.last ?? 0
        let middle = sorted.count / 2
        median = sorted.isEmpty ? 0 : sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    /// `median (min–max)` with `digits` decimals, scaled by `scale`.
    public func text(_ digits: Int, scale: Double = 1) -> String {
        func fixed(_ value: Double) -> String { String(format: "%.\(digits)f", locale: nil, value * scale) }
        return "\(fixed(median)) (\(fixed(minimum))–\(fixed(maximum)))"
    }
}

/// Two programs timed as whole processes in alternating runs (A B A B …), so that a machine that
/// warms up or slows down affects both alike; each side's wall time, CPU time and peak memory are
/// reported as median and range, and the ratios from the medians.
public struct ProcessComparison: Sendable {
    public struct Side: Sendable {
        public let name: String
        public let runs: [ProcessRun]
        public var wall: Spread { Spread(runs.map(\.wallSeconds)) }
        public var cpu: Spread { Spread(runs.map(\.cpuSeconds)) }
        public var peakResident: Spread { Spread(runs.map { Double($0.peakResidentBytes) }) }
    }

    public let a: Side
    public let b: Side

    /// Runs `a` then `b`, `runs` times; a failed run of either stops the comparison with its message.
    public static func alternate(runs: Int, _ a: (name: String, run: () throws -> ProcessRun),
                                 _ b: (name: String, run: () throws -> ProcessRun)) throws -> ProcessComparison {
        var first: [ProcessRun] = [], second: [ProcessRun] = []
        for _ in 0..<max(runs, 1) {
            for (name, run, into) in [(a.name, a.run, 0), (b.name, b.run, 1)] {
                let result = try run()
                guard result.status == 0 else {
                    throw BenchError(message: "\(name) exited with status \(result.status): \(result.standardError.suffix(2000))")
                }
                if into == 0 { first.append(result) } else { second.append(result) }
            }
        }
        return ProcessComparison(a: Side(name: a.name, runs: first), b: Side(name: b.name, runs: second))
    }

    /// The lines a benchmark prints: each side's wall, CPU and peak RSS, then A / B of the medians.
    public var lines: [String] {
        func line(_ side: Side) -> String {
            "\(side.name.padding(toLength: 24, withPad: " ", startingAt: 0)) wall s \(side.wall.text(3))  CPU s \(side.cpu.text(3))  "
                + "peak RSS MiB \(side.runs.allSatisfy(\.peakIsExact) ? "" : "≤ ")\(side.peakResident.text(1, scale: 1.0 / 1_048_576))"
        }
        func ratio(_ x: Double, _ y: Double) -> String { y > 0 ? String(format: "%.2f", locale: nil, x / y) + "x" : "-" }
        return [line(a), line(b),
                "\(a.name) / \(b.name): wall \(ratio(a.wall.median, b.wall.median)), CPU \(ratio(a.cpu.median, b.cpu.median)), "
                    + "peak RSS \(ratio(a.peakResident.median, b.peakResident.median)) (medians of \(a.runs.count) alternating runs)"]
    }
}
