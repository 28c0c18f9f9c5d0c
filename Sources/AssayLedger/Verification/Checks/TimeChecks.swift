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
        for (collector, day) in (try? directory.scoreDays()) ?? [] where day > today {
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
