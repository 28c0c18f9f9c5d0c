import AssayCore

/// `future` (spec/dataset.md §8): no bundle or published scores dated after
/// today. A day is sealed only after it ends, so the skew allowed is the rest
/// of today.
struct FutureCheck {
    let directory: DatasetDirectory
    let today: UTCDay

    func check(_ results: [BundleResult], into log: inout FindingLog) {
        for bundle in results where bundle.day > today {
            log.add(.future, bundle.relativePath, "is dated \(bundle.day), after today (\(today)): no day can be sealed before it ends")
        }
        // An unreadable scores/ is reported by the layout check.
        for (collector, day) in (try? directory.scoreDays()) ?? [] where day > today {  // an unlistable tree is the layout check's `unreadable` finding
            log.add(.future, DatasetDirectory.scoresRelativePath(collector: collector, day: day),
                    "is dated \(day), after today (\(today)): scores are published when their day is sealed")
        }
    }
}

/// `stale` (spec/dataset.md §8): each collector's newest bundle is at most
/// `--max-age` days before today, and there is at least one.
struct FreshnessCheck {
    let today: UTCDay
    let maxAgeDays: Int

    func check(_ heads: [VerifyState.Head], into log: inout FindingLog) {
        for head in heads where today.number - head.day.number > maxAgeDays {
            log.add(.stale, "bundles/\(head.collector)",
                    "the newest bundle is \(head.day), \(today.number - head.day.number) days before \(today); --max-age is \(maxAgeDays)")
        }
        if heads.isEmpty {
            log.add(.stale, DatasetDirectory.bundlesName, "the dataset has no bundles at all")
        }
    }
}

/// `rollback` (spec/dataset.md §8.2): every head an earlier verification saw
/// is still there, with the same manifest hash.
struct RollbackCheck {
    let state: VerifyState
    let datasetID: String

    func check(_ results: [BundleResult], into log: inout FindingLog) {
        if state.dataset != datasetID {
            log.add(.rollback, "--state", "the state file is for dataset '\(state.dataset)', not '\(datasetID)'")
            return
        }
        var hashes: [String: [UTCDay: String?]] = [:]
        for bundle in results { hashes[bundle.collector, default: [:]][bundle.day] = bundle.manifestHash }
        for head in state.heads {
            let path = DatasetDirectory.bundleRelativePath(collector: head.collector, day: head.day)
            guard let manifestHash = hashes[head.collector]?[head.day] else {
                log.add(.rollback, path, "was the newest bundle of \(head.collector) at the last verification and is gone")
                continue
            }
            if manifestHash != head.manifestSHA256 {
                log.add(.rollback, "\(path)/manifest.json",
                        "has manifest hash \(manifestHash ?? "none"); the last verification saw \(head.manifestSHA256): history was rewritten")
            }
        }
    }
}

/// `genesis` and `policy-rollback` (spec/dataset.md §8.2, §8.4): the genesis is
/// the pinned one (`--trust`, else the state's), and the policy version an
/// earlier run judged by still holds with the same hash.
struct PinCheck {
    let trustedGenesis: String?
    let state: VerifyState?
    let datasetID: String

    /// What pins the genesis in this run; nil when it is trusted on first use.
    var source: VerificationReport.GenesisPin.Source? {
        if trustedGenesis != nil { return .trust }
        return state?.dataset == datasetID ? .state : nil
    }

    func check(_ chain: PolicyChain, into log: inout FindingLog) {
        let path = PolicyDocument.relativePath(version: 1) + "/policy.json"
        let actual = chain.genesisHash ?? "none (unreadable)"
        if let trustedGenesis, chain.genesisHash != trustedGenesis {
            log.add(.genesis, path, "the dataset's genesis is \(actual), but --trust pins \(trustedGenesis): this is not the dataset you trust")
        }
        guard let state, state.dataset == datasetID else { return }  // another dataset's state: `rollback` says so
        if chain.genesisHash != state.genesis {
            log.add(.genesis, path, "the dataset's genesis is \(actual), but the state file recorded \(state.genesis): the root of trust was replaced")
        }
        let versionPath = PolicyDocument.relativePath(version: state.policyVersion)
        guard let version = chain.versions.first(where: { $0.version == state.policyVersion }) else {
            log.add(.policyRollback, versionPath,
                    "is gone: the last verification judged by policy version \(state.policyVersion); the policy was rolled back")
            return
        }
        if version.hash != state.policySHA256 {
            log.add(.policyRollback, "\(versionPath)/policy.json",
                    "has hash \(version.hash ?? "none (unreadable)"); the last verification saw \(state.policySHA256): the version was rewritten")
        } else if !version.holds {
            log.add(.policyRollback, versionPath, "no longer holds; the last verification judged by it")
        }
    }
}
