import AssayCore

/// `manifest-location`, and the `chain-link` rule one manifest can be judged
/// by alone: the manifest says where it belongs (dataset, collector, day), and
/// its `prev` names an earlier day (spec/dataset.md §4.3, §7).
struct ManifestLocationCheck {
    let datasetID: String
    let collector: String
    let day: UTCDay

    func check(_ manifest: Manifest, path: String, log: inout FindingLog) {
        if manifest.dataset != datasetID {
            log.add(.manifestLocation, path, "names dataset '\(manifest.dataset)', but this is '\(datasetID)'")
        }
        if manifest.collector != collector {
            log.add(.manifestLocation, path, "names collector '\(manifest.collector)', but is in the directory of '\(collector)'")
        }
        if manifest.day != day {
            log.add(.manifestLocation, path, "is for \(manifest.day), but is in the directory of \(day)")
        }
        if let prev = manifest.prev, prev.day >= manifest.day {
            log.add(.chainLink, path, "prev.day \(prev.day) is not before the bundle's day \(manifest.day)")
        }
    }
}
