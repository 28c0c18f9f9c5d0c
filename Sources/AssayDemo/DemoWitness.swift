import AssayCore
import AssayCrypto
import AssayLedger
import AssayWitness
import Foundation
import Logging
import Synchronization

/// The demo's witness (spec/log.md §9): a real `assay witness` server in this process, on a free loopback port,
/// with its SQLite state in the workspace. Its clock is the simulation's, so its cosignatures (timestamp
/// included) are the same on every run.
final class DemoWitness: Sendable {
    /// Its name in the dataset's witnesses file, and the key name of its cosignatures.
    static let name = "w1"
    static let keyName = "witness.assay-demo.invalid/w1"

    let signer: NoteSigner
    /// The witness's private key, derived from the seed (insecure), written to the workspace like the operators'.
    let key: Ed25519PrivateKey
    let statePath: String
    let logger: Logger
    /// Simulated POSIX seconds, the time its cosignatures carry.
    let clock = Atomic<Int64>(1)
    private let state = Mutex<(task: Task<Void, Never>?, url: String?)>((nil, nil))

    init(seed: UInt64, statePath: String, logger: Logger) throws {
        key = try DemoKeys.key(seed: seed, operator: "witness")
        signer = try NoteSigner(name: Self.keyName, type: NoteKeys.cosignatureV1, privateKey: key)
        self.statePath = statePath
        self.logger = logger
    }

    var url: String? { state.withLock { $0.url } }

    /// The witnesses file of the genesis: the operators' log keys, this witness, its cosignature required.
    static func policy(origin: String, operatorKeys: [Ed25519PublicKey], witness: NoteVerifierKey) throws -> [UInt8] {
        var lines = ["# The witnesses of \(origin) (c2sp.org/tlog-policy, spec/log.md §8.1)."]
        for key in operatorKeys { lines.append("log \(try NoteVerifierKey(name: origin, type: NoteKeys.ed25519, publicKey: key).vkey)") }
        lines += ["witness \(name) \(witness.vkey)", "quorum \(name)"]
        return Array(lines.map { $0 + "\n" }.joined().utf8)
    }

    /// Starts the server following `log`; returns once it listens.
    func start(log: FollowedLog) async throws(DemoError) {
        let witness: Witness
        do {
            witness = try Witness(statePath: statePath, signer: signer, logs: [log], fault: nil) { [self] in UInt64(self.clock.load(ordering: .relaxed)) }
        } catch {
            throw DemoError("the witness cannot open \(statePath): \(error)")
        }
        let server = WitnessServer(witness: witness, host: "127.0.0.1", port: 0, logger: logger)
        let bound = Mutex<(address: String?, failure: String?)>((nil, nil))
        let task = Task {
            do { try await server.run(shutdownSignals: []) { address in bound.withLock { $0.address = address } } } catch {
                bound.withLock { $0.failure = "\(error)" }
            }
        }
        state.withLock { $0.task = task }
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            let now = bound.withLock { $0 }
            if let failure = now.failure { throw DemoError("the witness could not listen: \(failure)") }
            if let address = now.address {
                state.withLock { $0.url = "http://\(address)" }
                return
            }
            try? await Task.sleep(for: .milliseconds(5))
        }
        await stop()
        throw DemoError("the witness did not start listening within 20 s")
    }

    func stop() async {
        guard let task = state.withLock({ state in defer { state.task = nil }; return state.task }) else { return }
        task.cancel()
        await task.value
    }
}
