import ArgumentParser
import Foundation

/// Writes to standard output and standard error.
enum Console {
    static func out(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    /// Writes `text` as is, adding no line end (CSV and Markdown end their own lines).
    static func write(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
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

/// Runs a command's body; any error is printed to stderr and ends the command with exit status 2.
func reportingFailure(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch {
        throw ExitCode(Console.fail(error).code)
    }
}

struct ExitCodeError: Error {
    var code: Int32
}
