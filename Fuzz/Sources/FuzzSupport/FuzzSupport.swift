import CLibFuzzer
import Foundation

/// The C signature of `LLVMFuzzerTestOneInput`.
public typealias FuzzCallback = @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt

/// Hands the process to libFuzzer's driver (what libFuzzer's own `main` does).
///
/// Why not libFuzzer's `main`: on Linux SwiftPM links every executable target with `--defsym main=<Target>_main`
/// (so that test targets can link the executable's code), and under `-parse-as-library` nothing defines
/// `<Target>_main`, so the link fails with "undefined symbol 'FuzzX_main'". Each fuzz target therefore defines
/// `<Target>_main` itself and calls this, which calls `LLVMFuzzerRunDriver` with the same flags and inputs
/// libFuzzer's `main` would get.
public func runLibFuzzer(
    _ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, _ callback: FuzzCallback
) -> CInt {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv, callback)
}

/// The input bytes as `Data` (what the parsers' byte entry points take).
public func fuzzData(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> Data {
    guard let bytes, count > 0 else { return Data() }
    return Data(bytes: bytes, count: count)
}

/// Options read from the environment once.
public enum FuzzOptions {
    /// `SPAR_FUZZ_ROUNDTRIP=1`: also trap when something a parser accepted does not read back from its own
    /// canonical form (a property check, not a crash of the parser). Off by default, so that a known
    /// round-trip defect does not stop the crash-only CI run; see README-fuzz-draft.md.
    public static let roundTrip: Bool = {
        guard let v = getenv("SPAR_FUZZ_ROUNDTRIP") else { return false }
        return String(cString: v) != "0"
    }()

    /// `SPAR_FUZZ_VERBOSE=1`: print what the parser made of each input to stderr (to read a reproducer, or to
    /// check that the seeds named valid-* are accepted: `SPAR_FUZZ_VERBOSE=1 FuzzEventLine Corpus/FuzzEventLine/*`).
    public static let verbose: Bool = {
        guard let v = getenv("SPAR_FUZZ_VERBOSE") else { return false }
        return String(cString: v) != "0"
    }()
}

/// Writes one line to stderr when `SPAR_FUZZ_VERBOSE` is set.
public func fuzzLog(_ message: @autoclosure () -> String) {
    guard FuzzOptions.verbose else { return }
    FileHandle.standardError.write(Data(("[spar-fuzz] " + message() + "\n").utf8))
}

/// Stops the process so libFuzzer records the input as a crash (used by the round-trip checks only).
public func propertyFailed(_ what: String, file: StaticString = #fileID, line: UInt = #line) -> Never {
    fatalError("property violated: \(what)", file: file, line: line)
}
