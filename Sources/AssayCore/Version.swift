/// Versions Assay publishes in everything it writes (spec/README.md §Versions).
public enum AssayVersion {
    /// The software version of this build.
    public static let software = "0.1.0"
    /// The version of the normative specification this build implements.
    public static let spec = "1"
    /// The record schema version of the exporter API and of every record kind but gateway-observed live sessions
    /// (spec/records.md §7).
    public static let recordSchema: Int64 = 1
    /// The record schema version gateways write for live sessions: 2 added their session evidence (spec/records.md §3.5),
    /// 4 what the session cost and how clean its input was (§3.7).
    public static let liveSessionSchema: Int64 = 4
    /// The record schema version of the job tester's records: 3 adds `test_job` (spec/records.md §3.6).
    public static let testJobSchema: Int64 = 3
    /// The record schema version gateways write for live sessions and capability snapshots: 4 adds what a session cost,
    /// how clean its input was, and `capability_snapshot` (spec/records.md §3.7).
    public static let capabilitySnapshotSchema: Int64 = 4
    /// The record schema version of batch and LLM requests that carry what they cost (spec/records.md §3.7).
    public static let costSchema: Int64 = 4
    /// The newest record schema version.
    public static let newestRecordSchema: Int64 = 4
    /// The record schema versions this build reads.
    public static let recordSchemas: ClosedRange<Int64> = 1...4
}
