/// The agreement of the two record readers (spec/records.md §2.1), as a check any test or fuzz
/// target can run on any input: the byte-level reader (`RecordLine.read`) accepts a line exactly
/// when the reference parser (`Record.parse`) accepts it and the line is the record's canonical
/// form, and then both give the same kind, schema version and fields. (A refused line's error
/// always comes from the reference parser, so the error codes agree by construction.)
public enum RecordReaderAgreement {
    /// How the readers disagree on `bytes`, or nil when they agree.
    public static func disagreement(_ bytes: UnsafeRawBufferPointer) -> String? {
        let reference: Record?
        do {
            let record = try Record.parse(bytes)
            reference = record.canonicalBytes().elementsEqual(bytes) ? record : nil
        } catch {
            reference = nil
        }
        let view = RecordScanner.scan(bytes)
        switch (reference, view) {
        case (nil, nil): return nil
        case (let record?, nil): return "the byte-level reader refuses a canonical \(record.kind.rawValue) record the reference parser accepts"
        case (nil, let view?): return "the byte-level reader accepts a \(view.kind.rawValue) record the reference parser refuses or finds not canonical"
        case (let record?, let view?): return fieldsDiffer(record, view)
        }
    }

    /// The first field on which a record and a view of the same bytes differ.
    static func fieldsDiffer(_ record: Record, _ view: RecordView) -> String? {
        guard record.kind == view.kind, record.schemaVersion == view.schemaVersion else {
            return "kind or schema differ: \(record.kind.rawValue) \(record.schemaVersion) against \(view.kind.rawValue) \(view.schemaVersion)"
        }
        for name in RecordField.names {
            let field = RecordField(known: name)
            let agrees: Bool
            switch record[name] {
            case nil: agrees = !view.has(field)
            case .integer(let number)?: agrees = view.integer(field) == number
            case .bool(let flag)?: agrees = view.boolean(field) == flag
            case .string(let text)?: agrees = view.string(field) == text
            case let array?:
                agrees = view.slice(field).map { Array($0) } == (try? CanonicalJSON.encode(array))  // a validated record's array always encodes
            }
            if !agrees { return "field \(name) differs" }
        }
        let hours = record["status_hours"]?.arrayValue.map { hour in
            StatusHour.members.map { hour[$0.name]?.intValue ?? -1 }
        } ?? []
        let viewHours = view.statusHours.map {
            [$0.fpsPositiveSamples, $0.hourMs, $0.latencySamples, $0.latencySumMs, $0.outputFPSSumMilli, $0.runningSamples, $0.samples]
        }
        return hours == viewHours ? nil : "status_hours differ"
    }
}
