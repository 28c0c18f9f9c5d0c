import AssayConfiguration
import AssayCore
import AssayTestSupport
import Foundation
import Testing
import Yams

/// An operator's first deployment (issue: no lost sessions, no surprise
/// bundles): every documented configuration key does what it says, sealing
/// never publishes a backlog by surprise, the configured branch is the one
/// used, and one staging store keeps one clock.
@Suite("collector: a first deployment", .enabled(if: Command.available("git"), "git is not installed"))
struct CollectorDeploymentTests {
    @Test("dataset init makes a git repository with its remote, and prints the next steps")
    func datasetInit() throws {
        let directory = try TemporaryDirectory()
        try #require(try Command.assay(["keygen", "--output", directory.file("gw-a")]).status == 0)
        let created = try Command.assay(["dataset", "init", directory.file("dataset"), "--id", "first", "--title", "First",
                                         "--signer", "gw-a=\(directory.file("gw-a.pub"))", "--key", directory.file("gw-a"),
                                         "--remote", "https://git.example/first.git"])
        #expect(created.status == 0, "\(created.stderr)")
        #expect(created.stdout.contains("a git repository on branch main with remote origin https://git.example/first.git"), "\(created.stdout)")
        #expect(created.stdout.contains("Next steps:") && created.stdout.contains("assay publish --dataset \(directory.file("dataset"))"), "\(created.stdout)")
        let remote = try Command.system("git", ["-C", directory.file("dataset"), "remote", "get-url", "origin"])
        #expect(remote.stdout == "https://git.example/first.git\n")
    }

    @Test("a dataset whose last bundle is 300 days old: seal refuses without --catch-up, --dry-run lists the days, --catch-up seals them")
    func catchUp() throws {
        let directory = try TemporaryDirectory()
        try TestDataset.create(in: directory, id: "deploy", publish: false)
        try directory.write("collector.yaml", Fixtures.collectorConfiguration())
        let config = directory.file("collector.yaml")
        let first = try Command.assay(["collect", "seal", "--config", config, "--now", "2025-01-02T03:00:00Z"])
        try #require(first.status == 0, "\(first.stdout)\(first.stderr)")
        #expect(first.stdout.contains("Sealed 2025-01-01"), "\(first.stdout)")

        // 300 days later.
        let refused = try Command.assay(["collect", "seal", "--config", config, "--now", "2025-10-29T03:00:00.000Z"])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("300 days are due (2025-01-02 … 2025-10-28), more than seal.max_catch_up_days (7); nothing was sealed"),
                "\(refused.stderr)")
        #expect(!Files.exists(directory.file("dataset/bundles/gw-a/2025/01/02")), "nothing sealed")
        let dry = try Command.assay(["collect", "seal", "--config", config, "--now", "2025-10-29T03:00:00Z", "--dry-run"])
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(dry.stdout.contains("300 days, 2025-01-02 … 2025-10-28"), "\(dry.stdout)")
        #expect(dry.stdout.split(separator: "\n").filter { $0.hasPrefix("  2025-") }.count == 300)
        #expect(dry.stdout.contains("Dry run: nothing was sealed or published."))
        #expect(!Files.exists(directory.file("dataset/bundles/gw-a/2025/01/02")), "a dry run writes nothing")

        // The operator starts the chain again later; 9 days are still more than 7: --catch-up seals them.
        try directory.write("collector.yaml", Fixtures.collectorConfiguration().replacingOccurrences(of: "first_day: 2025-01-01", with: "first_day: 2025-10-20"))
        let nine = try Command.assay(["collect", "seal", "--config", config, "--now", "2025-10-29T03:00:00Z"])
        #expect(nine.status != 0 && nine.stderr.contains("9 days are due (2025-10-20 … 2025-10-28)"), "\(nine.stderr)")
        let caught = try Command.assay(["collect", "seal", "--config", config, "--now", "2025-10-29T03:00:00Z", "--catch-up"])
        #expect(caught.status == 0, "\(caught.stderr)")
        #expect(caught.stdout.contains("Sealed 2025-10-20, 2025-10-21") && caught.stdout.contains("2025-10-28"), "\(caught.stdout)")
        #expect(caught.stdout.contains("Published to origin (branch main)"), "\(caught.stdout)")
    }

    @Test("dataset.branch is honoured: a new repository on git's default branch publishes to the configured one; another branch with commits is refused")
    func branch() throws {
        let directory = try TemporaryDirectory()
        try TestDataset.create(in: directory, id: "deploy", gitInit: ["-c", "init.defaultBranch=master", "init", "--quiet"], publish: false)
        try directory.write("collector.yaml", Fixtures.collectorConfiguration())
        let sealed = try Command.assay(["collect", "seal", "--config", directory.file("collector.yaml"), "--now", "2025-01-02T03:00:00Z"])
        #expect(sealed.status == 0, "\(sealed.stdout)\(sealed.stderr)")
        let heads = try Command.system("git", ["-C", directory.file("public.git"), "for-each-ref", "--format=%(refname)", "refs/heads"])
        #expect(heads.stdout == "refs/heads/main\n", "pushed to main only: \(heads.stdout)")
        let head = try Command.system("git", ["-C", directory.file("dataset"), "symbolic-ref", "HEAD"])
        #expect(head.stdout == "refs/heads/main\n")

        // A repository whose commits are on master, configured for main: refused with what to do.
        let other = try TemporaryDirectory()
        try TestDataset.create(in: other, id: "deploy", gitInit: ["-c", "init.defaultBranch=master", "init", "--quiet"], publish: false)
        try #require(try Command.assay(["publish", "--dataset", other.file("dataset"), "--key", other.file("gw-a"), "--signer", "gw-a", "--no-push"]).status == 0)
        try other.write("collector.yaml", Fixtures.collectorConfiguration())
        let refused = try Command.assay(["collect", "seal", "--config", other.file("collector.yaml"), "--now", "2025-01-02T03:00:00Z"])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("is on branch 'master', but the configured branch is 'main'"), "\(refused.stdout)\(refused.stderr)")
    }

    @Test("one clock per staging store: after a simulated clock, a manual scrape on the system clock is refused; with --now its probe lands on the clock's day")
    func oneClock() throws {
        let directory = try TemporaryDirectory()
        try TestDataset.create(in: directory, id: "deploy", publish: false)
        try directory.write("collector.yaml", Fixtures.collectorConfiguration())
        let config = directory.file("collector.yaml")
        try #require(try Command.assay(["collect", "seal", "--config", config, "--now", "2025-01-02T03:00:00Z"]).status == 0)
        let refused = try Command.assay(["collect", "scrape", "--config", config])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("runs on a simulated clock"), "\(refused.stderr)")
        let scraped = try Command.assay(["collect", "scrape", "--config", config, "--now", "2025-01-02T04:00:00Z"])
        #expect(scraped.status == 0, "\(scraped.stderr)")
        let status = try Command.assay(["collect", "status", "--config", config])
        #expect(status.stdout.contains("last attempt: connect_error at 2025-01-02T04:00:00.000Z"), "\(status.stdout)")
        #expect(status.stdout.contains("clock: simulated, last used at 2025-01-02T04:00:00.000Z"), "\(status.stdout)")
        // The same refusal for sealing and for the daemon.
        let seal = try Command.assay(["collect", "seal", "--config", config])
        #expect(seal.status != 0 && seal.stderr.contains("runs on a simulated clock"), "\(seal.stderr)")
    }

}
