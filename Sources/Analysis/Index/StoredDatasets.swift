import HashKit
import HashStore

/// The match step's input: a dataset as the store holds it, in the shape every matcher and
/// writer takes (hashed images with keys sorted, and every file that could not be hashed).
public enum StoredDatasets {
    public static func load(_ store: HashStore, _ dataset: StoredDataset, spec: DatasetSpec,
                            counts: IndexCounts? = nil) throws -> DatasetResult {
        var keys = [FileKey](), hashes = [ImageHashes](), issues = [FileIssue](), digests = [ContentDigest?]()
        for file in try store.files(in: dataset.id) {
            let key = FileKey(bytes: file.path)
            switch file.outcome {
            case .hashed(let h, let warnings):
                keys.append(key)
                hashes.append(h)
                digests.append(file.digest)
                for w in warnings { issues.append(FileIssue(key: key, message: w, warning: true)) }
            case .failed(let message):
                issues.append(FileIssue(key: key, message: message))
            }
        }
        return DatasetResult(spec: spec, keys: keys, hashes: hashes, issues: issues, counts: counts, digests: digests)
    }
}
