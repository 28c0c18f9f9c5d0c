import AssayCore
import AssayCrypto
import AssayLedger

/// An answer of the witness API (c2sp.org/tlog-witness, spec/log.md §9).
public struct WitnessResponse: Sendable, Equatable {
    public let status: Int
    public let contentType: String
    public let body: [UInt8]

    static func text(_ status: Int, _ message: String) -> WitnessResponse {
        WitnessResponse(status: status, contentType: "text/plain; charset=utf-8", body: Array((message + "\n").utf8))
    }
}

/// Why a submission is refused, with the status the spec gives it.
public struct WitnessRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    public let response: WitnessResponse

    static func status(_ status: Int, _ message: String) -> WitnessRefusal { WitnessRefusal(response: .text(status, message)) }

    /// 409: the old size is not the size of the checkpoint last cosigned; the body is that size.
    static func conflict(_ size: UInt64) -> WitnessRefusal {
        WitnessRefusal(response: WitnessResponse(status: 409, contentType: "text/x.tlog.size", body: Array("\(size)\n".utf8)))
    }

    public var description: String { "\(response.status) \(String(decoding: response.body, as: UTF8.self).trimmingTrailingNewline)" }
}

extension String {
    var trimmingTrailingNewline: String { hasSuffix("\n") ? String(dropLast()) : self }
}

/// A log the witness follows: its origin, the keys that sign its checkpoints and how many distinct ones must.
public struct FollowedLog: Sendable, Equatable {
    public let origin: String
    public let keys: [NoteVerifierKey]
    public let threshold: Int

    public init(origin: String, keys: [NoteVerifierKey], threshold: Int) {
        self.origin = origin
        self.keys = keys
        self.threshold = threshold
    }
}

/// The body of `POST <prefix>/add-checkpoint`: an old size line, at most 63 consistency proof lines, an empty line
/// and a signed checkpoint.
public struct AddCheckpointRequest: Sendable, Equatable {
    public let oldSize: UInt64
    public let proof: [[UInt8]]
    public let note: [UInt8]

    public static let maxBodyBytes = 65_536
    public static let maxProofLines = 63

    /// Parses a body; refusals are 400.
    public init(body: [UInt8]) throws(WitnessRefusal) {
        guard body.count <= Self.maxBodyBytes else { throw .status(400, "the body is larger than \(Self.maxBodyBytes) bytes") }
        var lines: [ArraySlice<UInt8>] = []
        var start = body.startIndex
        var noteStart: Int?
        while let newline = body[start...].firstIndex(of: 0x0A) {
            let line = body[start..<newline]
            start = newline + 1
            if line.isEmpty {
                noteStart = start
                break
            }
            lines.append(line)
        }
        guard let noteStart, let first = lines.first else { throw .status(400, "the body is not an old size line, proof lines, an empty line and a checkpoint") }
        let prefix = Array("old ".utf8)
        let sizeText = first.starts(with: prefix) ? String(decoding: first.dropFirst(prefix.count), as: UTF8.self) : ""
        guard let oldSize = UInt64(sizeText), sizeText == String(oldSize), oldSize <= UInt64(Int64.max) else {
            throw .status(400, "the first line is not 'old <size>' with a decimal size without leading zeros")
        }
        guard lines.count - 1 <= Self.maxProofLines else { throw .status(400, "more than \(Self.maxProofLines) consistency proof lines") }
        var proof: [[UInt8]] = []
        for (index, line) in lines.dropFirst().enumerated() {
            guard let hash = Base64.decode(String(decoding: line, as: UTF8.self)) else { throw .status(400, "proof line \(index + 1) is not base64") }
            proof.append(hash)
        }
        self.oldSize = oldSize
        self.proof = proof
        note = Array(body[noteStart...])
    }
}

/// The checks of add-checkpoint (spec/log.md §9), apart from the state: what the witness refuses before it looks
/// at what it cosigned last, and the consistency of the submission with that.
public enum Witnessing {
    /// Parses the checkpoint, finds its log (404) and counts its signers (403); then old ≤ new (400).
    public static func check(_ request: AddCheckpointRequest, logs: [String: FollowedLog]) throws(WitnessRefusal)
        -> (log: FollowedLog, checkpoint: Checkpoint, note: SignedNote) {
        let note: SignedNote, checkpoint: Checkpoint
        do {
            note = try SignedNote(parsing: request.note)
            checkpoint = try Checkpoint(text: note.text)
        } catch {
            // A checkpoint whose signature lines are malformed is a note whose signatures fail (tlog-witness: 403).
            if let text = textBeforeSignatures(request.note), let checkpoint = try? Checkpoint(text: text) {  // the text decides 400 or 403
                throw .status(logs[checkpoint.origin] == nil ? 404 : 403, "invalid signature lines: \(error)")
            }
            throw .status(400, "the checkpoint is not a signed checkpoint: \(error)")
        }
        guard let log = logs[checkpoint.origin] else { throw .status(404, "unknown log '\(checkpoint.origin)'") }
        let signers: [NoteVerifierKey]
        do { signers = try note.open(log.keys) } catch {
            throw .status(403, error.code == .unverified ? "no signature by a key of \(log.origin)" : "invalid signature: \(error.reason)")
        }
        guard Set(signers.map(\.publicKey)).count >= log.threshold else {
            throw .status(403, "signed by \(signers.count) of the \(log.threshold) keys of \(log.origin) it needs")
        }
        guard request.oldSize <= checkpoint.size else { throw .status(400, "the old size \(request.oldSize) is larger than the checkpoint's \(checkpoint.size)") }
        return (log, checkpoint, note)
    }

    /// The text of a note up to its last empty line, when it has one.
    static func textBeforeSignatures(_ note: [UInt8]) -> [UInt8]? {
        guard note.count >= 2 else { return nil }
        for index in stride(from: note.count - 2, through: 0, by: -1) where note[index] == 0x0A && note[index + 1] == 0x0A {
            return Array(note[...index])
        }
        return nil
    }

    /// Whether `checkpoint` may replace `stored` (the size and root last cosigned, nil when none): 409 when the
    /// old size is not the stored size, 422 when the proof or the empty root is wrong or equal sizes differ in root.
    public static func checkConsistency(_ request: AddCheckpointRequest, checkpoint: Checkpoint,
                                        stored: (size: UInt64, root: [UInt8])?) throws(WitnessRefusal) {
        let storedSize = stored?.size ?? 0
        guard request.oldSize == storedSize else { throw .conflict(storedSize) }
        if checkpoint.size == 0 && checkpoint.root != Merkle.emptyRoot { throw .status(422, "a checkpoint of size 0 has the empty tree's root") }
        guard let stored, request.oldSize > 0 else {
            guard request.proof.isEmpty else { throw .status(422, "a consistency proof from size 0 is empty") }
            return
        }
        do {
            try Merkle.verifyConsistency(oldSize: stored.size, newSize: checkpoint.size, proof: request.proof, oldRoot: stored.root, newRoot: checkpoint.root)
        } catch {
            throw .status(422, checkpoint.size == stored.size ? "the root differs from the one cosigned at size \(stored.size)"
                : "the consistency proof from size \(stored.size) does not verify: \(error)")
        }
    }
}
