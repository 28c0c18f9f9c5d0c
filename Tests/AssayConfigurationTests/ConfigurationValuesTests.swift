import AssayConfiguration
import Testing

/// The value syntaxes the exporter, collector and witness configurations share (one parser each).
@Suite("configuration values")
struct ConfigurationValuesTests {
    @Test("durations: a non-negative integer and a unit; 0 is the setting's business; overflow and junk refused")
    func durations() {
        #expect(ConfigurationValues.duration("500ms") == .milliseconds(500))
        #expect(ConfigurationValues.duration("10s") == .milliseconds(10_000))
        #expect(ConfigurationValues.duration("5m") == .milliseconds(300_000))
        #expect(ConfigurationValues.duration("2h") == .milliseconds(7_200_000))
        #expect(ConfigurationValues.duration("30d") == .milliseconds(2_592_000_000))
        #expect(ConfigurationValues.duration("0s") == .milliseconds(0))
        #expect(ConfigurationValues.duration("3650d") == .milliseconds(ConfigurationValues.maximumDurationMs))
        #expect(ConfigurationValues.duration("3651d") == .tooLarge)
        #expect(ConfigurationValues.duration("99999999999999999999s") == .tooLarge)
        for junk in ["", "s", "10", "-5s", "+5s", "1.5s", "10 s", "ten s", "5w"] {
            #expect(ConfigurationValues.duration(junk) == .invalid, "\(junk)")
        }
    }

    @Test("host:port: IPv6 in brackets, ports 0…65535, nothing else")
    func hostPorts() {
        #expect(ConfigurationValues.hostPort("127.0.0.1:9100")! == ("127.0.0.1", 9100))
        #expect(ConfigurationValues.hostPort("[::1]:0")! == ("::1", 0))
        #expect(ConfigurationValues.hostPort("example.org:65535")! == ("example.org", 65535))
        for bad in ["", "9100", ":9100", "host:", "host:65536", "host:-1", "host:+80", "host:80x", "[]:80"] {
            #expect(ConfigurationValues.hostPort(bad) == nil, "\(bad)")
        }
        #expect(ConfigurationValues.isLoopback("127.0.0.1") && ConfigurationValues.isLoopback("::1") && !ConfigurationValues.isLoopback("10.0.0.1"))
    }
}
