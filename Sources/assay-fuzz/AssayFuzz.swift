import AssayFuzzTargets
import Foundation

// Two builds of one harness (Tests/fuzz/README.md):
// - Tests/fuzz/run builds it with -sanitize=fuzzer,address and -DASSAY_FUZZING: libFuzzer drives the target
//   named by $ASSAY_FUZZ_TARGET; a broken property aborts, so libFuzzer saves the input.
// - the ordinary build replays files through a target: `assay-fuzz TARGET FILE…`.

#if ASSAY_FUZZING
let selected: FuzzTarget = {
    guard let name = ProcessInfo.processInfo.environment["ASSAY_FUZZ_TARGET"], let target = FuzzTarget(rawValue: name) else {
        FileHandle.standardError.write(Data("set ASSAY_FUZZ_TARGET to one of: \(FuzzTarget.allCases.map(\.rawValue).joined(separator: ", "))\n".utf8))
        exit(2)
    }
    return target
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    do throws(FuzzViolation) {
        try selected.run(UnsafeRawBufferPointer(start: data, count: size))
    } catch {
        FileHandle.standardError.write(Data("assay-fuzz \(selected.rawValue): \(error.description)\n".utf8))
        abort()
    }
    return 0
}

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

/// SwiftPM makes `main` this module's `assay_fuzz_main`; it hands over to libFuzzer's driver.
@_cdecl("assay_fuzz_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var vector = argv
    _ = selected
    return LLVMFuzzerRunDriver(&count, &vector, fuzzOne)
}
#else
@main
struct AssayFuzz {
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        guard let name = arguments.first, let target = FuzzTarget(rawValue: name), arguments.count >= 2 else {
            print("usage: assay-fuzz TARGET FILE…   replays inputs through a fuzz target (Tests/fuzz/run fuzzes)")
            print("targets: \(FuzzTarget.allCases.map(\.rawValue).joined(separator: ", "))")
            exit(2)
        }
        var failed = 0
        for path in arguments.dropFirst() {
            guard let data = FileManager.default.contents(atPath: path) else {
                print("\(path): cannot read")
                failed += 1
                continue
            }
            do throws(FuzzViolation) {
                try target.run(Array(data))
                print("ok    \(path)")
            } catch {
                print("FAIL  \(path): \(error.description)")
                failed += 1
            }
        }
        exit(failed == 0 ? 0 : 1)
    }
}
#endif
