import Foundation

/// A dataset started the way an operator starts one, with the real commands:
/// a key (`assay keygen`), a bare public repository on branch main, `assay
/// dataset init --remote` and the first `assay publish`. Files: `KEY`,
/// `KEY.pub`, `public.git`, `dataset` in `directory`.
public enum TestDataset {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// `gitInit` runs `git GITINIT… DIRECTORY/dataset` first (a repository made by git, e.g. on `master`).
    public static func create(in directory: TemporaryDirectory, id: String, key: String = "gw-a", gitInit: [String]? = nil,
                              publish: Bool = true) throws {
        func run(_ result: CommandResult, _ what: String) throws {
            guard result.status == 0 else { throw Failure(description: "\(what): \(result.stdout)\(result.stderr)") }
        }
        try run(try Command.system("git", ["init", "--quiet", "--bare", "--initial-branch=main", directory.file("public.git")]), "git init --bare")
        if let gitInit { try run(try Command.system("git", gitInit + [directory.file("dataset")]), "git \(gitInit.joined(separator: " "))") }
        try run(try Command.assay(["keygen", "--output", directory.file(key)]), "assay keygen")
        try run(try Command.assay(["dataset", "init", directory.file("dataset"), "--id", id, "--title", "Test dataset \(id)",
                                   "--signer", "\(key)=\(directory.file("\(key).pub"))", "--key", directory.file(key), "--simulated", "--remote", directory.file("public.git")]),
                "assay dataset init")
        if publish {
            try run(try Command.assay(["publish", "--dataset", directory.file("dataset"), "--key", directory.file(key), "--signer", key]), "assay publish")
        }
    }
}
