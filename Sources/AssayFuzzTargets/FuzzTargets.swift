import AssayConfiguration
import AssayCore
import AssayCrypto
import AssayIngest
import AssayLedger
import AssayProbe
import AssayZstd
import Foundation

/// The fuzz targets (Tests/fuzz/README.md): every parser that reads bytes an outsider
/// controls, each with the properties it must keep on any input. A target
/// returns normally when the input was handled (accepted or refused with an
/// error value) and throws `FuzzViolation` when a property broke; a crash, a
/// hang or a sanitizer report is a failure by itself. libFuzzer drives them
/// through `assay-fuzz`; the test suite replays the seeds and every input that
/// once failed (Tests/fuzz/regressions).
public enum FuzzTarget: String, CaseIterable, Sendable {
    /// Record parsing and validation; a valid record's canonical form parses to the same canonical form.
    case record
    /// The two record readers (spec/records.md §2.1): the byte-level reader accepts exactly the canonical
    /// records the reference parser accepts, and both give the same fields.
    case recordReaders = "record-readers"
    /// The JSON parser and the RFC 8785 encoder: encode ∘ parse ∘ encode = encode.
    case jcs
    /// OpenSSH public keys (line and wire blob) and private key files; a parsed public key round-trips.
    case sshKey = "ssh-key"
    /// SSHSIG signatures (armored and blob); parsing and verifying never trap.
    case sshsig
    /// allowed_signers files.
    case allowedSigners = "allowed-signers"
    /// The JSON documents: manifest, descriptor, policy, record proof, verify state; a manifest round-trips.
    case documents
    /// Bundle verification of the vector dataset with one file replaced by the input.
    case bundle
    /// Whole hostile dataset trees (links, FIFOs, devices, hostile names and numbers), fully verified.
    case tree
    /// go-livepeer gateway events (JSON Lines) through the ingest and the sessionizer.
    case events
    /// An exporter's /v1/records answer as the collector reads it.
    case page
    /// The collector's and the exporter's YAML configurations.
    case config
    /// The C2SP formats of spec/log.md: signed notes, checkpoints, vkeys, witness policies and record
    /// tlog-proofs; a parsed note, checkpoint or proof round-trips.
    case log
    /// The job tester's formats (spec/probe.md): scenario documents (published and YAML input form), plan inputs,
    /// reveals and commitments.
    case probe
    /// Zstandard streams, the stored form of large dataset files (spec/dataset.md §4.7): decompressing within limits
    /// never traps or runs past them, and decoded content compressed again decodes to itself.
    case zstd

    /// Runs the target on one input.
    public func run(_ data: UnsafeRawBufferPointer) throws(FuzzViolation) {
        switch self {
        case .record: try Self.record(data)
        case .recordReaders: try Self.recordReaders(data)
        case .jcs: try Self.jcs(data)
        case .sshKey: try Self.sshKey(data)
        case .sshsig: Self.sshsig(data)
        case .allowedSigners: try Self.allowedSigners(data)
        case .documents: try Self.documents(data)
        case .bundle: try Self.bundle(data)
        case .tree: try Self.tree(data)
        case .events: try Self.events(data)
        case .page: try Self.page(data)
        case .config: try Self.config(data)
        case .log: try Self.log(data)
        case .probe: try Self.probe(data)
        case .zstd: try Self.zstd(data)
        }
    }

    public func run(_ bytes: [UInt8]) throws(FuzzViolation) {
        var failure: FuzzViolation?
        bytes.withUnsafeBytes { buffer in
            do throws(FuzzViolation) { try run(buffer) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    // MARK: - Targets

    static func zstd(_ data: UnsafeRawBufferPointer) throws(FuzzViolation) {
        let limit = 1 << 20
        guard let content = try? Zstd.decompress(Array(data), limit: limit) else { return }  // refused: what a verifier reports
        guard content.count <= limit else { throw FuzzViolation("decompression ran past its limit: \(content.count) bytes", input: Array(data)) }
        let back = try? Zstd.decompress(Zstd.compress(content, level: 1), limit: limit)
        guard back == content else { throw FuzzViolation("decoded content compressed again does not decode to itself", input: Array(data)) }
    }

    static func record(_ data: UnsafeRawBufferPointer) throws(FuzzViolation) {
        guard let record = try? Record.parse(data) else { return }
        let canonical = record.canonicalBytes()
        let again: Record
        do { again = try Record.parse(canonical) } catch {
            throw FuzzViolation("a valid record's canonical form does not parse: \(error)", input: canonical)
        }
        guard again.canonicalBytes() == canonical else { throw FuzzViolation("canonicalizing a canonical record changed it", input: canonical) }
    }

    static func recordReaders(_ data: UnsafeRawBufferPointer) throws(FuzzViolation) {
        if let disagreement = RecordReaderAgreement.disagreement(data) { throw FuzzViolation(disagreement, input: Array(data)) }
    }

    static func jcs(_ data: UnsafeRawBufferPointer) throws(FuzzViolation) {
        guard let value = try? JSONParser().parse(data), let encoded = try? CanonicalJSON.encode(value) else { return }
        let reparsed: JSONValue
        do { reparsed = try JSONParser(limits: .init(maxDepth: 64, maxBytes: 16 << 20)).parse(encoded) } catch {
            throw FuzzViolation("the canonical encoding does not parse: \(error)", input: encoded)
        }
        let again: [UInt8]
        do { again = try CanonicalJSON.encode(reparsed) } catch {
            throw FuzzViolation("the parsed canonical encoding does not encode: \(error)", input: encoded)
        }
        guard again == encoded else { throw FuzzViolation("encode ∘ parse is not the identity on a canonical encoding", input: encoded) }
    }

    static func sshKey(_ data: UnsafeRawBufferPointer) throws(FuzzViolation) {
        let bytes = Array(data)
        let text = String(decoding: bytes, as: UTF8.self)
        if let key = try? OpenSSHPublicKey(line: text) {
            guard let again = try? OpenSSHPublicKey(line: key.line), again.key == key.key else {
                throw FuzzViolation("a parsed public key's line does not parse to the same key", input: Array(key.line.utf8))
            }
        }
        if let key = try? OpenSSHPublicKey(wireBlob: bytes) {
            guard let again = try? OpenSSHPublicKey(wireBlob: key.wireBlob), again.key == key.key else {
                throw FuzzViolation("a parsed public key blob does not round-trip", input: bytes)
            }
        }
        _ = try? OpenSSHPrivateKey(pem: text)
    }

    static let message = Array("assay fuzz message".utf8)

    static func sshsig(_ data: UnsafeRawBufferPointer) {
        let bytes = Array(data)
        for signature in [try? SSHSignature(armored: String(decoding: bytes, as: UTF8.self)), try? SSHSignature(blob: bytes)] {
            guard let signature else { continue }
            _ = try? signature.verify(message, namespace: "assay-manifest-v1")
        }
    }

    static func allowedSigners(_ data: UnsafeRawBufferPointer) throws(FuzzViolation) {
        // Read as OpenSSH reads it: every line either usable or rejected, never a crash.
        let signers = AllowedSigners(bytes: Array(data))
        for entry in signers.entries {
            _ = signers.principals(for: entry.key, namespace: "git", at: 1_767_225_600)
            _ = signers.findPrincipals(key: entry.key, at: 1_767_225_600)
            for principal in entry.principals { _ = signers.allows(principal: principal, key: entry.key, namespace: "assay-manifest-v1", at: nil) }
        }
        // The strict reading refuses exactly the files with a rejected line.
        let strict = try? AllowedSigners(strict: Array(data))
        guard (strict == nil) == !signers.rejected.isEmpty else {
            throw FuzzViolation("the strict and lenient readings of allowed_signers disagree", input: Array(data))
        }
    }

    static func documents(_ data: UnsafeRawBufferPointer) throws(FuzzViolation) {
        let bytes = Array(data)
        if let manifest = try? Manifest(bytes: bytes) {
            let encoded = manifest.bytes()
            guard let again = try? Manifest(bytes: encoded), again.bytes() == encoded else {
                throw FuzzViolation("a parsed manifest does not round-trip", input: encoded)
            }
        }
        _ = try? DatasetDescriptor(bytes: bytes)
        _ = try? PolicyDocument(bytes: bytes)
        if let proof = try? RecordProof(bytes: bytes) { _ = proof.pathProblems() }
        _ = try? VerifyState(bytes: bytes)
    }

    static func log(_ data: UnsafeRawBufferPointer) throws(FuzzViolation) {
        let bytes = Array(data)
        if let note = try? SignedNote(parsing: bytes) {
            guard (try? SignedNote(parsing: note.bytes)) == note else { throw FuzzViolation("a parsed signed note does not round-trip", input: note.bytes) }
            if let checkpoint = try? Checkpoint(text: note.text) {
                guard checkpoint.text == note.text else { throw FuzzViolation("a parsed checkpoint is not written back as its text", input: note.text) }
            }
        }
        if let text = String(validating: bytes, as: UTF8.self) { _ = try? NoteVerifierKey(vkey: text) }
        _ = try? WitnessPolicy(parsing: bytes)
        if let policy = try? WitnessPolicy(assay: bytes, origin: "assay/fuzz") { _ = policy.isSatisfied(by: Set(policy.witnesses.map(\.name))) }
        if let proof = try? TransparentRecordProof(bytes: bytes) {
            guard (try? TransparentRecordProof(bytes: proof.bytes))?.bytes == proof.bytes else {
                throw FuzzViolation("a parsed record proof does not round-trip", input: proof.bytes)
            }
            _ = proof.verify(genesis: String(repeating: "0", count: 64))
        }
    }

    static func events(_ data: UnsafeRawBufferPointer) throws(FuzzViolation) {
        let ingest = GatewayIngest(options: .init(observerID: "gw-fuzz", region: "fuzz"))
        var records: [Record] = []
        var start = 0, number = 0
        while start <= data.count {
            var end = start
            while end < data.count && data[end] != 0x0A { end += 1 }
            number += 1
            records += ingest.add(line: UnsafeRawBufferPointer(rebasing: data[start..<end]), number: number)
            start = end + 1
        }
        records += ingest.sessionizer.finish()
        for record in records {
            let canonical = record.canonicalBytes()
            guard (try? Record.parse(canonical)) != nil else {
                throw FuzzViolation("the ingest made a record that does not validate", input: canonical)
            }
        }
    }

    static func page(_ data: UnsafeRawBufferPointer) throws(FuzzViolation) {
        guard data.count >= 1, let value = try? JSONParser(limits: ExporterPage.parserLimits).parse(UnsafeRawBufferPointer(rebasing: data.dropFirst()))
        else { return }
        // The first byte picks the status and whether the exporter reported another orchestrator.
        let status: Int64 = data[0] & 1 == 0 ? 200 : 410
        let cursor = Int64(data[0] >> 2)
        guard let page = try? ExporterPage.read(value, status: status, after: cursor, quarantineAll: data[0] & 2 != 0) else { return }
        switch page {
        case .pruned(let resume):
            guard resume > cursor else { throw FuzzViolation("a 410 page resumes at \(resume), not after the cursor \(cursor)", input: Array(data)) }
        case .records(let records):
            guard records.next >= cursor else { throw FuzzViolation("a page moved the cursor back", input: Array(data)) }
            for (record, canonical) in records.valid where record.canonicalBytes() != canonical || (try? Record.parse(canonical)) == nil {
                throw FuzzViolation("a page's valid record does not round-trip", input: canonical)
            }
        }
    }

    static func config(_ data: UnsafeRawBufferPointer) throws(FuzzViolation) {
        let text = String(decoding: data, as: UTF8.self)
        // Each configuration is either accepted or refused with at least one error, never both or neither.
        let collector = CollectorConfiguration.parse(yaml: text, relativeTo: "/fuzz")
        let exporter = ExporterConfiguration.parse(yaml: text, relativeTo: "/fuzz")
        let witness = WitnessConfiguration.parse(yaml: text, relativeTo: "/fuzz")
        for (name, accepted, errors) in [("collector", collector.0 != nil, collector.1), ("exporter", exporter.0 != nil, exporter.1),
                                         ("witness", witness.0 != nil, witness.1)] where accepted != errors.isEmpty {
            throw FuzzViolation("the \(name) configuration is neither accepted nor refused with errors", input: Array(data))
        }
    }
}

extension FuzzTarget {
    /// A document of one scenario, for plan inputs to name.
    static let planDocument: ScenarioDocument? = try? ScenarioDocument(bytes: Array(
        #"{"scenarios":[{"checks":{"status":200},"id":"s","model_id":"m","pipeline":"llm","request":{"json":{"model":"m"}},"schedule":{"per_day":3},"timeout_ms":1000}],"version":1}"#
            .utf8))  // a constant that must validate: a nil is reported by the target on first use

    static func probe(_ data: UnsafeRawBufferPointer) throws(FuzzViolation) {
        let bytes = Array(data)
        // A published document that is accepted reads back to the same scenarios, each a slice of the document.
        if let document = try? ScenarioDocument(bytes: bytes) {  // refused: the issue is the answer
            guard let again = try? ScenarioDocument(bytes: document.bytes), again.scenarios == document.scenarios else {
                throw FuzzViolation("an accepted scenario document does not read back to itself", input: bytes)
            }
            for scenario in document.scenarios where MessageDigest.sha256(scenario.canonical).hex != scenario.sha256 {
                throw FuzzViolation("scenario \(scenario.id): its hash is not the SHA-256 of its bytes", input: bytes)
            }
        }
        // The YAML input form either refuses or makes a document that passes as published.
        if let document = try? ScenarioFile.document(yaml: String(decoding: bytes, as: UTF8.self), relativeTo: "/nonexistent-fuzz") {
            guard (try? ScenarioDocument(bytes: document.bytes)) != nil else {
                throw FuzzViolation("the input form made a document that is refused as published", input: document.bytes)
            }
        }
        // A reveal or a commitment that is accepted is the canonical bytes it writes (spec/probe.md §7.2, §7.3).
        if let reveal = try? ProbeReveal(bytes: bytes), reveal.bytes() != bytes {
            throw FuzzViolation("an accepted reveal is not the bytes it writes", input: bytes)
        }
        if let commitment = try? ProbeCommitment(bytes: bytes), commitment.bytes() != bytes {
            throw FuzzViolation("an accepted commitment is not the bytes it writes", input: bytes)
        }
        // A plan input is refused or gives per_day probes per target, each inside the day.
        guard let document = planDocument else { throw FuzzViolation("the fuzz target's own scenario document is refused", input: []) }
        if let plan = try? ProbePlan(input: bytes, document: document) {
            let day = plan.day.startMs..<(plan.day.startMs + UTCDay.milliseconds)
            guard plan.probes.count % 3 == 0, plan.probes.allSatisfy({ day.contains($0.atMs) }) else {
                throw FuzzViolation("a plan's probes are not per_day per target inside the day", input: bytes)
            }
        }
    }
}

/// A property a fuzz target must keep did not hold.
public struct FuzzViolation: Error, CustomStringConvertible {
    public let description: String
    /// The bytes that show it (the input or what was derived from it).
    public let input: [UInt8]
    public init(_ description: String, input: [UInt8]) {
        self.description = description
        self.input = input
    }
}
