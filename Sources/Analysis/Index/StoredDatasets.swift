import HashKit
import HashStore

/// The match step's input: a dataset as the store holds it, in the shape every matcher and
/// writer takes (hashed images with keys sorted, and every file that could not be hashed).
public enum StoredDatasets {
    /// `families`: what the run matches; a picture stored without one of them (hashed by a run
    /// that did not ask for PDQ) is an error naming the fix, never a silent zero hash.
    public static func load(_ store: HashStore, _ dataset: StoredDataset, spec: DatasetSpec,
                            counts: IndexCounts? = nil, families: [HashFamily] = HashFamily.all,
                            dihedral: Dihedral.Loading = .none) throws -> DatasetResult {
        let variants = dihedral == .none ? [:] : try store.variants(in: dataset.id, families: families)
        var found = [DihedralHashes]()
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
                if dihedral != .none {
                    if let v = variants[file.path] {
                        found.append(v)
                    } else if dihedral == .required {
                        throw HashFileError(path: store.path ?? "the store", reason: "dataset '\(dataset.name)': \(key.display) was stored "
                            + "without dihedral variants (run `crosshash analyze --dihedral --store` on its folder first)")
                    } else {
                        // Variants that could not be computed (out of memory): the plain hash alone.
                        found.append(DihedralHashes(plain: h, families: families))
                    }
                }
                for w in warnings { issues.append(FileIssue(key: key, message: w, warning: true)) }
            case .failed(let message):
                issues.append(FileIssue(key: key, message: message))
            }
        }
        var result = DatasetResult(spec: spec, keys: keys, hashes: hashes, issues: issues, counts: counts, digests: digests)
        result.variants = found
        return result
    }
}

extension Dihedral {
    /// Whether a dataset is loaded with its dihedral variants: `.none` (no `--dihedral`),
    /// `.required` (`match --dihedral`: a picture without them is an error naming the fix), or
    /// `.preferred` (`analyze --dihedral`, which just computed them: a picture whose variants
    /// could not be computed is matched by its plain hash alone).
    public enum Loading: Sendable { case none, required, preferred }
}

extension DihedralHashes {
    /// Every variant the plain hash: a picture matched without transposes.
    public init(plain hashes: ImageHashes, families: [HashFamily]) {
        self.init(variants: Dictionary(uniqueKeysWithValues: families.map { f in
            (f.id, [[UInt64]](repeating: f.words(of: hashes), count: Dihedral.allCases.count))
        }))
    }
}
