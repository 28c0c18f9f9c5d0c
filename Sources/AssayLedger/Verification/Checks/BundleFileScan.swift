#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import AssayCore
import AssayCrypto

/// `file-missing`, `file-size`, `file-hash`, `file-encoding`, `not-fetched` and a
/// missing final newline (`record-not-canonical`): one file a manifest names, in
/// its stored form (plain or `.zst`, spec/dataset.md §4.7), streamed once through
/// the line reader and hashed in the same pass, never read past its signed size
/// plus one byte (§4.3, §8.1).
struct BundleFileScan {
    let manifest: Manifest
    /// The bundle's directory, relative to the dataset (for findings) and absolute (for reading).
    let base: String
    let absolute: String

    /// What scanning a file found out.
    struct Outcome {
        /// The file was read to its end (its content checked, whatever the findings).
        var read = false
        /// The length of its first line, for the greedy cut of shards (spec/dataset.md §4.6).
        var firstLineLength: Int?
    }

    /// The path findings about `name`'s stored file name: `<name>.zst` when it is stored compressed.
    func storedPath(_ name: String) -> String { "\(base)/\(StoredFile.storedName(name, in: absolute))" }

    /// Calls `line` for each line of the named file (findings about it name `storedPath(name)`); nothing when the manifest
    /// does not name it, or it is missing, unreadable or not fetched (each a finding).
    @discardableResult
    func scan(_ name: String, log: inout FindingLog,
              line: (_ number: Int, _ line: LineReader.Line, _ log: inout FindingLog) -> Void) -> Outcome {
        var outcome = Outcome()
        guard let entry = manifest.file(name) else { return outcome }
        let stored: StoredFile
        switch StoredFile.locate(name, in: absolute) {
        case .success(let found): stored = found
        case .failure(.missing):
            log.add(.fileMissing, "\(base)/\(name)", "is named in the manifest but is not there (as \(name) or \(name)\(StoredFile.compressedSuffix))")
            return outcome
        case .failure(let failure):
            log.add(.fileMissing, storedPath(name), "is named in the manifest but cannot be read: \(failure)")
            return outcome
        }
        let path = storedPath(name)
        if stored.isPointer {
            log.add(.notFetched, path, "is a Git LFS pointer, not the file: it was not fetched, and nothing in it is checked "
                + "(git lfs pull, or assay verify --fetch; spec/dataset.md §8.5)")
            return outcome
        }
        let reader: LineReader
        do {
            // Never more than the manifest says, plus one byte to tell that there is more.
            reader = try stored.lineReader(contentSize: entry.size)
        } catch {
            log.add(.fileMissing, path, "is named in the manifest but cannot be read: \(error)")
            return outcome
        }
        let hasher = MessageDigest(.sha256)
        var size: Int64 = 0
        reader.onChunk = { chunk in
            hasher.update(chunk)
            size += Int64(chunk.count)  // at most entry.size + 1: the reader stops there
        }
        do {
            try reader.forEachLine { (number, value) throws(Never) in
                if number == 1, case .bytes(let bytes) = value { outcome.firstLineLength = bytes.count }
                line(number, value, &log)
            }
        } catch {
            if reader.exceededLimit {
                log.add(.fileSize, path, "is larger than the \(entry.size) bytes the manifest says; reading stopped there")
            } else if case .io(let fileError) = error {
                if StoredFile.isEncodingFailure(fileError) {
                    log.add(.fileEncoding, path, "\(fileError.detail ?? "is not a valid Zstandard stream") (spec/dataset.md §4.7)")
                } else if fileError.code == EFBIG {
                    log.add(.fileSize, path, "\(fileError.detail ?? "is too large"); the manifest says \(entry.size) bytes of content")
                } else {
                    log.add(.unreadable, path, "cannot be read: \(fileError)")
                }
            }
            return outcome
        }
        outcome.read = true
        if size != entry.size { log.add(.fileSize, path, "is \(size) bytes; the manifest says \(entry.size)") }
        let digest = hasher.finalize().hex
        if digest != entry.sha256 { log.add(.fileHash, path, "has SHA-256 \(digest); the manifest says \(entry.sha256)") }
        if !reader.endsWithNewline { log.add(.recordNotCanonical, path, "the last line does not end with a newline") }
        return outcome
    }
}

/// `record-invalid`, `record-not-canonical` and `record-day`: one line of a
/// bundle's file as a valid, canonical record of the bundle's day
/// (spec/dataset.md §4.1).
struct RecordLineCheck {
    let day: UTCDay
    /// The file, relative to the dataset.
    let path: String

    /// The record, read in place (valid during the line's callback), or nil after a finding.
    func record(_ number: Int, _ line: LineReader.Line, log: inout FindingLog) -> RecordView? {
        switch line {
        case .tooLong(let bytes):
            log.add(.recordInvalid, path, "line \(number): \(bytes) bytes, longer than a record may be [too-long]")
            return nil
        case .bytes(let bytes):
            let record: RecordView
            switch RecordLine.read(bytes) {
            case .record(let view): record = view
            case .problem(.notCanonical):
                log.add(.recordNotCanonical, path, "line \(number) is a valid record but not in canonical form")
                return nil
            case .problem(.invalid(let error)):
                log.add(.recordInvalid, path, "line \(number): \(error)")
                return nil
            case .problem(let problem):
                log.add(.recordInvalid, path, "line \(number): \(LineIssue(source: path, line: number, problem: problem).code)")
                return nil
            }
            if let start = record.integer(.startMs), !day.contains(start) {
                log.add(.recordDay, path, "line \(number): start_ms \(start) (\(UTCTime.iso8601(milliseconds: start))) is not on \(day)")
            }
            return record
        }
    }
}
