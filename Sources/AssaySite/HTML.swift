import AssayCore

/// HTML building blocks: escaping, the page frame, and inline SVG charts that
/// always come with a text alternative. Every string from data goes through
/// `escape`; every URL is built from `SitePath` components, never from data.
enum HTML {
    /// Escapes text for element content and double-quoted attribute values.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// A whole page. `root` is the relative path back to the site root ("" or "../").
    static func page(title: String, root: String, current: String, banner: String?, body: String, script: String? = nil) -> String {
        let nav = [("Home", "index.html"), ("Leaderboards", "leaderboards.html"), ("Provenance", "provenance.html"),
                   ("Verify in your browser", "verify.html"), ("Downloads", "downloads.html")]
            .map { name, href in
                "<li><a href=\"\(root)\(href)\"\(href == current ? " aria-current=\"page\"" : "")>\(name)</a></li>"
            }.joined()
        return """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="color-scheme" content="light dark">
            <meta http-equiv="Content-Security-Policy" content="default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'">
            <title>\(escape(title)) · Assay</title>
            <link rel="icon" href="data:,">
            <link rel="stylesheet" href="\(root)assets/site.css">
            </head>
            <body>
            <a class="skip" href="#main">Skip to content</a>
            <header>
            <p class="brand"><a href="\(root)index.html">Assay</a> <span>verifiable Livepeer AI metrics</span></p>
            <nav aria-label="Site"><ul>\(nav)</ul></nav>
            \(banner.map { "<p class=\"banner\" role=\"note\">\($0)</p>" } ?? "")
            </header>
            <main id="main">
            \(body)
            </main>
            <footer><p>Every number here is computed by <code>assay score</code> from signed bundles; see <a href="\(root)provenance.html">Provenance</a> to check it yourself.</p></footer>
            \(script.map { "<script src=\"\(root)\($0)\" defer></script>" } ?? "")
            </body>
            </html>

            """
    }

    /// A table with a caption; cells are already HTML. `numeric` columns align right.
    static func table(caption: String, headers: [String], rows: [[String]], numeric: Set<Int> = [], className: String = "data") -> String {
        let head = headers.enumerated().map { "<th scope=\"col\"\(numeric.contains($0.offset) ? " class=\"num\"" : "")>\($0.element)</th>" }.joined()
        let body = rows.map { row in
            "<tr>" + row.enumerated().map { index, cell in
                index == 0 ? "<th scope=\"row\">\(cell)</th>" : "<td\(numeric.contains(index) ? " class=\"num\"" : "")>\(cell)</td>"
            }.joined() + "</tr>"
        }.joined(separator: "\n")
        return "<div class=\"table-wrap\" tabindex=\"0\" role=\"region\" aria-label=\"\(escape(caption))\"><table class=\"\(className)\"><caption>\(escape(caption))</caption><thead><tr>\(head)</tr></thead><tbody>\n\(body)\n</tbody></table></div>"
    }

    /// A small line of daily values in 0…100 (nil: no data, drawn as a gap), with a text alternative.
    static func sparkline(_ values: [Int64?], label: String) -> String {
        let width = 120, height = 24
        let step = values.count > 1 ? Double(width - 2) / Double(values.count - 1) : 0
        var segments: [[String]] = [[]]
        for (index, value) in values.enumerated() {
            guard let value else {
                if !(segments.last?.isEmpty ?? true) { segments.append([]) }
                continue
            }
            let x = 1 + Double(index) * step
            let y = Double(height - 2) - Double(min(max(value, 0), 100_000_000)) / 100_000_000 * Double(height - 4)
            segments[segments.count - 1].append("\(Format.decimal(x, 1)),\(Format.decimal(y + 1, 1))")
        }
        let lines = segments.filter { !$0.isEmpty }.map { points in
            points.count == 1 ? "<circle cx=\"\(points[0].split(separator: ",")[0])\" cy=\"\(points[0].split(separator: ",")[1])\" r=\"1.5\"/>"
                : "<polyline points=\"\(points.joined(separator: " "))\"/>"
        }.joined()
        return "<svg class=\"spark\" viewBox=\"0 0 \(width) \(height)\" width=\"\(width)\" height=\"\(height)\" role=\"img\" aria-label=\"\(escape(label))\"><title>\(escape(label))</title>\(lines)</svg>"
    }

    /// A line chart of daily scores (0…100) with labelled axes; the caller puts the data table beside it.
    static func lineChart(_ points: [(day: UTCDay, value: Int64?)], label: String) -> String {
        let width = 720, height = 220, left = 40, bottom = 24, top = 8
        guard let first = points.first?.day, let last = points.last?.day else { return "" }
        let span = max(1, last.number - first.number)
        func x(_ day: UTCDay) -> Double { Double(left) + Double(day.number - first.number) / Double(span) * Double(width - left - 8) }
        func y(_ value: Int64) -> Double { Double(top) + (1 - Double(min(max(value, 0), 100_000_000)) / 100_000_000) * Double(height - top - bottom) }
        var segments: [[String]] = [[]]
        var previous: UTCDay?
        for point in points {
            if let previous, point.day.number != previous.number + 1, !(segments.last?.isEmpty ?? true) { segments.append([]) }
            if let value = point.value {
                segments[segments.count - 1].append("\(Format.decimal(x(point.day), 1)),\(Format.decimal(y(value), 1))")
            } else if !(segments.last?.isEmpty ?? true) {
                segments.append([])
            }
            previous = point.day
        }
        let grid = [0, 25, 50, 75, 100].map { level in
            let yy = Format.decimal(y(Int64(level) * 1_000_000), 1)
            return "<line class=\"grid\" x1=\"\(left)\" x2=\"\(width - 8)\" y1=\"\(yy)\" y2=\"\(yy)\"/><text x=\"\(left - 6)\" y=\"\(yy)\" text-anchor=\"end\" dominant-baseline=\"middle\">\(level)</text>"
        }.joined()
        let lines = segments.filter { !$0.isEmpty }.map { "<polyline points=\"\($0.joined(separator: " "))\"/>" }.joined()
        let axis = "<text x=\"\(left)\" y=\"\(height - 4)\">\(first)</text><text x=\"\(width - 8)\" y=\"\(height - 4)\" text-anchor=\"end\">\(last)</text>"
        return "<figure><svg class=\"chart\" viewBox=\"0 0 \(width) \(height)\" role=\"img\" aria-label=\"\(escape(label))\"><title>\(escape(label))</title>\(grid)\(lines)\(axis)</svg><figcaption>\(escape(label))</figcaption></figure>"
    }

    /// A line chart of several daily series (spec/site.md §6.3): y from 0 to the greatest value, a missing value breaks
    /// the line; a legend names each series, and the caller puts the table of the same numbers after it.
    static func seriesChart(days: [UTCDay], series: [(name: String, values: [Int64?])], label: String,
                            format: (Int64) -> String) -> String {
        let width = 720, height = 220, left = 64, bottom = 24, top = 8, right = 8
        guard let first = days.first, let last = days.last, !series.isEmpty else { return "" }
        let span = Int64(max(1, last.number - first.number))
        let highest = max(1, series.flatMap { $0.values.compactMap { $0 } }.max() ?? 1)
        // Integer coordinates (spec/site.md §6.3), computed in 128 bits so no value overflows them.
        func x(_ day: UTCDay) -> Int64 { Int64(left) + Int64(day.number - first.number) * Int64(width - left - right) / span }
        func y(_ value: Int64) -> Int64 {
            Int64(top) + Int64((Int128(highest) - Int128(max(value, 0))) * Int128(height - top - bottom) / Int128(highest))
        }
        var drawn = ""
        for (index, entry) in series.enumerated() {
            var segments: [[String]] = [[]]
            for (day, value) in zip(days, entry.values) {
                if let value { segments[segments.count - 1].append("\(x(day)),\(y(value))") } else if !(segments.last?.isEmpty ?? true) { segments.append([]) }
            }
            drawn += segments.filter { !$0.isEmpty }.map { points in
                points.count == 1 ? "<circle class=\"s\(index % 8)\" cx=\"\(points[0].split(separator: ",")[0])\" cy=\"\(points[0].split(separator: ",")[1])\" r=\"2\"/>"
                    : "<polyline class=\"s\(index % 8)\" points=\"\(points.joined(separator: " "))\"/>"
            }.joined()
        }
        let axis = "<line class=\"grid\" x1=\"\(left)\" x2=\"\(width - right)\" y1=\"\(y(0))\" y2=\"\(y(0))\"/>"
            + "<line class=\"grid\" x1=\"\(left)\" x2=\"\(width - right)\" y1=\"\(y(highest))\" y2=\"\(y(highest))\"/>"
            + "<text x=\"\(left - 6)\" y=\"\(y(0))\" text-anchor=\"end\" dominant-baseline=\"middle\">\(escape(format(0)))</text>"
            + "<text x=\"\(left - 6)\" y=\"\(y(highest))\" text-anchor=\"end\" dominant-baseline=\"middle\">\(escape(format(highest)))</text>"
            + "<text x=\"\(left)\" y=\"\(height - 4)\">\(first)</text><text x=\"\(width - right)\" y=\"\(height - 4)\" text-anchor=\"end\">\(last)</text>"
        let legend = "<ul class=\"legend\">" + series.enumerated().map { "<li><span class=\"key s\($0.offset % 8)\" aria-hidden=\"true\"></span>\(escape($0.element.name))</li>" }.joined() + "</ul>"
        return "<figure><svg class=\"chart\" viewBox=\"0 0 \(width) \(height)\" role=\"img\" aria-label=\"\(escape(label))\"><title>\(escape(label))</title>\(axis)\(drawn)</svg>"
            + "<figcaption>\(escape(label))</figcaption>\(legend)</figure>\n"
    }

    /// A bar chart of counts per bin with a text alternative.
    static func histogram(_ bins: [(label: String, count: Int)], label: String) -> String {
        let width = 720, height = 180, bottom = 36, top = 8
        let highest = max(1, bins.map(\.count).max() ?? 1)
        let slot = Double(width - 16) / Double(max(1, bins.count))
        let bars = bins.enumerated().map { index, bin in
            let barHeight = Double(bin.count) / Double(highest) * Double(height - top - bottom)
            let x = 8 + Double(index) * slot
            return "<rect x=\"\(Format.decimal(x + 2, 1))\" y=\"\(Format.decimal(Double(height - bottom) - barHeight, 1))\" width=\"\(Format.decimal(max(1, slot - 4), 1))\" height=\"\(Format.decimal(barHeight, 1))\"><title>\(escape(bin.label)): \(bin.count)</title></rect>"
                + "<text x=\"\(Format.decimal(x + slot / 2, 1))\" y=\"\(height - bottom + 14)\" text-anchor=\"middle\">\(escape(bin.label))</text>"
        }.joined()
        return "<figure><svg class=\"chart bars\" viewBox=\"0 0 \(width) \(height)\" role=\"img\" aria-label=\"\(escape(label))\"><title>\(escape(label))</title>\(bars)</svg><figcaption>\(escape(label))</figcaption></figure>"
    }
}

/// Locale-free number formatting.
public enum Format {
    /// A millionths value (0…100 000 000 for scores) as `72.50`.
    public static func score(_ millionths: Int64?) -> String {
        guard let millionths else { return "no data" }
        return fixed(millionths, scale: 1_000_000, digits: 2)
    }

    /// A rate in millionths (0…1 000 000) as a percentage `98.5 %`.
    static func percent(_ millionths: Int64?) -> String {
        guard let millionths else { return "no data" }
        return fixed(millionths * 100, scale: 1_000_000, digits: 1) + " %"
    }

    /// `value / scale` rounded half up to `digits` decimals, without floating point.
    static func fixed(_ value: Int64, scale: Int64, digits: Int) -> String {
        var factor: Int64 = 1
        for _ in 0..<digits { factor *= 10 }
        let negative = value < 0
        let magnitude = negative ? -value : value
        let scaled = (magnitude * factor * 2 + scale) / (scale * 2)
        let whole = scaled / factor, fraction = scaled % factor
        var text = "\(negative ? "-" : "")\(whole)"
        if digits > 0 {
            let digitsText = String(fraction)
            text += "." + String(repeating: "0", count: digits - digitsText.count) + digitsText
        }
        return text
    }

    /// A Double with fixed decimals (chart coordinates only).
    static func decimal(_ value: Double, _ digits: Int) -> String {
        var factor = 1.0
        for _ in 0..<digits { factor *= 10 }
        return fixed(Int64((value * factor).rounded()), scale: Int64(factor), digits: digits)
    }

    /// Milliseconds as `1 234 ms` style without locale: plain digits and the unit.
    static func ms(_ value: Int64?) -> String { value.map { "\($0) ms" } ?? "no data" }

    /// Milli-frames per second as `24.0 fps`.
    static func fps(_ milli: Int64?) -> String { milli.map { fixed($0, scale: 1000, digits: 1) + " fps" } ?? "no data" }
}
