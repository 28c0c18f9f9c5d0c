/// Versions Assay publishes in everything it writes (spec/README.md §Versions).
public enum AssayVersion {
    /// The software version of this build.
    public static let software = "0.1.0"
    /// The version of the normative specification this build implements.
    public static let spec = "1"
    /// The record schema version written in every record's `schema` field.
    public static let recordSchema: Int64 = 1
}
