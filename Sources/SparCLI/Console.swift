import Foundation

/// Writes to standard output and standard error.
enum Console {
    static func out(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    static func err(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    /// Prints an error to stderr and returns the exit code to throw.
    static func fail(_ error: any Error) -> ExitCodeError {
        err("error: \(error)")
        return ExitCodeError(code: 2)
    }
}

struct ExitCodeError: Error {
    var code: Int32
}
