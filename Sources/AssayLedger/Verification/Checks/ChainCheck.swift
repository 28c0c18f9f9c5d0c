import AssayCore

/// The chain rules of spec/dataset.md §7 over one collector's bundles, in day order.
enum ChainCheck {
    static func check(_ chain: [BundleResult], into log: inout FindingLog) {
        var seenPrev: [String: UTCDay] = [:]
        for (index, bundle) in chain.enumerated() {
            guard let manifest = bundle.manifest else { continue }
            let path = "\(bundle.relativePath)/manifest.json"
            guard let prev = manifest.prev else {
                if index > 0 {
                    log.add(.chainLink, path, "has no prev, but \(chain[index - 1].day) comes before it")
                }
                continue
            }
            if let other = seenPrev[prev.sha256] {
                log.add(.chainFork, path, "names the same previous manifest as the bundle of \(other): two bundles claim one predecessor")
            }
            seenPrev[prev.sha256] = bundle.day
            guard index > 0 else {
                log.add(.chainStart, path, "links to a bundle of \(prev.day) that is not in the dataset: history before it is missing")
                continue
            }
            let before = chain[index - 1]
            if prev.day != before.day || prev.sha256 != before.manifestHash {
                log.add(.chainLink, path,
                          "prev names \(prev.day) \(prev.sha256.prefix(12))…, but the bundle before it is \(before.day) \((before.manifestHash ?? "unreadable").prefix(12))…")
                continue
            }
            let missing = bundle.day.number - before.day.number - 1
            if missing > 0 {
                log.add(.chainGap, path, "\(missing) day\(missing == 1 ? "" : "s") without a bundle after \(before.day)")
            }
        }
    }
}
