import AssayCore
import AssayCrypto
import AssayProbe
import Foundation

/// The job tester's publications in a dataset (spec/probe.md §7): scenario documents and input files named by their
/// SHA-256 under `probes/`, and each day's commitment, a logged document.
extension DatasetDirectory {
    public static let probesName = "probes"
    public static let scenariosName = "scenarios"
    public static let inputsName = "inputs"
    public static let commitmentsName = "commitments"
    /// The largest input file a scenario may name (spec/probe.md §2.3).
    public static let probeInputLimit = 104_857_600

    /// `probes/scenarios/<H>.json`.
    public static func scenarioDocumentPath(_ sha256: String) -> String { "\(probesName)/\(scenariosName)/\(sha256).json" }
    /// `probes/inputs/<H>`.
    public static func probeInputPath(_ sha256: String) -> String { "\(probesName)/\(inputsName)/\(sha256)" }

    /// The days with a commitment of each collector, in order (well-formed names only, links never followed).
    public func commitmentDays() throws(FileError) -> [(collector: String, day: UTCDay)] {
        let base = "\(root)/\(Self.probesName)/\(Self.commitmentsName)"
        guard Files.kind(base) == .directory else { return [] }
        return try Self.dayDirectories(base, fileSuffix: ".json")
    }

    /// Writes a scenario document and its input files under `probes/` where they are not yet (spec/probe.md §7): each
    /// file is named by its SHA-256, so one already there is the same file. Written before the bundle that names them.
    public func publishScenarios(_ document: ScenarioDocument, inputs: [String: [UInt8]]) throws(LedgerError) {
        var files: [(String, [UInt8])] = [(Self.scenarioDocumentPath(MessageDigest.sha256(document.bytes).hex), document.bytes)]
        for hash in document.inputFiles.map(\.sha256) {
            guard let bytes = inputs[hash], MessageDigest.sha256(bytes).hex == hash else {
                throw LedgerError(.notFound, "the input file \(hash) the scenarios name is not among the tester's inputs")
            }
            files.append((Self.probeInputPath(hash), bytes))
        }
        for (relative, bytes) in files where Files.kind("\(root)/\(relative)") == nil {
            try Self.writeNew("\(root)/\(relative)", bytes, relative: relative)
        }
    }

    /// Writes the commitment document of `commitment.day` (spec/probe.md §7.2) unless the same one is there; a different
    /// one there is an error (a day has one seed). Returns its path when it was written. It becomes a log entry at the
    /// next append.
    @discardableResult
    public func writeCommitment(_ commitment: ProbeCommitment) throws(LedgerError) -> String? {
        let relative = ProbeCommitment.relativePath(collector: commitment.collector, day: commitment.day)
        let path = "\(root)/\(relative)", bytes = commitment.bytes()
        if Files.kind(path) != nil {
            let existing: [UInt8]
            do { existing = try Files.readRegular(path, limit: ProbeCommitment.maxBytes) } catch { throw LedgerError(.io, "\(relative): \(error)") }
            guard existing == bytes else { throw LedgerError(.alreadyExists, "\(relative) already commits to another seed; a day has one seed") }
            return nil
        }
        try Self.writeNew(path, bytes, relative: relative)
        return relative
    }

    /// Writes a file atomically, creating its directories.
    static func writeNew(_ path: String, _ bytes: [UInt8], relative: String) throws(LedgerError) {
        do {
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        } catch { throw LedgerError(.io, "creating the directory of \(relative): \(error)") }
        do { try Files.writeAtomically(path, contents: bytes) } catch { throw LedgerError(.io, "writing \(relative): \(error)") }
    }
}
