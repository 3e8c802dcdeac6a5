import HashKit

/// The root folders of analysed datasets, each opened once, for the steps that read files again
/// after the index (pair verification, report thumbnails): they too open every file beneath its
/// root with no symbolic link followed, like the scan (see `RootFolder`).
public struct DatasetRoots: Sendable {
    private let datasets: [DatasetResult]
    /// nil for a dataset without a folder (hashes read from `hash --json`: keys are paths).
    private let roots: [RootFolder?]

    public init(_ datasets: [DatasetResult]) {
        self.datasets = datasets
        roots = datasets.map { $0.spec.path.isEmpty ? nil : RootFolder(path: $0.spec.path) }
    }

    /// Where the file `key` of dataset `dataset` is read from.
    public func source(dataset: Int, key: FileKey) -> FileSource {
        if let root = roots[dataset] { return .beneath(root, key: key.bytes) }
        return .path(datasets[dataset].pathBytes(for: key))
    }
}
