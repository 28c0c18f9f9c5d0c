internal import CAssayGit2
import AssayCore

/// A git repository through libgit2. One value owns one `git_repository`
/// and frees it; it is used from one thread at a time (libgit2's rule), and
/// no libgit2 pointer leaves this module.
public final class GitRepository {
    private let pointer: OpaquePointer
    /// The work tree, or nil for a bare repository.
    public let workdir: String?
    public let path: String

    private init(pointer: OpaquePointer) {
        self.pointer = pointer
        path = String(cString: git_repository_path(pointer))
        workdir = git_repository_workdir(pointer).map { String(cString: $0) }
    }

    deinit { git_repository_free(pointer) }

    /// Opens the repository at `path` (its work tree or git directory).
    public static func open(_ path: String) throws(GitError) -> GitRepository {
        GitLibrary.ensureInitialized()
        var repository: OpaquePointer?
        try check(git_repository_open_ext(&repository, path, UInt32(GIT_REPOSITORY_OPEN_NO_SEARCH.rawValue), nil), "open \(path)")
        return GitRepository(pointer: repository!)
    }

    /// Creates a repository (bare: no work tree, as a public remote) with `branch` as its initial branch.
    public static func create(_ path: String, bare: Bool, branch: String = "main") throws(GitError) -> GitRepository {
        GitLibrary.ensureInitialized()
        var options = git_repository_init_options()
        try check(git_repository_init_options_init(&options, UInt32(GIT_REPOSITORY_INIT_OPTIONS_VERSION)), "init options")
        options.flags = UInt32(GIT_REPOSITORY_INIT_MKPATH.rawValue) | (bare ? UInt32(GIT_REPOSITORY_INIT_BARE.rawValue) : 0)
        var repository: OpaquePointer?
        let result = branch.withCString { head in
            options.initial_head = head
            return git_repository_init_ext(&repository, path, &options)
        }
        try check(result, "create \(path)")
        return GitRepository(pointer: repository!)
    }

    /// Clones `url` into `path` (created; it must not exist or be empty) and checks out the remote's default branch.
    public static func clone(_ url: String, to path: String, credentials: GitCredentials = GitCredentials()) throws(GitError) -> GitRepository {
        GitLibrary.ensureInitialized()
        var options = git_clone_options()
        try check(git_clone_options_init(&options, UInt32(GIT_CLONE_OPTIONS_VERSION)), "clone options")
        let box = Unmanaged.passRetained(CallbackBox(credentials: credentials))
        defer { box.release() }
        options.fetch_opts.callbacks.credentials = credentialCallback
        options.fetch_opts.callbacks.payload = box.toOpaque()
        var repository: OpaquePointer?
        try check(git_clone(&repository, url, path, &options), "clone \(url) into \(path)")
        return GitRepository(pointer: repository!)
    }

    /// Adds a remote.
    public func addRemote(_ name: String, url: String) throws(GitError) {
        var remote: OpaquePointer?
        try Self.check(git_remote_create(&remote, pointer, name, url), "add remote \(name)")
        git_remote_free(remote)
    }

    /// The branch HEAD points to (`main` for `refs/heads/main`), even when it has no commit yet.
    public func currentBranch() throws(GitError) -> String {
        var reference: OpaquePointer?
        try Self.check(git_reference_lookup(&reference, pointer, "HEAD"), "read HEAD")
        defer { git_reference_free(reference) }
        guard git_reference_type(reference) == GIT_REFERENCE_SYMBOLIC, let target = git_reference_symbolic_target(reference) else {
            throw GitError(.detachedHead, "HEAD is detached; check out a branch")
        }
        let name = String(cString: target)
        return name.hasPrefix("refs/heads/") ? String(name.dropFirst("refs/heads/".count)) : name
    }

    /// Makes `branch` the branch Assay commits to. A repository without commits yet (whose HEAD
    /// may name git's default `master`) is pointed at `branch`; a repository whose HEAD is on
    /// another branch that has commits is refused with what to do, so commits never go to a
    /// branch other than the configured one.
    public func useBranch(_ branch: String) throws(GitError) {
        let current = try currentBranch()
        guard current != branch else { return }
        let currentHasCommits = try resolve("refs/heads/\(current)") != nil
        let branchExists = try resolve("refs/heads/\(branch)") != nil
        guard !currentHasCommits, !branchExists else {
            throw GitError(.wrongBranch, "the dataset repository \(path) is on branch '\(current)', but the configured branch is '\(branch)': "
                + (branchExists ? "check it out (git -C \(path) checkout \(branch))"
                   : "rename it (git -C \(path) branch -m \(current) \(branch)) or configure '\(current)'"))
        }
        try Self.check(git_repository_set_head(pointer, "refs/heads/\(branch)"), "point HEAD at \(branch)")
    }

    /// The commit id a reference resolves to, or nil if it does not exist (an unborn branch).
    public func resolve(_ reference: String) throws(GitError) -> String? {
        var oid = git_oid()
        let result = git_reference_name_to_id(&oid, pointer, reference)
        if result == GIT_ENOTFOUND.rawValue { return nil }
        try Self.check(result, "resolve \(reference)")
        return Self.hex(oid)
    }

    /// One entry of `git status`.
    public struct StatusEntry: Sendable, Equatable {
        public let path: String
        /// True for a file git does not track yet (and does not ignore).
        public let isUntracked: Bool
    }

    /// Everything that differs from HEAD, untracked files listed one by one (and ignored ones, with `includeIgnored`).
    public func status(includeIgnored: Bool = false) throws(GitError) -> [StatusEntry] {
        var options = git_status_options()
        try Self.check(git_status_options_init(&options, UInt32(GIT_STATUS_OPTIONS_VERSION)), "status options")
        options.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR
        options.flags = UInt32(GIT_STATUS_OPT_INCLUDE_UNTRACKED.rawValue | GIT_STATUS_OPT_RECURSE_UNTRACKED_DIRS.rawValue)
        if includeIgnored {
            options.flags |= UInt32(GIT_STATUS_OPT_INCLUDE_IGNORED.rawValue | GIT_STATUS_OPT_RECURSE_IGNORED_DIRS.rawValue)
        }
        var list: OpaquePointer?
        try Self.check(git_status_list_new(&list, pointer, &options), "status")
        defer { git_status_list_free(list) }
        var entries: [StatusEntry] = []
        for index in 0..<git_status_list_entrycount(list) {
            guard let entry = git_status_byindex(list, index)?.pointee else { continue }
            let delta = entry.index_to_workdir ?? entry.head_to_index
            guard let delta, let cPath = delta.pointee.new_file.path ?? delta.pointee.old_file.path else { continue }
            entries.append(StatusEntry(path: String(cString: cPath), isUntracked: entry.status == GIT_STATUS_WT_NEW || entry.status == GIT_STATUS_IGNORED))
        }
        return entries.sorted { $0.path < $1.path }
    }

    /// Commits `paths` (relative to the work tree, all new files) on the
    /// current branch with an SSH signature in the `gpgsig` header: the
    /// commit buffer is built, passed to `sign`, which returns the armored
    /// SSHSIG (namespace `git`), and stored as git does with gpg.format=ssh.
    /// Only additions are allowed: a commit that would change or delete a
    /// tracked file is refused (spec/dataset.md §9).
    /// `blobs` gives, for some of `paths`, the content to commit in place of the work tree's file (a Git LFS
    /// pointer for a large file, which the work tree keeps as it is).
    public func commitSigned(adding paths: [String], blobs: [String: [UInt8]] = [:], message: String, author: GitIdentity,
                             rules: AppendOnlyRules = .strict, sign: ([UInt8]) throws -> String) throws(GitError) -> String {
        let branch = try currentBranch()
        let parentID = try resolve("refs/heads/\(branch)")
        var index: OpaquePointer?
        try Self.check(git_repository_index(&index, pointer), "open index")
        defer { git_index_free(index) }
        for path in paths {
            guard let blob = blobs[path] else {
                try Self.check(git_index_add_bypath(index, path), "add \(path)")
                continue
            }
            // The blob, then an index entry with the work tree file's stat, as git's clean filter leaves it: git and
            // libgit2 then see the file as unchanged until it changes.
            var blobID = git_oid()
            try Self.check(blob.withUnsafeBytes { git_blob_create_from_buffer(&blobID, pointer, $0.baseAddress, $0.count) }, "store \(path)")
            var info = stat()
            guard let workdir, lstat(workdir + path, &info) == 0 else {
                throw GitError(.libgit2, "\(path): cannot stat the work tree's file (\(String(cString: strerror(errno))))")
            }
            var entry = git_index_entry()
            entry.mode = 0o100644
            entry.id = blobID
            entry.file_size = UInt32(truncatingIfNeeded: info.st_size)
            entry.ctime = git_index_time(seconds: Int32(truncatingIfNeeded: info.st_ctim.tv_sec), nanoseconds: UInt32(truncatingIfNeeded: info.st_ctim.tv_nsec))
            entry.mtime = git_index_time(seconds: Int32(truncatingIfNeeded: info.st_mtim.tv_sec), nanoseconds: UInt32(truncatingIfNeeded: info.st_mtim.tv_nsec))
            entry.dev = UInt32(truncatingIfNeeded: info.st_dev)
            entry.ino = UInt32(truncatingIfNeeded: info.st_ino)
            entry.uid = info.st_uid
            entry.gid = info.st_gid
            let result = path.withCString { cPath in
                entry.path = cPath
                return git_index_add(index, &entry)
            }
            try Self.check(result, "add \(path) as its stored form")
        }
        var treeID = git_oid()
        try Self.check(git_index_write_tree(&treeID, index), "write tree")
        var tree: OpaquePointer?
        try Self.check(git_tree_lookup(&tree, pointer, &treeID), "read tree")
        defer { git_tree_free(tree) }

        var parent: OpaquePointer?
        if let parentID {
            var oid = try Self.oid(parentID)
            try Self.check(git_commit_lookup(&parent, pointer, &oid), "read \(parentID)")
        }
        defer { if let parent { git_commit_free(parent) } }
        try checkOnlyAdditions(parent: parent, tree: tree, rules: rules)

        var signature: UnsafeMutablePointer<git_signature>?
        try Self.check(git_signature_new(&signature, author.name, author.email, author.time, 0), "author")
        defer { git_signature_free(signature) }
        let commitID = try storeSignedCommit(author: signature, committer: signature, message: message, tree: tree, parent: parent,
                                             sign: sign, what: "commit")
        // Move the branch only if nobody moved it meanwhile; write the index so the work tree is clean.
        try moveBranch("refs/heads/\(branch)", to: Self.hex(commitID), expected: parentID, log: "assay: signed commit")
        try Self.check(git_index_write(index), "write index")
        return Self.hex(commitID)
    }

    /// Refuses a tree that changes or deletes anything the parent has, except what `rules` lets change.
    private func checkOnlyAdditions(parent: OpaquePointer?, tree: OpaquePointer?, rules: AppendOnlyRules) throws(GitError) {
        guard let parent else { return }
        var parentTree: OpaquePointer?
        try Self.check(git_commit_tree(&parentTree, parent), "read parent tree")
        defer { git_tree_free(parentTree) }
        var diff: OpaquePointer?
        try Self.check(git_diff_tree_to_tree(&diff, pointer, parentTree, tree, nil), "diff")
        defer { git_diff_free(diff) }
        for index in 0..<git_diff_num_deltas(diff) {
            guard let delta = git_diff_get_delta(diff, index)?.pointee else { continue }
            if delta.status != GIT_DELTA_ADDED {
                let path = delta.old_file.path.map { String(cString: $0) } ?? "?"
                if delta.status == GIT_DELTA_MODIFIED && rules.mutablePaths.contains(path) { continue }
                throw GitError(.notAppendOnly, "the commit would change or delete the published file '\(path)'; published files are never rewritten")
            }
        }
    }

    /// Brings the current branch up to `upstream` (a commit id, usually
    /// `refs/remotes/<remote>/<branch>`): a fast-forward when the branch has
    /// nothing of its own; otherwise its own commits, which only add files,
    /// are **replayed** on top of `upstream`: each commit's added files are
    /// put onto the new parent's tree, and the commit is rebuilt with the same
    /// author, committer and message and signed again with `sign`. A path the
    /// upstream already has with the same content is skipped (a commit left
    /// with nothing is dropped); with other content it is a `conflict`. The
    /// work tree is then checked out. Returns how many commits were replayed.
    @discardableResult
    public func integrate(upstream: String, rules: AppendOnlyRules = .strict, sign: ([UInt8]) throws -> String) throws(GitError) -> Int {
        let branch = try currentBranch()
        let reference = "refs/heads/\(branch)"
        guard let local = try resolve(reference) else {
            try moveBranch(reference, to: upstream, expected: nil)
            try checkoutHead()
            return 0
        }
        let (ahead, behind) = try aheadBehind(local: local, upstream: upstream)
        guard behind > 0 else { return 0 }
        if ahead == 0 {
            try moveBranch(reference, to: upstream, expected: local)
            try checkoutHead()
            return 0
        }
        var walk: OpaquePointer?
        try Self.check(git_revwalk_new(&walk, pointer), "walk")
        defer { git_revwalk_free(walk) }
        git_revwalk_sorting(walk, GIT_SORT_TOPOLOGICAL.rawValue | GIT_SORT_REVERSE.rawValue)
        var localID = try Self.oid(local), upstreamID = try Self.oid(upstream)
        try Self.check(git_revwalk_push(walk, &localID), "walk from \(branch)")
        try Self.check(git_revwalk_hide(walk, &upstreamID), "hide \(upstream)")
        var own: [git_oid] = []
        var next = git_oid()
        while git_revwalk_next(&next, walk) == 0 { own.append(next) }
        var parentID = upstreamID
        var replayed = 0
        for var id in own {
            if let rebuilt = try replay(&id, onto: parentID, rules: rules, sign: sign) {
                parentID = rebuilt
                replayed += 1
            }
        }
        try moveBranch(reference, to: Self.hex(parentID), expected: local)
        try checkoutHead()
        return replayed
    }

    /// Rebuilds one additive commit on `parentID`; nil when nothing of it is left to add.
    private func replay(_ id: inout git_oid, onto parentID: git_oid, rules: AppendOnlyRules, sign: ([UInt8]) throws -> String) throws(GitError) -> git_oid? {
        var commit: OpaquePointer?
        try Self.check(git_commit_lookup(&commit, pointer, &id), "read commit")
        defer { git_commit_free(commit) }
        let name = String(Self.hex(id).prefix(12))
        guard git_commit_parentcount(commit) == 1 else {
            throw GitError(.diverged, "commit \(name) is a merge or a root commit; only additive commits on one parent can be replayed")
        }
        var oldParent: OpaquePointer?, oldParentTree: OpaquePointer?, tree: OpaquePointer?
        try Self.check(git_commit_parent(&oldParent, commit, 0), "read parent")
        defer { git_commit_free(oldParent) }
        try Self.check(git_commit_tree(&oldParentTree, oldParent), "read parent tree")
        defer { git_tree_free(oldParentTree) }
        try Self.check(git_commit_tree(&tree, commit), "read tree")
        defer { git_tree_free(tree) }
        var diff: OpaquePointer?
        try Self.check(git_diff_tree_to_tree(&diff, pointer, oldParentTree, tree, nil), "diff")
        defer { git_diff_free(diff) }

        var newParentID = parentID
        var newParent: OpaquePointer?, newParentTree: OpaquePointer?
        try Self.check(git_commit_lookup(&newParent, pointer, &newParentID), "read \(Self.hex(parentID))")
        defer { git_commit_free(newParent) }
        try Self.check(git_commit_tree(&newParentTree, newParent), "read tree")
        defer { git_tree_free(newParentTree) }
        var index: OpaquePointer?
        try Self.check(git_index_new(&index), "new index")
        defer { git_index_free(index) }
        try Self.check(git_index_read_tree(index, newParentTree), "read tree into index")
        var added = 0
        for position in 0..<git_diff_num_deltas(diff) {
            guard let delta = git_diff_get_delta(diff, position)?.pointee, let cPath = delta.new_file.path else { continue }
            let path = String(cString: cPath)
            // Files the caller rebuilds on the tree it lands on are not replayed.
            if let prefix = rules.unreplayedPrefix, path.hasPrefix(prefix) { continue }
            guard delta.status == GIT_DELTA_ADDED else {
                throw GitError(.notAppendOnly, "commit \(name) changes or deletes '\(path)'; only additive commits are replayed")
            }
            var blob = delta.new_file.id
            if let existing = git_index_get_bypath(index, cPath, 0) {
                var existingID = existing.pointee.id
                if git_oid_equal(&existingID, &blob) != 0 { continue }
                throw GitError(.conflict, "'\(path)' was published meanwhile with other content; the local file is kept in commit \(name) and not pushed")
            }
            var entry = git_index_entry()
            entry.mode = UInt32(delta.new_file.mode)
            entry.id = blob
            entry.file_size = UInt32(truncatingIfNeeded: delta.new_file.size)
            let result = cPath.withMemoryRebound(to: CChar.self, capacity: 1) { path -> Int32 in
                entry.path = path
                return git_index_add(index, &entry)
            }
            try Self.check(result, "add \(path)")
            added += 1
        }
        guard added > 0 else { return nil }
        var treeID = git_oid()
        try Self.check(git_index_write_tree_to(&treeID, index, pointer), "write tree")
        var newTree: OpaquePointer?
        try Self.check(git_tree_lookup(&newTree, pointer, &treeID), "read tree")
        defer { git_tree_free(newTree) }
        return try storeSignedCommit(author: git_commit_author(commit), committer: git_commit_committer(commit), message: git_commit_message(commit),
                                     tree: newTree, parent: newParent, sign: sign, what: "replayed commit")
    }

    /// Builds a commit of `tree` on `parent` (none: a root commit), signs its bytes with `sign` (an
    /// armored SSH signature in the `gpgsig` header) and stores it; the branch is the caller's to move.
    private func storeSignedCommit(author: UnsafePointer<git_signature>?, committer: UnsafePointer<git_signature>?, message: UnsafePointer<CChar>?,
                                   tree: OpaquePointer?, parent: OpaquePointer?, sign: ([UInt8]) throws -> String,
                                   what: String) throws(GitError) -> git_oid {
        var buffer = git_buf()
        defer { git_buf_dispose(&buffer) }
        var parents: [OpaquePointer?] = parent.map { [$0] } ?? []
        let created = parents.withUnsafeMutableBufferPointer { list in
            git_commit_create_buffer(&buffer, pointer, author, committer, nil, message, tree, list.count, list.count == 0 ? nil : list.baseAddress)
        }
        try Self.check(created, "build \(what)")
        let content = Array(UnsafeBufferPointer(start: UnsafeRawPointer(buffer.ptr).assumingMemoryBound(to: UInt8.self), count: buffer.size))
        let armored: String
        do { armored = try sign(content) } catch { throw GitError(.signing, "signing the \(what) failed: \(error)") }
        var commitID = git_oid()
        let stored = String(decoding: content, as: UTF8.self).withCString { text in
            git_commit_create_with_signature(&commitID, pointer, text, armored, "gpgsig")
        }
        try Self.check(stored, "store signed \(what)")
        return commitID
    }

    /// Points `reference` at `target`, only if it still points at `expected` (nil: create it).
    private func moveBranch(_ reference: String, to target: String, expected: String?, log: String = "assay: integrate") throws(GitError) {
        var targetID = try Self.oid(target)
        var moved: OpaquePointer?
        let result: Int32
        if let expected {
            var expectedID = try Self.oid(expected)
            result = git_reference_create_matching(&moved, pointer, reference, &targetID, 1, &expectedID, log)
        } else {
            result = git_reference_create(&moved, pointer, reference, &targetID, 0, log)
        }
        try Self.check(result, "move \(reference)")
        git_reference_free(moved)
    }

    /// Makes the index and work tree match HEAD (files Assay does not track are left alone).
    private func checkoutHead() throws(GitError) {
        var options = git_checkout_options()
        try Self.check(git_checkout_options_init(&options, UInt32(GIT_CHECKOUT_OPTIONS_VERSION)), "checkout options")
        options.checkout_strategy = GIT_CHECKOUT_FORCE.rawValue
        try Self.check(git_checkout_head(pointer, &options), "check out")
    }

    /// How many commits `local` has that `upstream` lacks, and the reverse.
    public func aheadBehind(local: String, upstream: String) throws(GitError) -> (ahead: Int, behind: Int) {
        var localID = try Self.oid(local)
        var upstreamID = try Self.oid(upstream)
        var ahead = 0, behind = 0
        try Self.check(git_graph_ahead_behind(&ahead, &behind, pointer, &localID, &upstreamID), "compare \(local) and \(upstream)")
        return (ahead, behind)
    }

    /// Looks up a remote. A URL that is a relative path on this machine (`../public.git`) is taken
    /// relative to the work tree, as `git -C WORKTREE` takes it (libgit2 alone refuses it).
    func lookupRemote(_ name: String) throws(GitError) -> OpaquePointer? {
        var remote: OpaquePointer?
        try Self.check(git_remote_lookup(&remote, pointer, name), "find remote \(name)")
        if let raw = git_remote_url(remote).map({ String(cString: $0) }), !raw.hasPrefix("/"), !raw.hasPrefix("file://"),
           Self.localRepositoryPath(raw) != nil {
            var components = (workdir ?? path).split(separator: "/").map(String.init)
            for part in raw.split(separator: "/") {
                switch part {
                case ".": continue
                case "..": if !components.isEmpty { components.removeLast() }
                default: components.append(String(part))
                }
            }
            let absolute = "/" + components.joined(separator: "/")
            do { try Self.check(git_remote_set_instance_url(remote, absolute), "resolve remote \(name) (\(raw))") } catch {
                git_remote_free(remote)
                throw error
            }
        }
        return remote
    }

    /// Fetches `remote`'s branches into `refs/remotes/<remote>/…`.
    public func fetch(remote name: String, credentials: GitCredentials = GitCredentials()) throws(GitError) {
        let remote = try lookupRemote(name)
        defer { git_remote_free(remote) }
        var options = git_fetch_options()
        try Self.check(git_fetch_options_init(&options, UInt32(GIT_FETCH_OPTIONS_VERSION)), "fetch options")
        let box = Unmanaged.passRetained(CallbackBox(credentials: credentials))
        defer { box.release() }
        options.callbacks.credentials = credentialCallback
        options.callbacks.payload = box.toOpaque()
        try Self.check(git_remote_fetch(remote, nil, &options, "assay: fetch"), "fetch from \(name)")
    }

    /// Pushes `branch` to `remote`. A rejected update (for example not a
    /// fast-forward) is an error naming the remote's reason.
    public func push(remote name: String, branch: String, credentials: GitCredentials = GitCredentials()) throws(GitError) {
        let remote = try lookupRemote(name)
        defer { git_remote_free(remote) }
        var options = git_push_options()
        try Self.check(git_push_options_init(&options, UInt32(GIT_PUSH_OPTIONS_VERSION)), "push options")
        let box = Unmanaged.passRetained(CallbackBox(credentials: credentials))
        defer { box.release() }
        options.callbacks.credentials = credentialCallback
        options.callbacks.push_update_reference = pushUpdateCallback
        options.callbacks.payload = box.toOpaque()
        let refspec = "refs/heads/\(branch):refs/heads/\(branch)"
        // libgit2's local transport moves the remote branch without comparing it with the value it
        // checked (a lost update when two pushes race); git's receive-pack over ssh/https compares.
        // Pushes to a repository on this machine therefore hold a lock in it for the whole push.
        var lock: PushLock?
        if let url = git_remote_url(remote), let path = Self.localRepositoryPath(String(cString: url)) { lock = try PushLock(repository: path) }
        defer { lock?.release() }
        let result = refspec.withCString { spec -> Int32 in
            var strings: [UnsafeMutablePointer<CChar>?] = [UnsafeMutablePointer(mutating: spec)]
            return strings.withUnsafeMutableBufferPointer { buffer in
                var array = git_strarray(strings: buffer.baseAddress, count: 1)
                return git_remote_push(remote, &array, &options)
            }
        }
        try Self.check(result, "push \(branch) to \(name)")
        if let rejection = box.takeUnretainedValue().rejection {
            throw GitError(.pushRejected, "\(name) refused \(branch): \(rejection)")
        }
    }

    /// The path of a remote URL that names a repository on this machine (a path or `file://`), else nil.
    static func localRepositoryPath(_ url: String) -> String? {
        if url.hasPrefix("file://") { return String(url.dropFirst("file://".count)) }
        if url.contains("://") || (url.contains(":") && !url.hasPrefix("/") && !url.hasPrefix(".")) { return nil }  // scp-like user@host:path
        return url
    }

    /// An exclusive `flock` on `<repository>/assay-push.lock`, held while pushing to a local repository. It fails
    /// closed: a lock that cannot be opened or taken stops the push (pushing unlocked could lose a racing update).
    final class PushLock {
        private var fd: Int32
        init(repository: String) throws(GitError) {
            let path = "\(repository)/assay-push.lock"
            fd = Glibc.open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
            guard fd >= 0 else {
                throw GitError(.pushRejected, "\(path): cannot open the push lock (\(String(cString: strerror(errno)))); not pushing without it")
            }
            var result: Int32
            repeat { result = flock(fd, LOCK_EX) } while result != 0 && errno == EINTR
            guard result == 0 else {
                let reason = String(cString: strerror(errno))
                close(fd)
                fd = -1
                throw GitError(.pushRejected, "\(path): cannot take the push lock (\(reason)); not pushing without it")
            }
        }
        func release() {
            guard fd >= 0 else { return }
            flock(fd, LOCK_UN)
            close(fd)
            fd = -1
        }
        deinit { release() }
    }

    /// A commit as signature verification needs it.
    public struct CommitInfo: Sendable {
        public let id: String
        /// The armored signature of the `gpgsig` header, if any.
        public let signature: String?
        /// The commit object without the `gpgsig` header: what was signed.
        public let signedData: [UInt8]
        /// Committer time, seconds since the epoch.
        public let committerTime: Int64
        public let summary: String
    }

    /// Every commit reachable from HEAD, newest first.
    public func commits() throws(GitError) -> [CommitInfo] {
        guard try resolve("HEAD") != nil else { return [] }
        var infos: [CommitInfo] = []
        try walk(sorting: GIT_SORT_TOPOLOGICAL.rawValue | GIT_SORT_TIME.rawValue, from: "HEAD") { (oid: inout git_oid, commit: OpaquePointer?) throws(GitError) in
            var signature = git_buf(), data = git_buf()
            defer {
                git_buf_dispose(&signature)
                git_buf_dispose(&data)
            }
            let extracted = git_commit_extract_signature(&signature, &data, pointer, &oid, "gpgsig")
            let time = Int64(git_commit_time(commit))
            let summary = git_commit_summary(commit).map { String(cString: $0) } ?? ""
            if extracted == 0 {
                infos.append(CommitInfo(id: Self.hex(oid), signature: String(cString: signature.ptr),
                                        signedData: Array(UnsafeBufferPointer(start: UnsafeRawPointer(data.ptr).assumingMemoryBound(to: UInt8.self), count: data.size)),
                                        committerTime: time, summary: summary))
            } else {
                git_error_clear()
                infos.append(CommitInfo(id: Self.hex(oid), signature: nil, signedData: [], committerTime: time, summary: summary))
            }
        }
        return infos
    }

    /// Calls `body` with each commit a revision walk from `revisions` yields ("HEAD", or a range "A..B"
    /// as git rev-list reads it), in the order `sorting` asks for.
    private func walk(sorting: UInt32, from revisions: String,
                      _ body: (inout git_oid, OpaquePointer?) throws(GitError) -> Void) throws(GitError) {
        var walk: OpaquePointer?
        try Self.check(git_revwalk_new(&walk, pointer), "walk")
        defer { git_revwalk_free(walk) }
        git_revwalk_sorting(walk, sorting)
        if revisions == "HEAD" {
            try Self.check(git_revwalk_push_head(walk), "walk from HEAD")
        } else {
            try Self.check(git_revwalk_push_range(walk, revisions), "revision range '\(revisions)'")
        }
        var oid = git_oid()
        while git_revwalk_next(&oid, walk) == 0 {
            var commit: OpaquePointer?
            try Self.check(git_commit_lookup(&commit, pointer, &oid), "read commit")
            defer { git_commit_free(commit) }
            try body(&oid, commit)
        }
    }

    /// Paths of files that commits in `range` ("A..B", as git rev-list) added
    /// relative to their first parent (every file of a root commit), sorted.
    public func pathsAdded(in range: String) throws(GitError) -> [String] {
        var paths: Set<String> = []
        try walk(sorting: 0, from: range) { (_: inout git_oid, commit: OpaquePointer?) throws(GitError) in
            var tree: OpaquePointer?, parentTree: OpaquePointer?
            try Self.check(git_commit_tree(&tree, commit), "read tree")
            defer { git_tree_free(tree) }
            if git_commit_parentcount(commit) > 0 {
                var parent: OpaquePointer?
                try Self.check(git_commit_parent(&parent, commit, 0), "read parent")
                defer { git_commit_free(parent) }
                try Self.check(git_commit_tree(&parentTree, parent), "read parent tree")
            }
            defer { if parentTree != nil { git_tree_free(parentTree) } }
            var diff: OpaquePointer?
            try Self.check(git_diff_tree_to_tree(&diff, pointer, parentTree, tree, nil), "diff")
            defer { git_diff_free(diff) }
            for index in 0..<git_diff_num_deltas(diff) {
                guard let delta = git_diff_get_delta(diff, index), delta.pointee.status == GIT_DELTA_ADDED,
                      let path = delta.pointee.new_file.path else { continue }
                paths.insert(String(cString: path))
            }
        }
        return paths.sorted()
    }

    /// Moves the current branch, the index and the work tree to `commit` (`git reset --hard`):
    /// files the dropped commits added disappear from the work tree.
    public func resetHard(to commit: String) throws(GitError) {
        var oid = try Self.oid(commit)
        var object: OpaquePointer?
        try Self.check(git_object_lookup(&object, pointer, &oid, GIT_OBJECT_COMMIT), "read \(commit)")
        defer { git_object_free(object) }
        try Self.check(git_reset(pointer, object, GIT_RESET_HARD, nil), "reset to \(commit.prefix(12))")
    }

    /// One commit of the history as additivity needs it (spec/dataset.md §9).
    public struct HistoryEntry: Sendable {
        public let id: String
        public let summary: String
        /// Files the commit adds relative to its first parent (all files for a root commit): path and blob id.
        public let added: [(path: String, blob: String)]
        /// Changes other than additions relative to any parent: path and what happened to it.
        public let nonAdditive: [(path: String, change: String)]
    }

    /// Every commit reachable from HEAD, parents before children, with what it adds and what it
    /// changes otherwise (tree differences without rename detection).
    public func history() throws(GitError) -> [HistoryEntry] {
        guard try resolve("HEAD") != nil else { return [] }
        var entries: [HistoryEntry] = []
        try walk(sorting: GIT_SORT_TOPOLOGICAL.rawValue | GIT_SORT_REVERSE.rawValue, from: "HEAD") { (oid: inout git_oid, commit: OpaquePointer?) throws(GitError) in
            var tree: OpaquePointer?
            try Self.check(git_commit_tree(&tree, commit), "read tree")
            defer { git_tree_free(tree) }
            var added: [(String, String)] = []
            var nonAdditive: [(String, String)] = []
            let parents = git_commit_parentcount(commit)
            for index in 0..<max(parents, 1) {
                var parentTree: OpaquePointer?
                if parents > 0 {
                    var parent: OpaquePointer?
                    try Self.check(git_commit_parent(&parent, commit, index), "read parent")
                    defer { git_commit_free(parent) }
                    try Self.check(git_commit_tree(&parentTree, parent), "read parent tree")
                }
                defer { if parentTree != nil { git_tree_free(parentTree) } }
                var diff: OpaquePointer?
                try Self.check(git_diff_tree_to_tree(&diff, pointer, parentTree, tree, nil), "diff")
                defer { git_diff_free(diff) }
                for deltaIndex in 0..<git_diff_num_deltas(diff) {
                    guard let delta = git_diff_get_delta(diff, deltaIndex)?.pointee else { continue }
                    let path = (delta.new_file.path ?? delta.old_file.path).map { String(cString: $0) } ?? "?"
                    switch delta.status {
                    case GIT_DELTA_ADDED: if index == 0 { added.append((path, Self.hex(delta.new_file.id))) }
                    case GIT_DELTA_DELETED: nonAdditive.append((path, "deletes"))
                    case GIT_DELTA_TYPECHANGE: nonAdditive.append((path, "changes the type of"))
                    default: nonAdditive.append((path, "modifies"))
                    }
                }
            }
            let summary = git_commit_summary(commit).map { String(cString: $0) } ?? ""
            entries.append(HistoryEntry(id: Self.hex(oid), summary: summary, added: added, nonAdditive: nonAdditive))
        }
        return entries
    }

    /// The bytes of a blob, at most `limit` (a larger blob is an error).
    /// The id of the blob at `path` in the tree of `revision`, or nil when that tree has no file there.
    public func blobID(path: String, revision: String = "HEAD") throws(GitError) -> String? {
        var object: OpaquePointer?
        let result = git_revparse_single(&object, pointer, "\(revision):\(path)")
        if result == GIT_ENOTFOUND.rawValue { return nil }
        try Self.check(result, "look up \(revision):\(path)")
        defer { git_object_free(object) }
        guard git_object_type(object) == GIT_OBJECT_BLOB, let id = git_object_id(object) else { return nil }
        return Self.hex(id.pointee)
    }

    public func blob(_ id: String, limit: Int) throws(GitError) -> [UInt8] {
        var oid = try Self.oid(id)
        var blob: OpaquePointer?
        try Self.check(git_blob_lookup(&blob, pointer, &oid), "read blob \(id)")
        defer { git_blob_free(blob) }
        let size = Int(git_blob_rawsize(blob))
        guard size <= limit else { throw GitError(.libgit2, "blob \(id) is \(size) bytes, more than \(limit)") }
        guard size > 0, let raw = git_blob_rawcontent(blob) else { return [] }
        return Array(UnsafeRawBufferPointer(start: raw, count: size))
    }

    static func oid(_ hex: String) throws(GitError) -> git_oid {
        var oid = git_oid()
        guard git_oid_fromstr(&oid, hex) == 0 else { throw GitError(.libgit2, "'\(hex)' is not a commit id") }
        return oid
    }

    static func hex(_ oid: git_oid) -> String {
        var copy = oid
        var buffer = [CChar](repeating: 0, count: 41)
        git_oid_tostr(&buffer, 41, &copy)
        return String(decoding: buffer.prefix(40).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Turns a libgit2 result into a typed error; reads the thread-local message at once.
    static func check(_ result: Int32, _ what: String) throws(GitError) {
        guard result < 0 else { return }
        let message = git_error_last().map { String(cString: $0.pointee.message) } ?? "error \(result)"
        throw GitError(.libgit2, "\(what): \(message)")
    }
}

/// What an append-only history allows besides additions: paths that may be modified, and a
/// directory whose files a replay leaves out because the caller rebuilds them on the tree it lands on.
public struct AppendOnlyRules: Sendable, Equatable {
    public var mutablePaths: Set<String>
    public var unreplayedPrefix: String?

    public init(mutablePaths: Set<String> = [], unreplayedPrefix: String? = nil) {
        self.mutablePaths = mutablePaths
        self.unreplayedPrefix = unreplayedPrefix
    }

    /// Additions only; every file is replayed.
    public static let strict = AppendOnlyRules()
}

/// Who makes a commit, and when.
public struct GitIdentity: Sendable {
    public var name: String
    public var email: String
    /// Seconds since the epoch.
    public var time: Int64

    public init(name: String, email: String, time: Int64) {
        self.name = name
        self.email = email
        self.time = time
    }
}

/// How to authenticate to an SSH remote: the SSH agent first, then a key file.
public struct GitCredentials: Sendable {
    public var username: String?
    public var privateKeyPath: String?
    public var publicKeyPath: String?

    public init(username: String? = nil, privateKeyPath: String? = nil, publicKeyPath: String? = nil) {
        self.username = username
        self.privateKeyPath = privateKeyPath
        self.publicKeyPath = publicKeyPath
    }
}

/// State shared with libgit2's C callbacks through their payload pointer.
final class CallbackBox {
    let credentials: GitCredentials
    var attempts = 0
    var rejection: String?
    init(credentials: GitCredentials) { self.credentials = credentials }
}

private let credentialCallback: git_credential_acquire_cb = { out, _, usernameFromURL, allowedTypes, payload in
    guard let payload, let out else { return -1 }
    let box = Unmanaged<CallbackBox>.fromOpaque(payload).takeUnretainedValue()
    box.attempts += 1
    guard box.attempts <= 2 else { return Int32(GIT_EUSER.rawValue) }
    let user = box.credentials.username ?? usernameFromURL.map { String(cString: $0) } ?? "git"
    if allowedTypes & UInt32(GIT_CREDENTIAL_SSH_KEY.rawValue) != 0 {
        if box.attempts == 1 && box.credentials.privateKeyPath == nil {
            return git_credential_ssh_key_from_agent(out, user)
        }
        if let key = box.credentials.privateKeyPath {
            return git_credential_ssh_key_new(out, user, box.credentials.publicKeyPath, key, nil)
        }
    }
    if allowedTypes & UInt32(GIT_CREDENTIAL_USERNAME.rawValue) != 0 { return git_credential_username_new(out, user) }
    return Int32(GIT_PASSTHROUGH.rawValue)
}

private let pushUpdateCallback: git_push_update_reference_cb = { _, status, payload in
    if let status, let payload {
        Unmanaged<CallbackBox>.fromOpaque(payload).takeUnretainedValue().rejection = String(cString: status)
    }
    return 0
}

/// libgit2 must be initialized once per process.
enum GitLibrary {
    static let initialized: Bool = { git_libgit2_init() > 0 }()
    static func ensureInitialized() { _ = initialized }
}

/// Why a git operation failed.
public struct GitError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case libgit2
        case detachedHead = "detached-head"
        case wrongBranch = "wrong-branch"
        case dirty
        case diverged
        case notAppendOnly = "not-append-only"
        case pushRejected = "push-rejected"
        case signing
        case nothingToPublish = "nothing-to-publish"
        /// Two publishers added the same path with different content.
        case conflict
        /// The files to publish could not be made (scores that cannot be computed).
        case content
        /// Git LFS could not store, push or fetch a large file (spec/dataset.md §9.1).
        case largeFiles = "large-files"
    }

    public let code: Code
    public let reason: String

    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { "\(reason) [\(code.rawValue)]" }
}

#if canImport(Glibc)
import Glibc
#endif
