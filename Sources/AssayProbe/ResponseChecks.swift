import AssayCore

/// `error_text` of a test job (spec/records.md §4.6): every byte outside 0x21–0x7E, and `"`, `\` and `%`, as `%XX`;
/// at most 256 bytes, never cutting a `%XX`; nil for an empty message.
public enum PercentEncoding {
    public static func errorText(_ message: some Collection<UInt8>) -> String? {
        var output: [UInt8] = []
        let hex = Array("0123456789ABCDEF".utf8)
        for byte in message {
            let plain = byte > 0x20 && byte < 0x7F && byte != 0x22 && byte != 0x5C && byte != 0x25
            let width = plain ? 1 : 3
            guard output.count + width <= 256 else { break }
            if plain { output.append(byte) } else { output += [0x25, hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]] }
        }
        return output.isEmpty ? nil : String(decoding: output, as: UTF8.self)
    }

    /// The message an `error_text` encodes.
    public static func decode(_ text: String) -> [UInt8] {
        var output: [UInt8] = []
        let bytes = Array(text.utf8)
        var i = 0
        while i < bytes.count {
            if bytes[i] == 0x25, i + 2 < bytes.count, let high = Hex.value(bytes[i + 1], strict: false), let low = Hex.value(bytes[i + 2], strict: false) {
                output.append(high << 4 | low)
                i += 3
            } else {
                output.append(bytes[i])
                i += 1
            }
        }
        return output
    }
}

/// What the tester reads of a response to judge a scenario's checks (spec/probe.md §2.4): pure functions of bytes.
public enum ResponseChecks {
    /// The width and height of a PNG or JPEG image, from its header; nil for anything else.
    public static func imageSize(_ bytes: [UInt8]) -> (width: Int, height: Int)? {
        if bytes.count >= 24, bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]), Array(bytes[12..<16]) == Array("IHDR".utf8) {
            func word(_ at: Int) -> Int { bytes[at..<at + 4].reduce(0) { $0 << 8 | Int($1) } }
            return (word(16), word(20))
        }
        guard bytes.count > 4, bytes[0] == 0xFF, bytes[1] == 0xD8 else { return nil }
        var i = 2
        // JPEG: walk the segments to the first start-of-frame (SOF0…SOF15 but DHT, JPG and DAC).
        while i + 9 < bytes.count {
            guard bytes[i] == 0xFF else { return nil }
            let marker = bytes[i + 1]
            if marker == 0xFF { i += 1; continue }
            let length = Int(bytes[i + 2]) << 8 | Int(bytes[i + 3])
            if (0xC0...0xCF).contains(marker), ![0xC4, 0xC8, 0xCC].contains(marker) {
                return (Int(bytes[i + 7]) << 8 | Int(bytes[i + 8]), Int(bytes[i + 5]) << 8 | Int(bytes[i + 6]))
            }
            guard length >= 2 else { return nil }
            i += 2 + length
        }
        return nil
    }

    /// The bytes a media URL of a response holds, when they are in it: a `data:` URL in base64.
    public static func dataURL(_ url: String) -> [UInt8]? {
        guard url.hasPrefix("data:"), let comma = url.firstIndex(of: ","), url[..<comma].hasSuffix(";base64") else { return nil }
        return Base64.decode(url[url.index(after: comma)...])
    }

    /// The media URLs of go-livepeer's ImageResponse (`{"images": [{"url": …}]}`), nil when the body is not one.
    public static func imageURLs(_ body: JSONValue) -> [String]? {
        guard case .array(let images)? = body["images"] else { return nil }
        var urls: [String] = []
        for image in images {
            guard case .string(let url)? = image["url"] else { return nil }
            urls.append(url)
        }
        return urls
    }

    /// The frames of go-livepeer's VideoResponse (`{"frames": [[media, …]]}`): the media of its first video.
    public static func frameCount(_ body: JSONValue) -> Int? {
        guard case .array(let videos)? = body["frames"], case .array(let frames)? = videos.first else { return nil }
        return frames.count
    }

    /// The text of a response: `text` (audio-to-text, image-to-text) or an LLM's first choice's message content.
    public static func text(_ body: JSONValue) -> String? {
        if case .string(let text)? = body["text"] { return text }
        guard case .array(let choices)? = body["choices"], case .string(let content)? = choices.first?["message"]?["content"] else { return nil }
        return content
    }

    /// The message of go-livepeer's error body (`{"error": {"message": …}}`), or the body as text (`http.Error`).
    public static func errorMessage(_ body: [UInt8]) -> [UInt8] {
        if let value = try? JSONParser().parse(body), case .string(let message)? = value["error"]?["message"] {  // not JSON: the text itself
            return Array(message.utf8)
        }
        var text = body
        while let last = text.last, last == 0x0A || last == 0x0D || last == 0x20 { text.removeLast() }
        return text
    }
}
