import AssayGit

/// What a dataset's git history allows (spec/dataset.md §9): commits only add files, except the
/// log's newest checkpoint, the one published file that changes (spec/log.md §7.3); the log's
/// files are never replayed as files, because the publisher appends the replayed documents to the
/// log it lands on (spec/log.md §7).
public enum DatasetRepository {
    public static let mutableCheckpoint = "log/checkpoint"
    public static let logPrefix = "log/"
    public static let rules = AppendOnlyRules(mutablePaths: [mutableCheckpoint], unreplayedPrefix: logPrefix)
}
