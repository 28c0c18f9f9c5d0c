import AssayCore
import AssayTestSupport
import Testing

/// `assay ingest`: the command around the go-livepeer mapping (the mapping itself is tested in AssayIngestTests).
@Suite("assay ingest")
struct IngestCommandTests {
    @Test("assay ingest reads JSON Lines and a Kafka-UI export alike", .enabled(if: Shared.isAvailable, Shared.skipReason))
    func command() throws {
        let directory = try TemporaryDirectory()
        let lines = try Fixtures.gatewayEventLines()
        let plain = try Command.assay(["ingest", "--format", "go-livepeer", "--observer", "gw-test", "-"],
                                      input: Array((lines.joined(separator: "\n") + "\n").utf8))
        #expect(plain.status == 0)
        #expect(plain.stdout.split(separator: "\n").count == 6)  // 4 live sessions, 2 capability snapshots
        #expect(plain.stderr.contains("100 events read"))
        let export = "[\n" + lines.enumerated().map { index, line in
            index % 2 == 0 ? #"{"partition":0,"offset":\#(index),"value":\#(line)}"#
                           : #"{"partition":0,"offset":\#(index),"value":\#(try! CanonicalJSON.string(.string(line)))}"#
        }.joined(separator: ",\n") + "\n]\n"
        try directory.write("export.json", export)
        let fromExport = try Command.assay(["ingest", "--format", "go-livepeer", "--observer", "gw-test", "--output",
                                            directory.file("out.jsonl"), directory.file("export.json")])
        #expect(fromExport.status == 0, "\(fromExport.stderr)")
        #expect(String(decoding: try directory.read("out.jsonl"), as: UTF8.self) == plain.stdout)
        // Every record passes the record schema.
        let canonical = try Command.assay(["canonicalize", directory.file("out.jsonl")])
        #expect(canonical.status == 0)
    }
}
