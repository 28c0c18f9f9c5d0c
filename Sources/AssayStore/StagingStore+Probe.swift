import AssayCore

/// What the job tester keeps in the collector's staging store (spec/probe.md): a day's seed and targets once drawn,
/// the attempts sent and not yet recorded, and what each scenario spent. An attempt is recorded as sent before its
/// request leaves, and its result replaces that mark in one transaction: after a crash, an attempt is either
/// recorded with its result or, from its mark, as `interrupted` — never lost, never twice, never an unfinished
/// attempt reported as a result.
extension StagingStore {
    /// The seed and targets (canonical JSON) of `day`, if drawn.
    public func probeDay(_ day: UTCDay) throws(StoreError) -> (seed: [UInt8], targets: [UInt8])? {
        do {
            let statement = try database.prepare("SELECT seed, targets FROM probe_days WHERE day = ?")
            try statement.bind(1, Int64(day.number))
            guard try statement.step() else { return nil }
            return (statement.blob(0), statement.blob(1))
        } catch { throw .sqlite(error) }
    }

    /// Keeps `day`'s seed and targets unless some are kept already; returns the ones kept (the first drawn wins, so
    /// a restart never draws a second seed for a day).
    public func keepProbeDay(_ day: UTCDay, seed: [UInt8], targets: [UInt8]) throws(StoreError) -> (seed: [UInt8], targets: [UInt8]) {
        do {
            let statement = try database.prepare("INSERT OR IGNORE INTO probe_days (day, seed, targets) VALUES (?, ?, ?)")
            try statement.bind(1, Int64(day.number))
            try statement.bind(2, seed)
            try statement.bind(3, targets)
            _ = try statement.step()
        } catch { throw .sqlite(error) }
        guard let kept = try probeDay(day) else { throw .sqlite(SQLiteError(code: -1, message: "probe day \(day) vanished after it was kept")) }
        return kept
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

    /// Records an attempt's result (or a probe never sent) and clears its mark, in one transaction.
    @discardableResult
    public func finishProbe(id: String, record: Record, canonical: [UInt8], source: String, receivedMs: Int64) throws(StoreError) -> Int {
        do {
            return try database.transaction {
                let clear = try database.prepare("DELETE FROM probe_inflight WHERE id = ?")
                try clear.bind(1, id)
                _ = try clear.step()
                let sealedThrough = try database.integer("SELECT value FROM meta WHERE key = 'sealed_through'")
                return try stage(record, canonical, source: source, receivedMs: receivedMs, sealedThrough: sealedThrough)
            }
        } catch let error as SQLiteError { throw .sqlite(error) } catch { throw .sqlite(SQLiteError(code: -1, message: "\(error)")) }
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
