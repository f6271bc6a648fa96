/// Errors that are not about a config value: files, unsupported features, features still to come.
public enum TinyTuneError: Error, CustomStringConvertible, Sendable, Equatable {
    /// A file could not be read or written; names the file.
    case io(path: String, reason: String)
    /// A file was read but its content is wrong (a bad header, an offset past the end, ...).
    case invalidFile(path: String, reason: String)
    /// A feature that is planned but not built yet; names the command or plugin and the issue that builds it.
    case notAvailableYet(feature: String, issue: Int)
    /// A request that TinyTune will not carry out, with the reason.
    case unsupported(String)

    public var description: String {
        switch self {
        case let .io(path, reason): return "\(path): \(reason)"
        case let .invalidFile(path, reason): return "\(path): \(reason)"
        case let .notAvailableYet(feature, issue): return "\(feature) is not available yet (planned in issue #\(issue))"
        case let .unsupported(reason): return reason
        }
    }
}
