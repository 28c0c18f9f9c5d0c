import CAssayGit2
import CAssaySQLite
import Testing

/// The system libraries the edges use link and are recent enough; this is
/// what `.ci/run`'s apt packages and pkg-config must provide.
@Suite("system libraries")
struct SystemLibraryTests {
    @Test("SQLite is 3.37 or newer (STRICT tables, JSON functions)")
    func sqlite() {
        #expect(sqlite3_libversion_number() >= 3_037_000)
        #expect(sqlite3_threadsafe() != 0)
    }

    @Test("libgit2 is 1.5 or newer")
    func libgit2() {
        var major: Int32 = 0, minor: Int32 = 0, revision: Int32 = 0
        #expect(git_libgit2_version(&major, &minor, &revision) == 0)
        #expect(major > 1 || (major == 1 && minor >= 5))
    }
}
