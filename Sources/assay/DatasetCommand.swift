import ArgumentParser
import AssayCore
import AssayCrypto
import AssayGit
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
            manifests and published scores (namespaces assay-manifest-v1, assay-scores-v1) and git \
            commits (namespace git). The directory also becomes a git repository on --branch (unless \
            it already is one), with the remote origin when --remote is given; the next steps are \
            printed. The layout is in spec/dataset.md.

            Example:
              assay dataset init ./dataset --id livepeer-ai --title "Livepeer AI job metrics" \\
                  --licence CC-BY-4.0 --threshold 2 --signer gw-a=keys/gw-a.pub --signer gw-b=keys/gw-b.pub \\
                  --remote git@github.com:example/livepeer-ai.git
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

    @Option(help: "The public repository's URL, added as the remote origin.")
    var remote: String?

    @Option(help: "The branch of the new git repository.")
    var branch = "main"

    @Flag(help: "A plain directory: no git repository (signatures only, as 'assay cosign --no-git').")
    var noGit = false

    func validate() throws {
        guard Slug.isValid(id) else { throw ValidationError("--id must be \(Slug.rule)") }
        if noGit && remote != nil { throw ValidationError("--remote needs a git repository (drop --no-git)") }
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
        var created = false
        if !noGit {
            let repository: GitRepository
            do { repository = try GitRepository.open(directory) } catch {
                repository = try GitRepository.create(directory, bare: false, branch: branch)
                created = true
            }
            if let remote { try repository.addRemote("origin", url: remote) }
        }
        let names = signers.map { String($0.split(separator: "=", maxSplits: 1)[0]) }
        print("Created dataset '\(id)' in \(directory) (threshold \(threshold), \(signers.count) signer\(signers.count == 1 ? "" : "s"): "
              + "\(names.joined(separator: ", ")))" + (created ? "; a git repository on branch \(branch)" : "")
              + (remote.map { " with remote origin \($0)" } ?? "") + ".")
        print("""
            Next steps:
              1. Publish it: one SSH-signed commit, pushed\(remote == nil ? " (add a remote first: git -C \(directory) remote add origin URL)" : ""):
                   assay publish --dataset \(directory) --key YOUR-KEY --signer \(names[0])
              2. Every other signer clones the repository:  git clone URL dataset
              3. Each gateway operator writes a collector.yaml whose dataset.repository is their clone
                 (README: "Gateway operator"), and checks it:  assay collect check-config collector.yaml
              4. Each runs  assay collect run --config collector.yaml  and, daily, co-signs the others' bundles:
                   assay cosign --dataset DATASET --key YOUR-KEY --signer YOUR-NAME --own-collector YOUR-COLLECTOR
              5. Anyone verifies a clone:  assay verify DATASET --git
            """)
    }
}
