import AssayCore
import Testing

@Suite("UTC days")
struct UTCDayTests {
    @Test("the day containing a timestamp is floor division, for every Int64 (an exporter may send any integer)",
          arguments: [(Int64.min, -106_751_991_168), (Int64.max, 106_751_991_167), (-1, -1), (0, 0), (86_399_999, 0),
                      (86_400_000, 1), (-86_400_000, -1), (-86_400_001, -2), (1_767_225_600_000, 20_454)])
    func containing(milliseconds: Int64, day: Int) {
        #expect(UTCDay(containing: milliseconds).number == day)
    }

    @Test("text round trip and refusals")
    func text() {
        #expect(UTCDay("2026-01-01")?.number == 20_454)
        #expect(UTCDay("2026-01-01")?.description == "2026-01-01")
        for bad in ["2026-02-30", "2026-1-01", "26-01-01", "2026-01-01T00", "", "２０２６-01-01"] { #expect(UTCDay(bad) == nil, "\(bad)") }
    }
}
