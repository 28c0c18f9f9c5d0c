import ArgumentParser
import AssayCore
import AssayCrypto
import AssayLedger

struct DatasetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dataset",
        abstract: "Create a dataset directory.",
        subcommands: [DatasetInit.self])
}

struct DatasetInit: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create a dataset: its descriptor (dataset.json) and trust policy (allowed_signers).",
        discussion: """
            Each --signer NAME=KEY.pub adds a line to allowed_signers that lets NAME sign bundle \
            manifests (namespace assay-manifest-v1) and git commits (namespace git). The layout is \
            in spec/dataset.md.

            Example:
              assay dataset init ./dataset --id livepeer-ai --title "Livepeer AI job metrics" \\
                  --licence CC-BY-4.0 --threshold 2 --signer gw-a=keys/gw-a.pub --signer gw-b=keys/gw-b.pub
            """)

    @Argument(help: "The dataset directory to create.")
    var directory: String

    @Option(help: "The dataset id (\(Slug.rule)).")
    var id: String

    @Option(help: "A title for people.")
    var title: String

    @Option(help: "What the dataset holds.")
    var description: String = ""

    @Option(help: "The data licence, an SPDX id.")
    var licence: String = "CC-BY-4.0"

    @Option(help: "Distinct signers a bundle needs.")
    var threshold: Int = 1

    @Option(name: .customLong("signer"), help: "NAME=PUBLIC-KEY-FILE, repeatable.")
    var signers: [String] = []

    @Flag(help: "Mark the data as synthetic.")
    var simulated = false

    func validate() throws {
        guard Slug.isValid(id) else { throw ValidationError("--id must be \(Slug.rule)") }
        guard threshold >= 1 else { throw ValidationError("--threshold must be at least 1") }
        guard !signers.isEmpty else { throw ValidationError("name at least one --signer NAME=KEY.pub") }
        guard threshold <= signers.count else { throw ValidationError("--threshold \(threshold) needs at least \(threshold) signers") }
        for signer in signers {
            let parts = signer.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, Slug.isValid(String(parts[0])) else {
                throw ValidationError("--signer '\(signer)' must be NAME=KEY.pub with NAME \(Slug.rule)")
            }
        }
    }

    func run() throws {
        var lines = ""
        for signer in signers {
            let parts = signer.split(separator: "=", maxSplits: 1).map(String.init)
            let key = try KeyFiles.readPublicKey(at: parts[1])
            lines += "\(parts[0]) namespaces=\"\(TrustPolicy.assayNamespaces.joined(separator: ","))\" \(OpenSSHPublicKey(key.key).line)\n"
        }
        let descriptor = DatasetDescriptor(id: id, title: title, description: description, licence: licence,
                                           threshold: threshold, simulated: simulated)
        _ = try DatasetDirectory.create(at: directory, descriptor: descriptor, allowedSigners: lines)
        print("Created dataset '\(id)' in \(directory) (threshold \(threshold), \(signers.count) signer\(signers.count == 1 ? "" : "s"))")
    }
}
