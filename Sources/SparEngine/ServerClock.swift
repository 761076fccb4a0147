import Foundation
import SparCore

extension Timestamp {
    /// The server clock, in UTC milliseconds. Read by the use cases and shells, never by SparCore.
    public static var now: Timestamp { Timestamp(milliseconds: Int64((Date().timeIntervalSince1970 * 1000).rounded())) }
}
