import ArgumentParser
import AssayCommandLine
import AssayConfiguration
import AssayCore
import AssayCrypto
import AssayLedger
import AssayWitness
import Foundation
import Logging

struct WitnessCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "witness",
        abstract: "A transparency-log witness: cosigns the checkpoints of the logs it follows (c2sp.org/tlog-witness).",
        discussion: """
            A witness keeps, for each log it follows, the last checkpoint it cosigned, and cosigns a new one \
            only when it carries the log's signatures and a consistency proof shows it extends that one. \
            So no two different trees of one size ever carry its cosignature, and a dataset's operators \
            cannot show two auditors two histories that both meet the witness quorum (spec/log.md §8, §9).

            Example configuration (witness.yaml):
              witness:
                name: witness.example.org/w1
                key: witness-key            # assay keygen --output witness-key
                state: witness.sqlite
                listen: 127.0.0.1:7380
              logs:
                - origin: assay/assay-demo
                  keys: ["assay/assay-demo+1a2b3c4d+AQ…"]   # assay policy show --dataset D
                  threshold: 2
            """,
        subcommands: [WitnessServe.self, WitnessVkey.self])
}

/// The configuration file and the witness's cosigner key.
struct WitnessSetup {
    let configuration: WitnessConfiguration
    let signer: NoteSigner

    init(path: String) throws {
        configuration = try loadConfiguration(path) { WitnessConfiguration.parse(yaml: $0, relativeTo: $1) }
        let key: OpenSSHPrivateKey
        do { key = try KeyFiles.readPrivateKey(at: configuration.key) } catch { throw Failure(message: "\(configuration.key): \(error)") }
        signer = try NoteSigner(name: configuration.name, type: NoteKeys.cosignatureV1, privateKey: key.key)
    }
}

struct WitnessServe: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Answer POST /add-checkpoint and GET /<origin hash>/checkpoint (c2sp.org/tlog-witness).",
        discussion: """
            Statuses as spec/log.md §9: 200 with a cosignature line; 400 a malformed body; 404 an unknown \
            origin; 403 too few valid log signatures; 409 the old size is not the last cosigned size (the \
            body says which); 422 a bad consistency proof or a different root at the same size. The state \
            is committed to SQLite before a cosignature is made, so a crash at any point never leads to \
            two trees of one size cosigned. SIGTERM stops gracefully.

            Examples:
              assay witness serve --config witness.yaml
              curl -s --data-binary @request http://127.0.0.1:7380/add-checkpoint
            """)

    @Option(help: "The YAML configuration file.")
    var config: String

    @Option(help: "HOST:PORT to listen on (port 0 picks a free port; overrides witness.listen).")
    var listen: String?

    @Option(help: "The log's format: text (one line per event) or json (one object per line).")
    var logFormat: LogFormat = .text

    func run() async throws {
        let setup = try WitnessSetup(path: config)
        let address = listen ?? setup.configuration.listen
        guard let (host, port) = ConfigurationValues.hostPort(address) else { throw Failure(message: "--listen '\(address)' must be HOST:PORT") }
        var logs: [FollowedLog] = []
        for log in setup.configuration.logs {
            logs.append(FollowedLog(origin: log.origin, keys: try log.keys.map { try NoteVerifierKey(vkey: $0) }, threshold: log.threshold))
        }
        LineLogHandler.bootstrap(format: logFormat)
        var logger = Logger(label: "assay.witness")
        logger.logLevel = .notice
        let witness: Witness
        do { witness = try Witness(statePath: setup.configuration.state, signer: setup.signer, logs: logs) } catch {
            throw Failure(message: "\(setup.configuration.state): \(error)")
        }
        logger.notice("starting", metadata: ["vkey": "\(witness.vkey)", "logs": "\(logs.map(\.origin).joined(separator: ","))"])
        try await WitnessServer(witness: witness, host: host, port: port, logger: logger).run { bound in
            Diagnostics.printToStandardOutput("witness listening on http://\(bound)")
        }
        logger.notice("stopped")
    }
}

struct WitnessVkey: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vkey",
        abstract: "Print the witness's verifier key, for a 'witness' line of a dataset's policy.",
        discussion: """
            Example:
              echo "witness w1 $(assay witness vkey --config witness.yaml)" >> witnesses
            """)

    @Option(help: "The YAML configuration file.")
    var config: String

    func run() throws {
        print(try WitnessSetup(path: config).signer.verifierKey.vkey)
    }
}
