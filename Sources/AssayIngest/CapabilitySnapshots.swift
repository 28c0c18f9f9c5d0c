import AssayCore

/// The hour's first snapshot of what each orchestrator advertised per pipeline and model, from
/// `network_capabilities` events (spec/gateway-events.md §8).
struct CapabilitySnapshots {
    struct Key: Hashable {
        let orchestrator: String
        let pipeline: String
        let model: String
        let hourMs: Int64
    }

    private struct Snapshot {
        let time: Int64
        let id: String
        let value: JSONValue
    }

    private var first: [Key: Snapshot] = [:]

    /// go-livepeer's capability ids of AI pipelines (core/capabilities.go), by id.
    static let pipelines: [Int64: String] = [
        27: "text-to-image", 28: "image-to-image", 29: "image-to-video", 30: "upscale", 31: "audio-to-text",
        32: "segment-anything-2", 33: "llm", 34: "image-to-text", 35: "live-video-to-video", 36: "text-to-speech",
    ]
    static let capabilityIDs: [String: Int64] = Dictionary(uniqueKeysWithValues: pipelines.map { ($1, $0) })
    /// Live video-to-video's capability id.
    static let liveVideoToVideo: Int64 = 35

    var count: Int { first.count }

    mutating func add(_ event: GatewayEvent, options: GatewaySessionizer.Options) {
        let hour = event.time - ((event.time % 3_600_000) + 3_600_000) % 3_600_000
        for entry in event.data.arrayValue {
            guard let address = entry["address"]?.stringValue?.lowercased(), OrchestratorDirectory.isAddress(address) else { continue }
            for (pipeline, model) in Self.pairs(entry) {
                let key = Key(orchestrator: address, pipeline: pipeline, model: model, hourMs: hour)
                if let kept = first[key], (kept.time, kept.id) <= (event.time, event.id) { continue }
                guard let value = Self.record(entry, address: address, pipeline: pipeline, model: model, key: key,
                                              time: event.time, options: options) else { continue }
                first[key] = Snapshot(time: event.time, id: event.id, value: value)
            }
        }
    }

    /// The snapshots of hours `due` says are over (given the hour's end), as record values.
    mutating func close(where due: (Int64) -> Bool) -> [JSONValue] {
        var values: [JSONValue] = []
        for (key, snapshot) in first where due(key.hourMs + 3_600_000) {
            first.removeValue(forKey: key)
            values.append(snapshot.value)
        }
        return values
    }

    /// The (pipeline, model) pairs an entry advertises: its hardware entries and the models under its constraints.
    static func pairs(_ entry: JSONValue) -> [(String, String)] {
        var pairs = Set<[String]>()
        for hardware in entry["hardware"]?.arrayValue ?? [] {
            if let pipeline = hardware["pipeline"]?.stringValue, let model = hardware["model_id"]?.stringValue,
               isIdentifier(pipeline), isIdentifier(model) { pairs.insert([pipeline, model]) }
        }
        if case .object(let capabilities)? = entry["capabilities"]?["constraints"]?["PerCapability"] {
            for member in capabilities {
                guard let id = Int64(member.key), let pipeline = pipelines[id],
                      case .object(let models)? = member.value["models"] else { continue }
                for model in models where isIdentifier(model.key) { pairs.insert([pipeline, model.key]) }
            }
        }
        return pairs.map { ($0[0], $0[1]) }
    }

    static func isIdentifier(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.count <= 256 && text.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F && $0 != 0x22 && $0 != 0x5C }
    }

    /// The record of one pair of one entry (spec/gateway-events.md §8); nil when its id is not an identifier.
    static func record(_ entry: JSONValue, address: String, pipeline: String, model: String, key: Key, time: Int64,
                       options: GatewaySessionizer.Options) -> JSONValue? {
        let id = "\(address)/\(pipeline)/\(model)/\(key.hourMs)"
        guard isIdentifier(id) else { return nil }
        var builder = RecordBuilder(kind: .capabilitySnapshot, id: id, options: options, schema: AssayVersion.capabilitySnapshotSchema)
        builder.set("orchestrator", address)
        builder.url("orchestrator_url", entry["orch_uri"]?.stringValue)
        builder.set("pipeline", pipeline)
        builder.set("model_id", model)
        builder.set("start_ms", time)
        let capabilities = entry["capabilities"]
        builder.identifier("node_version", capabilities?["version"]?.stringValue)
        let capabilityID = capabilityIDs[pipeline]
        if let capabilityID {
            let constraints = capabilities?["constraints"]?["PerCapability"]?[String(capabilityID)]?["models"]?[model]
            if let warm = constraints?["warm"]?.boolValue { builder.set("warm", warm) }
            builder.identifier("runner_version", constraints?["runnerVersion"]?.stringValue)
            builder.set("capacity_in_use", constraints?["capacityInUse"]?.integerValue.flatMap { (0...1_000_000).contains($0) ? $0 : nil })
            builder.set("capacity", capabilities?["capacities"]?[String(capabilityID)]?.integerValue
                .flatMap { (0...1_000_000).contains($0) ? $0 : nil })
        }
        var gpuIDs = Set<String>(), gpuModels = Set<String>()
        var memory: Int64 = 0, memoryValid = false
        for hardware in entry["hardware"]?.arrayValue ?? []
        where hardware["pipeline"]?.stringValue == pipeline && hardware["model_id"]?.stringValue == model {
            guard case .object(let gpus)? = hardware["gpu_info"] else { continue }
            for gpu in gpus {
                if let id = gpu.value["id"]?.stringValue, isIdentifier(id) { gpuIDs.insert(id) }
                if let name = gpu.value["name"]?.stringValue, let encoded = PercentEncoding.errorText(Array(name.utf8)) {
                    gpuModels.insert(encoded)
                }
                if let total = gpu.value["memory_total"]?.integerValue, total >= 0 {
                    let (sum, overflow) = memory.addingReportingOverflow(total)
                    memory = overflow ? .max : sum
                    memoryValid = true
                }
            }
        }
        func list(_ values: Set<String>) -> JSONValue? {
            guard !values.isEmpty, values.count <= 64 else { return nil }
            return .array(values.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }.map { .string($0) })
        }
        if let ids = list(gpuIDs) { builder.members.append(.init("gpu_ids", ids)) }
        if let models = list(gpuModels) { builder.members.append(.init("gpu_models", models)) }
        if memoryValid && memory <= 1_000_000_000_000_000 { builder.set("gpu_memory_bytes", memory) }
        if let capabilityID {
            builder.set("price_per_unit_wei", OrchestratorDirectory.prices(entry)[OrchestratorDirectory.priceKey(capability: capabilityID, constraint: model)],
                        pixels: "pixels_per_unit")
        }
        return builder.value
    }
}
