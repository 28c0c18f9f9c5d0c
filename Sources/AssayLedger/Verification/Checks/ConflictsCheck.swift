import AssayCore

/// `conflicts` and the order of `conflicts.jsonl` (`record-order`): the file
/// is sorted by key, then by canonical bytes; every key holds at least two
/// distinct versions; the manifest's counts match (spec/dataset.md §4.2).
struct ConflictsCheck {
    let scan: BundleFileScan
    let day: UTCDay

    /// The keys in conflict, which records.jsonl must not hold.
    func check(log: inout FindingLog) -> Set<RecordKey> {
        let path = scan.storedPath(Manifest.conflictsName)
        let lines = RecordLineCheck(day: day, path: path)
        var keys = Set<RecordKey>()
        var previous: (key: RecordKey, bytes: [UInt8])?
        var versionsOfKey = 0
        var versions: Int64 = 0
        func closeKey(_ key: RecordKey, log: inout FindingLog) {
            if versionsOfKey < 2 {
                log.add(.conflicts, path, "\(key.description) has a single version; a conflict needs two distinct ones")
            }
        }
        scan.scan(Manifest.conflictsName, log: &log) { number, line, log in
            guard let record = lines.record(number, line, log: &log) else { return }
            let canonical = Array(record.bytes)
            versions += 1
            let key = RecordKey(record)
            if let previous {
                if previous.key == key {
                    if !previous.bytes.lexicographicallyPrecedes(canonical) {
                        log.add(.recordOrder, path, "line \(number) is not after line \(number - 1) (duplicated or reordered)")
                    }
                    versionsOfKey += 1
                } else {
                    if !(previous.key < key) { log.add(.recordOrder, path, "line \(number): \(key.description) is out of order") }
                    closeKey(previous.key, log: &log)
                    versionsOfKey = 1
                }
            } else {
                versionsOfKey = 1
            }
            keys.insert(key)
            previous = (key, canonical)
        }
        if let previous { closeKey(previous.key, log: &log) }
        let manifest = scan.manifest
        if Int64(keys.count) != manifest.conflictKeys || versions != manifest.conflictVersions {
            log.add(.conflicts, "\(scan.base)/manifest.json",
                    "conflicts says \(manifest.conflictKeys) keys and \(manifest.conflictVersions) versions; conflicts.jsonl has \(keys.count) and \(versions)")
        }
        return keys
    }
}
