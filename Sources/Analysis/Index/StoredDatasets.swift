import HashKit
import HashStore

/// The match step's input: a dataset as the store holds it, in the shape every matcher and
/// writer takes (hashed images with keys sorted, and every file that could not be hashed).
public enum StoredDatasets {
    /// `families`: what the run matches; a picture stored without one of them (hashed by a run
    /// that did not ask for PDQ) is an error naming the fix, never a silent zero hash.
    ///
    /// `lists` (`match`): entries of imported hash lists (and items sent with an optional family
    /// alone) load as images carrying the run's families they have (`DatasetResult.partial`),
    /// matched by those alone; an entry with none of them is left out. Without it they read back
    /// as the store gives them, failures without the default hashes (the service's own loading
    /// adds them to its index family by family).
    public static func load(_ store: any HashStoring, _ dataset: StoredDataset, spec: DatasetSpec,
                            counts: IndexCounts? = nil, families: [HashFamily] = HashFamily.all,
                            dihedral: Dihedral.Loading = .none, lists: Bool = false) throws -> DatasetResult {
        let variants = dihedral == .none ? [:] : try store.variants(in: dataset.id, families: families)
        let files = try store.files(in: dataset.id)
        let entries = lists && files.contains { $0.codeVersion == HashStore.hashListVersion }
            ? try listEntries(store, dataset, families: families) : [:]
        var found = [DihedralHashes]()
        var keys = [FileKey](), hashes = [ImageHashes](), issues = [FileIssue](), digests = [ContentDigest?]()
        var partial = [PartialHashes?]()
        for file in files {
            let key = FileKey(bytes: file.path)
            if lists, file.codeVersion == HashStore.hashListVersion, case .failed = file.outcome {
                guard let entry = entries[file.path] else { continue }
                keys.append(key)
                hashes.append(entry.hashes)
                digests.append(file.digest)
                partial.append(entry.carried)
                // No pixels, so no variants: the entry is matched by its plain hash.
                if dihedral != .none { found.append(DihedralHashes(plain: entry.hashes, families: families)) }
                continue
            }
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
                partial.append(nil)
                for w in warnings { issues.append(FileIssue(key: key, message: w, warning: true)) }
            case .failed(let message):
                issues.append(FileIssue(key: key, message: message))
            }
        }
        var result = DatasetResult(spec: spec, keys: keys, hashes: hashes, issues: issues, counts: counts, digests: digests)
        result.variants = found
        if partial.contains(where: { $0 != nil }) { result.partial = partial }
        return result
    }

    /// The hashes of `families` the store holds for the dataset's list entries, by path: zero
    /// for the families an entry lacks, and a quality the list did not give read as the highest
    /// (unknown quality is matched, as the store's readers take it).
    static func listEntries(_ store: any DatasetStoring, _ dataset: StoredDataset, families: [HashFamily]) throws
        -> [[UInt8]: (hashes: ImageHashes, carried: PartialHashes)] {
        var entries = [[UInt8]: (hashes: ImageHashes, carried: PartialHashes)]()
        for family in families {
            for row in try store.familyHashes(in: dataset.id, family: family) {
                var entry = entries[row.path] ?? (ImageHashes.zero, PartialHashes(families: []))
                family.set(row.words, in: &entry.hashes)
                entry.carried.families.insert(family.id)
                if family.qualityFloor != nil {
                    family.setQuality(row.quality ?? 100, in: &entry.hashes)
                    if row.quality == nil { entry.carried.unknownQuality.insert(family.id) }
                }
                entries[row.path] = entry
            }
        }
        return entries
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
