import AssayCore

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
