/// Inputs several test targets share, written once.
public enum Fixtures {
    /// A valid schema-1 batch request by orchestrator orch-1, one second apart per index.
    public static func batchRequest(_ index: Int, tries: Int = 1) -> String {
        #"{"schema":1,"kind":"batch_request","id":"req-\#(index)","observer_role":"orchestrator","observer_id":"orch-1","request_id":"req-\#(index)","pipeline":"text-to-image","model_id":"m","start_ms":\#(1_767_225_600_000 + Int64(index) * 1000),"success":true,"tries":\#(tries)}"#
    }

    /// `batchRequest` lines for `range`, as an ingest body.
    public static func batchRequests(_ range: Range<Int>) -> [UInt8] {
        Array(range.map { batchRequest($0) + "\n" }.joined().utf8)
    }

    /// A minimal valid collector configuration (one target, first day 2025-01-01), with `extra` appended.
    public static func collectorConfiguration(_ extra: String = "") -> String {
        """
        collector:
          id: gw-a
          key: gw-a
          first_day: 2025-01-01
        dataset:
          repository: dataset
        staging: staging.sqlite
        scrape_configs:
          - job_name: orchestrators
            static_configs:
              - targets: ["http://127.0.0.1:1"]
                labels:
                  orchestrator: "0xd00354656922168815fcd1e51cbddb9e359e3c7f"
        \(extra)
        """
    }

    /// The real go-livepeer gateway events of ../shared, every fixture file in name order, one event per line.
    public static func gatewayEventLines() throws -> [String] {
        try Shared.list("fixtures/go-livepeer-events").flatMap { name in
            String(decoding: try Shared.bytes("fixtures/go-livepeer-events/\(name)"), as: UTF8.self)
                .split(separator: "\n").map(String.init)
        }
    }
}
