import ArgumentParser
import AssayCommandLine
import AssayCore
import AssayIngest

struct IngestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Turn go-livepeer gateway events into job records.",
        discussion: """
            Reads the events a go-livepeer gateway publishes to Kafka (JSON Lines, one message per \
            line, or a Kafka-UI export: a JSON array with each event under "value") and writes job \
            records in canonical JSON Lines: one live_session record per stream attempt and \
            orchestrator (with what the gateway paid it, from create_new_payment and \
            create_signed_ticket, and how clean the input was, from stream_ingest_metrics), \
            batch_request, llm_request and byoc_job records per request, and a capability_snapshot \
            per orchestrator, pipeline and model each hour (network_capabilities). Sessions close \
            on their closing event plus the idle timeout, or at the end of the input, so a lost \
            closing event neither leaks memory nor loses the session. Malformed events and unknown \
            types are counted and reported, never fatal. The mapping is normative: \
            spec/gateway-events.md.

            Examples:
              assay ingest --format go-livepeer --observer gw-eu-1 events.jsonl > records.jsonl
              kcat -C -b BROKER -t livepeer-events -u | assay ingest --format go-livepeer --observer gw-eu-1 - \\
                  --output staged.jsonl
            """)

    enum Format: String, ExpressibleByArgument { case goLivepeer = "go-livepeer" }

    @Option(help: "The input format (go-livepeer).")
    var format: Format

    @Option(help: "The observer_id written in every record (this gateway's id).")
    var observer: String

    @Option(help: "A region label written in every record.")
    var region: String?

    @Option(help: "Close an entity this long after its last event (ms, or with s/m suffix).")
    var idleTimeout: String = "120s"

    @Option(help: "Append records to this file instead of standard output.")
    var output: String?

    @Argument(help: "An events file, or '-' for standard input.")
    var file: String = "-"

    func validate() throws {
        guard !observer.isEmpty, observer.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != 0x22 && $0 != 0x5C }) else {
            throw ValidationError("--observer must be printable ASCII without spaces, quotes or backslashes")
        }
        guard Self.milliseconds(idleTimeout) != nil else { throw ValidationError("--idle-timeout must look like 120s, 2m or 90000") }
    }

    static func milliseconds(_ text: String) -> Int64? {
        if text.hasSuffix("ms") { return Int64(text.dropLast(2)) }
        if text.hasSuffix("s") { return Int64(text.dropLast()).map { $0 * 1000 } }
        if text.hasSuffix("m") { return Int64(text.dropLast()).map { $0 * 60_000 } }
        return Int64(text)
    }

    func run() throws {
        let ingest = GatewayIngest(options: .init(observerID: observer, region: region, idleTimeoutMs: Self.milliseconds(idleTimeout)!))
        let writer: BufferedWriter
        if let output {
            let fd = open(output, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw FileError(path: output, operation: "open", errno: errno) }
            writer = BufferedWriter(descriptor: fd)
        } else {
            writer = BufferedWriter()
        }
        let progress = ProgressLine(enabled: Diagnostics.isTerminal)
        var written = 0
        try ingest.run(try LineReader(path: file, maxLineBytes: 4 << 20)) { records in
            for record in records {
                writer.write(record.canonicalBytes())
                writer.write(CollectionOfOne(0x0A))
            }
            written += records.count
            if !records.isEmpty { writer.flush() }
            progress.update("\(ingest.summary.lines) events read, \(written) records written, \(ingest.sessionizer.openEntities) open")
        }
        writer.flush()
        progress.finish()
        let summary = ingest.summary
        var lines = ["\(summary.lines) events read, \(summary.sessionizer.duplicates) duplicates; records: "
            + (summary.sessionizer.recordsByKind.isEmpty ? "none"
               : summary.sessionizer.recordsByKind.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))]
        for (reason, entry) in summary.malformed.sorted(by: { $0.key < $1.key }) {
            lines.append("malformed: \(entry.count) × \(reason) (first at \(file == "-" ? "<stdin>" : file):\(entry.firstLine))")
        }
        for (type, entry) in summary.unknownTypes.sorted(by: { $0.key < $1.key }) {
            lines.append("unknown type: \(entry.count) × \(type) (first at line \(entry.firstLine))")
        }
        for (reason, count) in summary.sessionizer.dropped.sorted(by: { $0.key < $1.key }) {
            lines.append("not recorded: \(count) × \(reason)")
        }
        for line in lines { Diagnostics.print(line) }
    }
}

#if canImport(Glibc)
import Glibc
#endif
