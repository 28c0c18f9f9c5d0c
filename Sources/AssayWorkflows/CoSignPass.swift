import AssayGit
import AssayCore
import AssayCrypto
import AssayLedger

/// One co-signing pass over a clone of the public dataset (spec/policy.md §6):
/// catch up with the remote, verify the whole dataset under its current policy,
/// sign every bundle that passes (CoSigner), then commit the signatures with one
/// SSH-signed commit and push. `assay cosign` and `assay demo` both run it.
public struct CoSignPass {
    public struct Options: Sendable {
        /// The co-signer's own collector, for the cross-check.
        public var ownCollector: String?
        /// The remote to fetch from and push to; nil: a plain directory, no git.
        public var remote: String?
        /// Commit but do not fetch or push.
        public var noPush = false
        /// Decide and report, write nothing.
        public var dryRun = false
        public var credentials = GitCredentials()

        public init(ownCollector: String? = nil, remote: String? = "origin") {
            self.ownCollector = ownCollector
            self.remote = remote
        }
    }

    /// What a pass did.
    public struct Report: Sendable {
        public let decisions: [CoSigner.Decision]
        /// The commit made, if any.
        public let commit: String?
        public let pushed: Bool
        public var signed: Int { decisions.filter { $0.verdict == .signed }.count }
        public var refused: Int { decisions.filter { if case .refused = $0.verdict { true } else { false } }.count }
    }

    /// Why a pass could not run or finish.
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public let dataset: String
    public let key: any Ed25519Signer
    public let signer: String
    public let options: Options

    public init(dataset: String, key: any Ed25519Signer, signer: String, options: Options) {
        self.dataset = dataset
        self.key = key
        self.signer = signer
        self.options = options
    }

    /// Runs the pass; `time` (seconds since the epoch) dates the commit.
    public func run(time: Int64, progress: @Sendable (Int, Int) -> Void = { _, _ in }) async throws(Failure) -> Report {
        var publisher: DatasetPublisher?
        if let remote = options.remote {
            do {
                let repository = try GitRepository.open(dataset)
                let dirty = try repository.status().filter { !$0.isUntracked && $0.path != DatasetRepository.mutableCheckpoint }
                guard dirty.isEmpty else {
                    throw Failure(description: "\(dataset): the work tree has uncommitted changes (\(dirty.prefix(3).map(\.path).joined(separator: ", "))); commit or remove them first")
                }
                publisher = DatasetPublisher(repository: repository, remote: options.noPush ? nil : remote, credentials: options.credentials)
            } catch let error as Failure {
                throw error
            } catch {
                throw Failure(description: "\(dataset): \(error)")
            }
            if !options.noPush && !options.dryRun {
                do { try publisher!.update(key: key, signer: signer, time: time) } catch {
                    throw Failure(description: "catching up with \(remote) failed: \(error)")
                }
            }
        }
        let directory = DatasetDirectory(dataset)
        let report = await DatasetVerifier(directory: directory).verify(progress: progress)
        guard let policy = report.policy else {
            throw Failure(description: "\(dataset) has no readable trust policy: \(report.findings.prefix(3).map(\.description).joined(separator: "; "))")
        }
        let decisions = CoSigner(directory: directory, key: key, signer: signer, ownCollector: options.ownCollector)
            .run(report: report, policy: policy, dryRun: options.dryRun)
        guard let publisher, !options.dryRun, decisions.contains(where: { $0.verdict == .signed }) else {
            return Report(decisions: decisions, commit: nil, pushed: false)
        }
        do {
            let published = try publisher.publish(key: key, signer: signer, time: time, push: !options.noPush)
            return Report(decisions: decisions, commit: published.commit, pushed: published.pushed)
        } catch {
            throw Failure(description: "\(error)\nThe signatures are written and committed locally if the commit succeeded; run 'assay publish' to retry the push.")
        }
    }
}
