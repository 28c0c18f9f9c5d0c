import AssayCore
import AssayCrypto

/// Which collectors scrape an orchestrator when a dataset's collectors split the network between them
/// (spec/scale.md §3): the `copies` collectors with the greatest SHA-256("assay-scrape-v1" 0x00 collector 0x00
/// orchestrator address), rendezvous hashing. Anyone recomputes it from the two lists; a collector joining or
/// leaving moves only the orchestrators whose chosen collectors change.
public enum ScrapeAssignment {
    /// The collectors that scrape `orchestrator` (its address, or any stable name), sorted by id.
    public static func scrapers(of orchestrator: String, collectors: [String], copies: Int) -> [String] {
        collectors.map { collector -> (collector: String, weight: [UInt8]) in
            (collector, MessageDigest.sha256(Array("assay-scrape-v1\u{0}\(collector)\u{0}\(orchestrator)".utf8)).bytes)
        }
        .sorted { $1.weight.lexicographicallyPrecedes($0.weight) }  // the greatest weight first
        .prefix(copies).map(\.collector).sorted()
    }
}
