import AssayCore
import AssayWorkflows
import AssayLedger
import AsyncHTTPClient
import Foundation
import NIOCore

/// Submits a dataset's newest checkpoint to its witnesses (c2sp.org/tlog-witness, spec/log.md §8–§9) and stores
/// their cosignatures beside it: run after each publication by a collector, and by `assay cosign`.
///
/// Only a checkpoint that carries the policy's threshold of signers is submitted (a witness refuses anything
/// less). For each configured witness the current policy names and that has not cosigned it yet, the request
/// proves consistency from the largest checkpoint that witness cosigned in this dataset; a 409 naming another
/// size the log has is retried once from that size. A witness that is down or refuses costs nothing else: the
/// next pass tries again.
public struct WitnessPass: Sendable {
    /// A witness to submit to: its name in the policy's witnesses file and its submission prefix URL.
    public struct Target: Sendable, Equatable {
        public let name: String
        public let url: String
        public init(name: String, url: String) {
            self.name = name
            self.url = url
        }
    }

    public struct Report: Sendable {
        /// The size of the newest checkpoint, if the log has one.
        public var size: UInt64?
        /// Why nothing was submitted, when nothing was.
        public var skipped: String?
        /// Witnesses whose cosignature was stored.
        public var cosigned: [String] = []
        /// Witnesses that could not be reached or refused, with the reason.
        public var failures: [(witness: String, reason: String)] = []
        /// Files written (relative).
        public var files: [String] = []
    }

    public let dataset: String
    public let targets: [Target]
    public let timeoutMs: Int64

    public init(dataset: String, targets: [Target], timeoutMs: Int64 = 10_000) {
        self.dataset = dataset
        self.targets = targets
        self.timeoutMs = timeoutMs
    }

    /// `run(client:)` with an HTTP client of its own.
    public func run() async -> Report {
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        let outcome = await run(client: client)
        try? await client.shutdown()  // a client that fails to shut down has nothing left to release here
        return outcome
    }

    /// Submits and writes the cosignature files; committing them is the caller's (`DatasetPublisher.publish`).
    public func run(client: HTTPClient) async -> Report {
        var outcome = Report()
        let directory = DatasetDirectory(dataset)
        let descriptor: DatasetDescriptor
        do { descriptor = try directory.descriptor() } catch {
            outcome.skipped = "dataset.json cannot be read: \(error)"
            return outcome
        }
        guard let policy = PolicyChain.evaluate(directory, descriptor: descriptor).current else {
            outcome.skipped = "the dataset has no policy in effect"
            return outcome
        }
        let sizes: [UInt64]
        do { sizes = try DatasetLog.sizes(directory.root) } catch {
            outcome.skipped = "log/checkpoints cannot be listed: \(error)"
            return outcome
        }
        guard let size = sizes.last else {
            outcome.skipped = "the log has no checkpoint"
            return outcome
        }
        outcome.size = size
        let signers = LogCheck.countingSigners(directory, datasetID: descriptor.id, policy: policy, size: size)
        guard signers.count >= policy.threshold else {
            outcome.skipped = "checkpoint \(size) carries \(signers.count) of the \(policy.threshold) signatures witnesses require"
            return outcome
        }
        let keys = policy.witnesses.witnessKeys()
        for target in targets {
            guard let key = keys[target.name] else {
                outcome.failures.append((target.name, "not a witness of policy version \(policy.version)"))
                continue
            }
            let path = "\(DatasetLog.directoryName)/\(DatasetLog.checkpointsName)/\(size)/\(DatasetLog.cosignaturesName)/\(target.name).sig"
            guard Files.kind("\(directory.root)/\(path)") == nil else { continue }
            do {
                let line = try await submit(target, key: key, size: size, cosignedBefore: sizes.filter { earlier in
                    earlier < size && Files.kind("\(directory.root)/\(DatasetLog.directoryName)/\(DatasetLog.checkpointsName)/\(earlier)/\(DatasetLog.cosignaturesName)/\(target.name).sig") == .regular
                }.last ?? 0, sizes: Set(sizes), client: client)
                outcome.files += try DatasetLog.addCosignature(directory, size: size, witness: target.name, line: line)
                outcome.cosigned.append(target.name)
            } catch {
                outcome.failures.append((target.name, "\(error)"))
            }
        }
        return outcome
    }

    struct Refusal: Error, CustomStringConvertible {
        let description: String
    }

    /// POSTs checkpoint `size` from `old`; returns the witness's cosignature line by `key` (with its newline).
    func submit(_ target: Target, key: NoteVerifierKey, size: UInt64, cosignedBefore old: UInt64, sizes: Set<UInt64>,
                client: HTTPClient, retried: Bool = false) async throws -> [UInt8] {
        let root = dataset
        let note = try DatasetLog.assemble(root, size: size)
        let text = try Files.readRegular("\(root)/\(DatasetLog.directoryName)/\(DatasetLog.checkpointsName)/\(size)/checkpoint",
                                         limit: DatasetLog.checkpointLimit)
        let proof = try DatasetLog.consistencyProof(root, from: old, to: size)
        var body = Array("old \(old)\n".utf8)
        for hash in proof { body += Array((Base64.encode(hash) + "\n").utf8) }
        body += [0x0A] + note
        var request = HTTPClientRequest(url: target.url.hasSuffix("/") ? "\(target.url)add-checkpoint" : "\(target.url)/add-checkpoint")
        request.method = .POST
        request.body = .bytes(ByteBuffer(bytes: body))
        let response = try await client.execute(request, timeout: .milliseconds(timeoutMs))
        let answer = Array(try await response.body.collect(upTo: 65_536).readableBytesView)
        let message = String(decoding: answer.prefix(300), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        switch response.status.code {
        case 200:
            // The line of the key the policy names; lines of other keys (other algorithms) are dropped (spec/log.md §8.2).
            let lines = answer.split(separator: 0x0A).map { Array($0) }
            for line in lines {
                guard let parsed = try? SignedNote(parsing: text + [0x0A] + line + [0x0A]).signatures.first else { continue }  // a line that is no signature is not the one
                if parsed.name == key.name && parsed.keyID == key.keyID && key.verify(parsed.signature, text: text),
                   let timestamp = Cosignature.timestamp(of: parsed.signature), timestamp > 0 {
                    return line + [0x0A]
                }
            }
            throw Refusal(description: "answered 200 without a valid cosignature by \(key.vkey)")
        case 409:
            // The witness holds another size: retry once from it when this log has that checkpoint (at the same
            // size, the witness then compares the roots).
            guard !retried, let held = UInt64(message), held <= size, sizes.contains(held) else {
                throw Refusal(description: "409: the witness last cosigned size \(message), which this log at \(size) cannot prove consistency from "
                    + "(fetch the dataset if another publisher is ahead; otherwise the witness saw another history)")
            }
            return try await submit(target, key: key, size: size, cosignedBefore: held, sizes: sizes, client: client, retried: true)
        default:
            throw Refusal(description: "\(response.status.code): \(message)")
        }
    }
}
