import HashKit
import HashStore

/// The match step's input: a dataset as the store holds it, in the shape every matcher and
/// writer takes (hashed images with keys sorted, and every file that could not be hashed).
public enum StoredDatasets {
    /// `families`: what the run matches; a picture stored without one of them (hashed by a run
    /// that did not ask for PDQ) is an error naming the fix, never a silent zero hash.
    public static func load(_ store: HashStore, _ dataset: StoredDataset, spec: DatasetSpec,
                            counts: IndexCounts? = nil, families: [HashFamily] = HashFamily.all) throws -> DatasetResult {
        var keys = [FileKey](), hashes = [ImageHashes](), issues = [FileIssue](), digests = [ContentDigest?]()
        for file in try store.files(in: dataset.id) {
            let key = FileKey(bytes: file.path)
            guard file.covers(families) else {
                let missing = families.filter { !file.families.contains($0.id) }.map(\.id.rawValue).joined(separator: ",")
                throw HashFileError(path: store.path ?? "the store", reason: "dataset '\(dataset.name)': \(key.display) was stored "
                    + "without \(missing) (run `crosshash analyze --store --families \(families.map(\.id.rawValue).joined(separator: ","))` on it first)")
            }
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
