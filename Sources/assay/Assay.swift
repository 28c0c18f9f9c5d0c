import ArgumentParser
import AssayCore

@main
struct Assay: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "assay",
        abstract: "Verifiable, signed, content-addressed job metrics for the Livepeer network.",
        discussion: """
            Records are JSON Lines in RFC 8785 canonical form; bundles are hashed (SHA-256), \
            Merkle-rooted (RFC 6962) and signed (SSHSIG, Ed25519). Every subcommand has its own \
            --help with an example. The normative formats are in spec/.
            """,
        version: "assay \(AssayVersion.software) (spec v\(AssayVersion.spec), record schemas \(AssayVersion.recordSchemas.lowerBound)–\(AssayVersion.recordSchemas.upperBound))",
        subcommands: [
            KeygenCommand.self, SignCommand.self, CheckSignatureCommand.self,
            CanonicalizeCommand.self, MerkleCommand.self, SchemaCommand.self,
            DatasetCommand.self, PolicyCommand.self, SealCommand.self, PublishCommand.self, CosignCommand.self, ExporterCommand.self, IngestCommand.self, CollectCommand.self, ScoreCommand.self, ExportCommand.self, SimulateCommand.self, DemoCommand.self, SiteCommand.self, WitnessCommand.self, VerifyCommand.self, ProveCommand.self, ProbeCommand.self,
        ])
}
