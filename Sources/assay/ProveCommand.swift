import ArgumentParser
import AssayCore
import AssayLedger
import Foundation

struct ProveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prove",
        abstract: "Print the inclusion proof of one record in a bundle.",
        discussion: """
            Finds the record with JOB-ID in the bundle's records.jsonl and prints, as canonical JSON, \
            the record, its leaf index and the RFC 9162 audit path to the manifest's Merkle root \
            (spec/dataset.md §8.3). The proof names the dataset, collector, day and manifest; \
            'assay verify --proof' checks it against that bundle and its signatures.

            With --tlog-proof, prints instead a c2sp.org/tlog-proof file that needs no dataset: it reaches \
            from the record through its manifest's log entry to a checkpoint signed by the operators and \
            cosigned by the witnesses, and carries the manifest, its signatures and the policy versions, \
            so it is checked with the pinned genesis hash alone (spec/log.md §10).

            Examples:
              assay prove ./dataset/bundles/gw-a/2026/01/09 stream-374e1e-mk6xofol/1 > proof.json
              assay verify --proof proof.json ./dataset
              assay prove ./dataset/bundles/gw-a/2026/01/09 stream-374e1e-mk6xofol/1 --tlog-proof > record.tlog-proof
              assay verify --proof record.tlog-proof --trust GENESIS-HASH
            """)

    @Flag(help: "Print a self-contained c2sp.org/tlog-proof file (spec/log.md §10) instead of the JSON proof.")
    var tlogProof = false

    @Argument(help: "The bundle directory (DATASET/bundles/COLLECTOR/YYYY/MM/DD).")
    var bundle: String

    @Argument(help: "The record's id.")
    var jobID: String

    @Option(help: "The record's observer_id, when several observers used the id.")
    var observer: String?

    func run() throws {
        let components = bundle.split(separator: "/").map(String.init)
        guard components.count >= 5, components[components.count - 5] == DatasetDirectory.bundlesName,
              let day = UTCDay("\(components[components.count - 3])-\(components[components.count - 2])-\(components[components.count - 1])")
        else { throw ValidationError("'\(bundle)' is not a bundle directory .../bundles/COLLECTOR/YYYY/MM/DD") }
        let collector = components[components.count - 4]
        let root = (bundle.hasPrefix("/") ? "/" : "") + components.dropLast(5).joined(separator: "/")
        let directory = DatasetDirectory(root.isEmpty ? "." : root)
        if tlogProof {
            let proof = try TransparentRecordProof.make(directory: directory, collector: collector, day: day, id: jobID, observer: observer)
            FileHandle.standardOutput.write(Data(proof.bytes))
            return
        }
        let proof = try RecordProof.make(directory: directory, collector: collector, day: day, id: jobID, observer: observer)
        print(try CanonicalJSON.string(proof.jsonValue))
    }
}
