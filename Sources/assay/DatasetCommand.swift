import ArgumentParser
import AssayCommandLine
import AssayCore
import AssayCrypto
import AssayGit
import AssayLedger
import AssayScore

struct DatasetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dataset",
        abstract: "Create a dataset directory.",
        subcommands: [DatasetInit.self])
}

struct DatasetInit: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create a dataset: its descriptor (dataset.json) and its signed genesis (policy/0001).",
        discussion: """
            Each --signer NAME=KEY.pub adds a line to the genesis's allowed_signers that lets NAME \
            sign bundle manifests, published scores, policy versions and git commits (namespaces \
            assay-manifest-v1, assay-scores-v1, assay-policy-v1, git). The genesis \
            (policy/0001/policy.json) names the dataset id, the threshold, that allowed_signers and \
            the hash of dataset.json; --key signs your approval of it. It holds once --threshold \
            signers have approved it: the others run 'assay policy approve --version 1'. Its hash, \
            printed at the end, is what auditors pin ('assay verify --trust HASH'). The directory \
            also becomes a git repository on --branch (unless it already is one), with the remote \
            origin when --remote is given; the next steps are printed. The layout is in \
            spec/dataset.md.

            Example:
              assay dataset init ./dataset --id livepeer-ai --title "Livepeer AI job metrics" \\
                  --licence CC-BY-4.0 --threshold 2 --signer gw-a=keys/gw-a.pub --signer gw-b=keys/gw-b.pub \\
                  --key keys/gw-a --remote git@github.com:example/livepeer-ai.git
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

    @Option(help: ArgumentHelp("The greatest size of one records file, in bytes (65536 to 33554432, the default): a day's records beyond it are split into shards stored compressed (spec/dataset.md §4.6). Fixed at creation: the genesis signs it.", valueName: "bytes"))
    var shardBytes: Int64?

    @Option(name: .customLong("key"), help: ArgumentHelp("A private key that approves the genesis as the --signer whose public key it is; repeatable (each signer whose key you hold).", valueName: "key"))
    var keys: [String] = []

    @Option(help: ArgumentHelp("A c2sp.org/tlog-policy file of witness, group and quorum lines that the log's checkpoints need (spec/log.md §8.1); its log lines are written for you.", valueName: "file"))
    var witnesses: String?

    @Option(help: "The genesis's time, YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ (default: now).")
    var issued: String?

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
        if let shardBytes, !DatasetDescriptor.shardBytesRange.contains(shardBytes) {
            throw ValidationError("--shard-bytes must be \(DatasetDescriptor.shardBytesRange.lowerBound) to \(DatasetDescriptor.shardBytesRange.upperBound)")
        }
        guard !signers.isEmpty else { throw ValidationError("name at least one --signer NAME=KEY.pub") }
        guard !keys.isEmpty else { throw ValidationError("give your private key with --key: the genesis must be approved by one of its own signers") }
        guard threshold <= signers.count else { throw ValidationError("--threshold \(threshold) needs at least \(threshold) signers") }
        for signer in signers {
            let parts = signer.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, Slug.isValid(String(parts[0])) else {
                throw ValidationError("--signer '\(signer)' must be NAME=KEY.pub with NAME \(Slug.rule)")
            }
        }
    }

    func run() throws {
        var publicKeys: [(name: String, key: Ed25519PublicKey)] = []
        var lines = ""
        for signer in signers {
            let parts = signer.split(separator: "=", maxSplits: 1).map(String.init)
            let publicKey = try KeyFiles.readPublicKey(at: parts[1])
            lines += "\(parts[0]) namespaces=\"\(TrustPolicy.assayNamespaces.joined(separator: ","))\" \(OpenSSHPublicKey(publicKey.key).line)\n"
            publicKeys.append((parts[0], publicKey.key))
        }
        var approvals: [(signer: String, key: any Ed25519Signer)] = []
        for path in keys {
            let privateKey = try KeyFiles.readPrivateKey(at: path).key
            guard let name = publicKeys.first(where: { $0.key == privateKey.publicKey })?.name else {
                throw ValidationError("--key \(path) is not the key of any --signer: the genesis is approved by its own signers")
            }
            if !approvals.contains(where: { $0.signer == name }) { approvals.append((name, privateKey)) }
        }
        let descriptor = DatasetDescriptor(id: id, title: title, description: description, licence: licence,
                                           scoringProfiles: ScoringProfile.builtInProfiles().map(\.descriptorEntry).sorted { $0.id < $1.id }, simulated: simulated,
                                           shardBytes: shardBytes)
        let time = try issued.map { try parsePolicyTime($0, option: "--issued") } ?? WallClock.nowMilliseconds / 1000
        var witnessesBytes: [UInt8]?
        if let witnesses {
            do {
                witnessesBytes = try WitnessPolicy.file(logKeys: Set(publicKeys.map(\.key)), origin: DatasetLog.origin(datasetID: id),
                                                        witnesses: try Files.read(witnesses, limit: WitnessPolicy.byteLimit))
            } catch let error as NoteError {
                throw Failure(message: "\(witnesses): \(error.reason)")
            }
        }
        let genesis = try DatasetDirectory.create(at: directory, descriptor: descriptor, allowedSigners: lines, threshold: threshold,
                                                  issued: time, witnesses: witnessesBytes, approvals: approvals)
        let approver = approvals[0].signer
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
        print("Genesis hash (auditors pin it: assay verify DATASET --trust \(genesis)):\n  \(genesis)")
        let pending = approvals.count < threshold
            ? "\n  2b. The genesis holds once \(threshold) signers approved it (\(approvals.map(\.signer).joined(separator: ", ")) did): each other signer runs\n"
                + "        assay policy approve --dataset DATASET --key THEIR-KEY --signer THEIR-NAME --version 1   then  assay publish"
            : ""
        print("""
            Next steps:
              1. Publish it: one SSH-signed commit, pushed\(remote == nil ? " (add a remote first: git -C \(directory) remote add origin URL)" : ""):
                   assay publish --dataset \(directory) --key \(keys[0]) --signer \(approver)
              2. Every other signer clones the repository:  git clone URL dataset\(pending)
              3. Each gateway operator writes a collector.yaml whose dataset.repository is their clone
                 (README: "Gateway operator"), and checks it:  assay collect check-config collector.yaml
              4. Each runs  assay collect run --config collector.yaml  and, daily, co-signs the others' bundles:
                   assay cosign --dataset DATASET --key YOUR-KEY --signer YOUR-NAME --own-collector YOUR-COLLECTOR
              5. Anyone verifies a clone:  assay verify DATASET --git --trust \(genesis)
            """)
    }
}
