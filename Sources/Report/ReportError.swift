/// Why a report output could not be written, worded for the person running the tool.
public enum ReportError: Error, Equatable, Sendable, CustomStringConvertible {
    case cannotWrite(path: String, reason: String)
    case cannotRead(path: String, reason: String)
    case drawing(path: String, reason: String)
    case invalidInput(path: String, reason: String)

    public var description: String {
        switch self {
        case .cannotWrite(let path, let reason): return "cannot write \(path): \(reason)"
        case .cannotRead(let path, let reason): return "cannot read \(path): \(reason)"
        case .drawing(let path, let reason): return "cannot draw \(path): \(reason)"
        case .invalidInput(let path, let reason): return "\(path): \(reason)"
        }
    }
}
