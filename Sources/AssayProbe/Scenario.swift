import AssayCore

/// One scenario of a scenario document (spec/probe.md §2.2), validated: what the tester sends the same way to
/// every target, and the checks its response must pass.
public struct Scenario: Sendable, Equatable {
    /// The gateway's API routes the tester can call (spec/probe.md §2.2), and the request each takes (§2.3).
    public enum Pipeline: String, Sendable, CaseIterable {
        case audioToText = "audio-to-text"
        case imageToImage = "image-to-image"
        case imageToText = "image-to-text"
        case imageToVideo = "image-to-video"
        case liveVideoToVideo = "live-video-to-video"
        case llm
        case segmentAnything2 = "segment-anything-2"
        case textToImage = "text-to-image"
        case textToSpeech = "text-to-speech"
        case upscale

        /// The member of `request` this pipeline takes.
        public var requestKind: String {
            switch self {
            case .llm, .textToImage, .textToSpeech: "json"
            case .liveVideoToVideo: "live"
            default: "multipart"
            }
        }

        /// The member of a `json` body that names the model.
        var modelMember: String { self == .llm ? "model" : "model_id" }
    }

    /// One part of a multipart request: a text value, or an input file named by its hash.
    public enum Part: Sendable, Equatable {
        case value(name: String, text: String)
        case file(name: String, InputFile)

        public var name: String {
            switch self {
            case .value(let name, _), .file(let name, _): name
            }
        }
    }

    /// An input file of a multipart request, by content.
    public struct InputFile: Sendable, Equatable {
        public let contentType: String
        public let filename: String
        public let sha256: String
        public let size: Int64

        public init(contentType: String, filename: String, sha256: String, size: Int64) {
            self.contentType = contentType
            self.filename = filename
            self.sha256 = sha256
            self.size = size
        }
    }

    public enum Request: Sendable, Equatable {
        /// The body, sent as its canonical JSON bytes.
        case json(JSONValue)
        case multipart([Part])
        /// The gateway's smoke test: its test pattern streamed for `durationS` seconds, with the pipeline's `params`.
        case live(durationS: Int64, params: JSONValue)
    }

    /// What a response must be for the attempt to pass (spec/probe.md §2.4); nil where not checked.
    public struct Checks: Sendable, Equatable {
        public var status: Int64 = 200
        public var contentType: String?
        public var images: (count: Int64, height: Int64, width: Int64)?
        public var minFrames: Int64?
        public var minTextBytes: Int64?
        public var minOutputFPSmfps: Int64?

        public static func == (a: Checks, b: Checks) -> Bool {
            a.status == b.status && a.contentType == b.contentType && a.images?.count == b.images?.count
                && a.images?.height == b.images?.height && a.images?.width == b.images?.width && a.minFrames == b.minFrames
                && a.minTextBytes == b.minTextBytes && a.minOutputFPSmfps == b.minOutputFPSmfps
        }
    }

    public let id: String
    public let pipeline: Pipeline
    public let modelID: String
    public let request: Request
    public let checks: Checks
    public let timeoutMs: Int64
    /// Probes of this scenario per target per UTC day.
    public let perDay: Int64
    /// The most the tester spends on this scenario in a day, over all targets, in wei (a decimal string).
    public let maxDailyCostWei: String?
    /// The scenario object's canonical bytes, as the document holds them.
    public let canonical: [UInt8]
    /// SHA-256 of `canonical`, lowercase hexadecimal: the scenario's name in records (spec/probe.md §2.5).
    public let sha256: String

    init(id: String, pipeline: Pipeline, modelID: String, request: Request, checks: Checks, timeoutMs: Int64, perDay: Int64,
         maxDailyCostWei: String?, canonical: [UInt8], sha256: String) {
        self.id = id
        self.pipeline = pipeline
        self.modelID = modelID
        self.request = request
        self.checks = checks
        self.timeoutMs = timeoutMs
        self.perDay = perDay
        self.maxDailyCostWei = maxDailyCostWei
        self.canonical = canonical
        self.sha256 = sha256
    }
}
