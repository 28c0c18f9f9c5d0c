import AssayCore
import AssayTestSupport
import Foundation
import Testing

/// `tail -F` with a committed position, on real files: resume, rotation, truncation.
@Suite("file tail")
struct FileTailTests {
    @Test("a saved position resumes only in the same file, at most its length; otherwise the file is read from its start")
    func resume() throws {
        let directory = try TemporaryDirectory()
        try directory.write("a.log", "one\ntwo\n")
        let tail = FileTail(path: directory.file("a.log"))
        let status = try #require(try tail.advance())
        #expect(status.size == 8)
        #expect(FileTail.resumeOffset(saved: (status.identity, 4), status: status) == 4)
        #expect(FileTail.resumeOffset(saved: (status.identity, 9), status: status) == 0, "a truncated file starts again")
        #expect(FileTail.resumeOffset(saved: (.init(device: status.identity.device, inode: status.identity.inode + 1), 4), status: status) == 0,
                "another file starts again")
        #expect(FileTail.resumeOffset(saved: nil, status: status) == 0)
        #expect(String(decoding: try tail.read(from: 4, limit: 100), as: UTF8.self) == "two\n")
    }

    @Test("a rotated file is read to its end, appended to after the rotation too, before the new file is taken")
    func rotation() throws {
        let directory = try TemporaryDirectory()
        try directory.write("a.log", "old-1\n")
        let tail = FileTail(path: directory.file("a.log"))
        let first = try #require(try tail.advance())
        #expect(try tail.read(from: 0, limit: 100).count == 6)
        // logrotate: the file is renamed, the writer still appends to it, and a new file takes the path.
        try FileManager.default.moveItem(atPath: directory.file("a.log"), toPath: directory.file("a.log.1"))
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: directory.file("a.log.1")))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("old-2\n".utf8))
        try handle.close()
        try directory.write("a.log", "new-1\n")
        let draining = try #require(try tail.advance())
        #expect(draining.identity == first.identity && draining.size == 12, "the old file, which has unread bytes, stays open")
        #expect(String(decoding: try tail.read(from: 6, limit: 100), as: UTF8.self) == "old-2\n")
        let next = try #require(try tail.advance())
        #expect(next.identity != first.identity && next.size == 6, "read to its end, the old file gives way to the new one")
        #expect(String(decoding: try tail.read(from: 0, limit: 100), as: UTF8.self) == "new-1\n")
    }

    @Test("a truncated file is reopened; a path that is not a regular file is an error, a missing one is nothing yet")
    func truncationAndKinds() throws {
        let directory = try TemporaryDirectory()
        let missing = FileTail(path: directory.file("none.log"))
        #expect(try missing.advance() == nil)
        try directory.write("a.log", "0123456789\n")
        let tail = FileTail(path: directory.file("a.log"))
        _ = try tail.advance()
        #expect(try tail.read(from: 0, limit: 100).count == 11)
        try directory.write("a.log", "ab\n")
        let after = try #require(try tail.advance())
        #expect(after.size == 3 && FileTail.resumeOffset(saved: (after.identity, 11), status: after) == 0)
        try FileManager.default.createDirectory(atPath: directory.file("dir"), withIntermediateDirectories: false)
        #expect(throws: FileError.self) { try FileTail(path: directory.file("dir")).advance() }
    }
}
