/// What became of one file (or uploaded image): the one answer every stage passes on, from the
/// engine feeder through the index step to the store and the service's answers.
public enum FileOutcome: Equatable, Sendable {
    /// The hashes of every family, and the decoder's complaints about the file (in the order the
    /// decoder made them), which reports show although the file was hashed.
    case hashed(ImageHashes, warnings: [String])
    /// Why the file could not be hashed (a decode error, or for a file never read why not): the
    /// store keeps it, so the next run reports it again without retrying.
    case failed(String)

    /// The hashes, when the file was hashed.
    public var hashes: ImageHashes? {
        if case .hashed(let hashes, _) = self { return hashes }
        return nil
    }

    /// The reason, when the file was not hashed.
    public var failure: String? {
        if case .failed(let message) = self { return message }
        return nil
    }
}
