import AssayCore
import AssayCrypto

/// What the job tester keeps in the collector's staging store (spec/probe.md): a day's seed and targets once drawn,
/// the attempts sent and not yet recorded, and what each scenario spent. An attempt is recorded as sent before its
/// request leaves, and its result replaces that mark in one transaction: after a crash, an attempt is either
/// recorded with its result or, from its mark, as `interrupted` — never lost, never twice, never an unfinished
/// attempt reported as a result.
extension StagingStore {
    /// A planned day as kept: its seed, targets (canonical JSON), and — for days planned since publication existed —
    /// the tester's observer id and the SHA-256 of the scenario document it ran.
    public struct ProbeDay: Sendable, Equatable {
        public let seed: [UInt8]
        public let targets: [UInt8]
        public let tester: String?
        public let scenarios: String?
        /// Closed for its seal: the tester sends none of its probes any more.
        public let closed: Bool
    }

    /// The plan of `day`, if made.
    public func probeDay(_ day: UTCDay) throws(StoreError) -> ProbeDay? {
        do {
            let statement = try database.prepare("SELECT seed, targets, tester, scenarios, closed FROM probe_days WHERE day = ?")
            try statement.bind(1, Int64(day.number))
            guard try statement.step() else { return nil }
            return ProbeDay(seed: statement.blob(0), targets: statement.blob(1), tester: statement.optionalText(2), scenarios: statement.optionalText(3),
                            closed: statement.int64(4) != 0)
        } catch { throw .sqlite(error) }
    }

    /// Keeps `day`'s seed unless one is kept already; returns the one kept (the first drawn wins, so a restart never
    /// draws a second seed for a day, and the seed committed to is the seed used).
    public func keepProbeSeed(_ day: UTCDay, seed: [UInt8]) throws(StoreError) -> [UInt8] {
        do {
            let statement = try database.prepare("INSERT OR IGNORE INTO probe_seeds (day, seed) VALUES (?, ?)")
            try statement.bind(1, Int64(day.number))
            try statement.bind(2, seed)
            _ = try statement.step()
            let kept = try database.prepare("SELECT seed FROM probe_seeds WHERE day = ?")
            try kept.bind(1, Int64(day.number))
            guard try kept.step() else { throw SQLiteError(code: -1, message: "the seed of \(day) vanished after it was kept") }
            return kept.blob(0)
        } catch let error as SQLiteError { throw .sqlite(error) } catch { throw .sqlite(SQLiteError(code: -1, message: "\(error)")) }
    }

    /// The seeds kept for `from` and later days, in day order (the commitments to publish).
    public func probeSeeds(from: UTCDay) throws(StoreError) -> [(day: UTCDay, seed: [UInt8])] {
        do {
            let statement = try database.prepare("SELECT day, seed FROM probe_seeds WHERE day >= ? ORDER BY day")
            try statement.bind(1, Int64(from.number))
            var seeds: [(UTCDay, [UInt8])] = []
            while try statement.step() { seeds.append((UTCDay(number: Int(statement.int64(0))), statement.blob(1))) }
            return seeds
        } catch { throw .sqlite(error) }
    }

    /// Keeps `day`'s plan unless one is kept already — the day's seed (kept first by `keepProbeSeed`), its targets, the
    /// tester and its scenario document with the document's input files — and returns the plan kept.
    public func keepProbeDay(_ day: UTCDay, targets: [UInt8], tester: String, document: [UInt8], inputs: [[UInt8]],
                             seed: [UInt8]) throws(StoreError) -> ProbeDay {
        do {
            try database.transaction {
                let kept = try keepProbeSeed(day, seed: seed)
                for bytes in [document] + inputs {
                    let file = try database.prepare("INSERT OR IGNORE INTO probe_files (sha256, bytes) VALUES (?, ?)")
                    try file.bind(1, MessageDigest.sha256(bytes).hex)
                    try file.bind(2, bytes)
                    _ = try file.step()
                }
                let statement = try database.prepare("INSERT OR IGNORE INTO probe_days (day, seed, targets, tester, scenarios) VALUES (?, ?, ?, ?, ?)")
                try statement.bind(1, Int64(day.number))
                try statement.bind(2, kept)
                try statement.bind(3, targets)
                try statement.bind(4, tester)
                try statement.bind(5, MessageDigest.sha256(document).hex)
                _ = try statement.step()
            }
        } catch let error as StoreError { throw error } catch let error as SQLiteError { throw .sqlite(error) } catch {
            throw .sqlite(SQLiteError(code: -1, message: "\(error)"))
        }
        guard let kept = try probeDay(day) else { throw .sqlite(SQLiteError(code: -1, message: "probe day \(day) vanished after it was kept")) }
        return kept
    }

    /// A document or input file kept by `keepProbeDay`, by its SHA-256.
    public func probeFile(_ sha256: String) throws(StoreError) -> [UInt8]? {
        do {
            let statement = try database.prepare("SELECT bytes FROM probe_files WHERE sha256 = ?")
            try statement.bind(1, sha256)
            return try statement.step() ? statement.blob(0) : nil
        } catch { throw .sqlite(error) }
    }

    /// Marks an attempt as sent, with the record that says it was interrupted, and the scenario's spend for the day
    /// after it; durable before the request leaves.
    public func beginProbe(id: String, day: UTCDay, interrupted: [UInt8], spend: (scenario: String, wei: String)?) throws(StoreError) {
        do {
            try database.transaction {
                let mark = try database.prepare("INSERT OR REPLACE INTO probe_inflight (id, day, interrupted) VALUES (?, ?, ?)")
                try mark.bind(1, id)
                try mark.bind(2, Int64(day.number))
                try mark.bind(3, interrupted)
                _ = try mark.step()
                if let spend {
                    let statement = try database.prepare("INSERT OR REPLACE INTO probe_spend (day, scenario, wei) VALUES (?, ?, ?)")
                    try statement.bind(1, Int64(day.number))
                    try statement.bind(2, spend.scenario)
                    try statement.bind(3, spend.wei)
                    _ = try statement.step()
                }
            }
        } catch let error as SQLiteError { throw .sqlite(error) } catch { throw .sqlite(SQLiteError(code: -1, message: "\(error)")) }
    }

    /// Records an attempt's result (or a probe never sent) and clears its mark, in one transaction. Once the probe's day
    /// is closed for its seal (`closeProbeDay`), a result is late and quarantined like any late record, unless `closing`
    /// (the records the seal itself completes the day with).
    @discardableResult
    public func finishProbe(id: String, record: Record, canonical: [UInt8], source: String, receivedMs: Int64, closing: Bool = false) throws(StoreError) -> Int {
        do {
            return try database.transaction {
                let clear = try database.prepare("DELETE FROM probe_inflight WHERE id = ?")
                try clear.bind(1, id)
                _ = try clear.step()
                var sealedThrough = try database.integer("SELECT value FROM meta WHERE key = 'sealed_through'")
                let day = UTCDay(containing: record["start_ms"]?.intValue ?? 0)
                if !closing, try isProbeDayClosed(day) { sealedThrough = max(sealedThrough ?? Int64(day.number), Int64(day.number)) }
                return try stage(record, canonical, source: source, receivedMs: receivedMs, sealedThrough: sealedThrough)
            }
        } catch let error as SQLiteError { throw .sqlite(error) } catch { throw .sqlite(SQLiteError(code: -1, message: "\(error)")) }
    }

    /// Whether `day` is closed for its seal (one small read: the tester asks before each probe).
    public func isProbeDayClosed(_ day: UTCDay) throws(StoreError) -> Bool {
        do {
            let statement = try database.prepare("SELECT closed FROM probe_days WHERE day = ?")
            try statement.bind(1, Int64(day.number))
            return try statement.step() && statement.int64(0) != 0
        } catch { throw .sqlite(error) }
    }

    /// Closes `day` for its seal: from now on the tester's results of that day are late (spec/probe.md §7.4).
    public func closeProbeDay(_ day: UTCDay) throws(StoreError) {
        do {
            let statement = try database.prepare("UPDATE probe_days SET closed = 1 WHERE day = ?")
            try statement.bind(1, Int64(day.number))
            _ = try statement.step()
        } catch { throw .sqlite(error) }
    }

    /// Attempts marked as sent and not recorded (a crash came between): their ids and interrupted records.
    public func inflightProbes() throws(StoreError) -> [(id: String, interrupted: [UInt8])] {
        do {
            let statement = try database.prepare("SELECT id, interrupted FROM probe_inflight ORDER BY id")
            var found: [(String, [UInt8])] = []
            while try statement.step() { found.append((statement.text(0), statement.blob(1))) }
            return found
        } catch { throw .sqlite(error) }
    }

    /// The ids of the records `observer` has staged for `day`.
    public func stagedIDs(observer: String, day: UTCDay) throws(StoreError) -> Set<String> {
        do {
            let statement = try database.prepare("SELECT job_id FROM staged WHERE observer_id = ? AND day = ?")
            try statement.bind(1, observer)
            try statement.bind(2, Int64(day.number))
            var ids: Set<String> = []
            while try statement.step() { ids.insert(statement.text(0)) }
            return ids
        } catch { throw .sqlite(error) }
    }

    /// What `scenario` spent on `day`, in wei (a decimal string), "0" when nothing.
    public func probeSpend(day: UTCDay, scenario: String) throws(StoreError) -> String {
        do {
            let statement = try database.prepare("SELECT wei FROM probe_spend WHERE day = ? AND scenario = ?")
            try statement.bind(1, Int64(day.number))
            try statement.bind(2, scenario)
            return try statement.step() ? statement.text(0) : "0"
        } catch { throw .sqlite(error) }
    }
}
