import HashKit
import JSONFiles

/// The JSON files of OUTPUTS.md, built from an `AnalysisResult`. Everything here is a pure
/// function of the result, so identical inputs give byte-identical files.
public enum AnalysisJSON {
    /// `<dataset>/<prefix>_hashes.json`.
    public static func hashFileName(_ family: HashFamily) -> String { "\(family.filePrefix)_hashes.json" }
    /// `<prefix>_cross_duplicates.json`.
    public static func crossDuplicatesFileName(_ family: HashFamily) -> String { "\(family.filePrefix)_cross_duplicates.json" }

    /// File -> hex; for a family with a quality (PDQ), file -> {"hash": HEX, "quality": N}, every
    /// picture listed, those under the floor too (they are only left out of matching). A list
    /// entry is listed under its list's family alone, as {"hash": HEX} when the list gave no quality.
    public static func hashes(_ dataset: DatasetResult, _ family: HashFamily) -> JSONValue {
        .object(dataset.keys.indices.compactMap { i in
            let (key, h) = (dataset.keys[i], dataset.hashes[i])
            guard dataset.carries(family, at: i) else { return nil }
            guard let quality = family.quality(of: h) else { return (key.bytes, .str(family.hex(of: h))) }
            guard dataset.knowsQuality(family, at: i) else { return (key.bytes, .obj([("hash", .str(family.hex(of: h)))])) }
            return (key.bytes, .obj([("hash", .str(family.hex(of: h))), ("quality", .int(quality))]))
        })
    }

    /// The pictures of `dataset` under `family`'s quality floor (not matched); 0 without a floor.
    public static func belowQualityFloor(_ dataset: DatasetResult, _ family: HashFamily) -> Int {
        family.qualityFloor == nil ? 0
            : dataset.hashes.indices.reduce(0) { $0 + (dataset.carries(family, at: $1) && !family.isMatchable(dataset.hashes[$1]) ? 1 : 0) }
    }

    public static func errors(_ dataset: DatasetResult) -> JSONValue {
        .array(dataset.issues.sorted { $0.key < $1.key }.map { issue in
            var fields: [([UInt8], JSONValue)] = [(Array("file".utf8), .string(issue.key.bytes)),
                                                  (Array("error".utf8), .str(issue.message))]
            if issue.warning { fields.append((Array("warning".utf8), .bool(true))) }
            return .object(fields)
        })
    }

    static func ref(_ r: ImageRef, _ datasets: [DatasetResult]) -> JSONValue {
        .object([(Array("dataset".utf8), .str(datasets[r.dataset].spec.name)), (Array("file".utf8), .string(r.key.bytes))])
    }

    /// A lazy array: a pair's JSON is made only while the file is written, and each image's
    /// reference is printed once however many pairs it is in (a pair explosion repeats the same
    /// few thousand images millions of times).
    /// `verdicts`: the seed's fields stay as they are; verification only appends "verified" and
    /// "similarity" to each pair it judged, and a curator's review appends "review".
    /// `families`: with more than two (the default two keep the seed's bytes), each pair gains
    /// "distances" with its distance under every family computed.
    static func pairs(_ pairs: PairList, _ datasets: [DatasetResult], verdicts: PairVerdicts? = nil,
                      reviews: PairReviews = PairReviews(), families: [HashFamily] = []) -> JSONValue {
        let names = datasets.map(\.spec.name)
        let verdicts = verdicts.flatMap { $0.verdicts.isEmpty ? nil : $0 }
        let reviews = reviews.isEmpty ? nil : reviews
        let refs = PrintedRefs(datasets.map(\.keys.count))
        return .lazyArray(LazyJSONArray(count: pairs.count) { i in
            // The pair itself (its keys) is only built where a reference is printed for the
            // first time, or a verdict is looked up: a pair explosion repeats few images.
            let s = pairs.summary(i)
            let a: JSONValue, b: JSONValue
            if let at = pairs.location(i) {
                a = refs.printed(at.datasetA, at.a) { ref(pairs[i].a, names) }
                b = refs.printed(at.datasetB, at.b) { ref(pairs[i].b, names) }
            } else {
                (a, b) = (ref(pairs[i].a, names), ref(pairs[i].b, names))
            }
            var fields: [(String, JSONValue)] = [("a", a), ("b", b), ("distance", .int(s.distance))]
            // A list entry's pair has no distance under a family the entry lacks.
            if s.other != CrossPair.noDistance { fields.append(("other_distance", .int(s.other))) }
            let transform = pairs.transform(i)
            if families.count > 2 { fields.append(("distances", distances(pairs[i], datasets, families, transform: transform))) }
            if let transform { fields.append(("transform", .str(transform.name))) }
            if let v = verdicts?.verdict(pairs[i]) {
                fields.append(("similarity", .double(round4(v.similarity))))
                fields.append(("verified", .bool(v.verified)))
            }
            if let r = reviews?.review(pairs[i]) {
                fields.append(("review", .obj([("decision", .str(r.decision.rawValue)), ("note", .str(r.note))])))
            }
            return .obj(fields)
        })
    }

    /// Image references printed at the pair objects' indentation, made on first use. Only the
    /// thread writing the file touches it (a lazy array is written by one thread, in order).
    final class PrintedRefs: @unchecked Sendable {
        /// Inside "pairs" (indent 2) -> a pair object (4) -> its "a"/"b" values (6).
        static let indent = 6
        private var cache: [[SerializedJSON?]]

        init(_ counts: [Int]) { cache = counts.map { [SerializedJSON?](repeating: nil, count: $0) } }

        func printed(_ dataset: Int, _ index: Int, _ make: () -> JSONValue) -> JSONValue {
            if let text = cache[dataset][index] { return .printed(text) }
            let text = SerializedJSON(make(), indent: Self.indent)
            cache[dataset][index] = text
            return .printed(text)
        }
    }

    static func ref(_ r: ImageRef, _ names: [String]) -> JSONValue {
        .object([(Array("dataset".utf8), .str(names[r.dataset])), (Array("file".utf8), .string(r.key.bytes))])
    }


    /// A pair's distance under each family, by looking both pictures up (a PDQ pair list
    /// numbers only the pictures it matched, so its positions are not the dataset's).
    /// With a transform (`--dihedral`), a's variant under it is compared with b's plain hash.
    static func distances(_ pair: CrossPair, _ datasets: [DatasetResult], _ families: [HashFamily],
                          transform: Dihedral? = nil) -> JSONValue {
        let (da, db) = (datasets[pair.a.dataset], datasets[pair.b.dataset])
        guard let i = da.index(of: pair.a.key), let j = db.index(of: pair.b.key) else {
            return .obj([])
        }
        let (a, b) = (da.hashes[i], db.hashes[j])
        // A family either picture lacks (a list entry's other families) has no distance.
        return .obj(families.filter { da.carries($0, at: i) && db.carries($0, at: j) }.map { f in
            if let transform, da.variants.count == da.keys.count, let words = da.variants[i].words(f, transform) {
                return (f.id.rawValue, .int(Hamming.distance(words, f.words(of: b))))
            }
            return (f.id.rawValue, .int(f.distance(a, b)))
        })
    }

    static func round4(_ x: Double) -> Double { (x * 10000).rounded() / 10000 }

    /// `verified_cross_duplicates.json`.
    public static let verifiedFileName = "verified_cross_duplicates.json"

    /// The verified pairs of every family merged (one row per image pair, with each family's
    /// distance), their groups, and what verification rejected.
    public static func verifiedDuplicates(_ result: AnalysisResult, _ verdicts: PairVerdicts) -> JSONValue {
        let merged = verdicts.merged
        let rows: [JSONValue] = merged.map { p in
            var fields: [(String, JSONValue)] = [
                ("a", ref(p.a, result.datasets)), ("b", ref(p.b, result.datasets)),
                ("distances", .obj(result.families.compactMap { f in p.distances[f.id].map { (f.id.rawValue, .int($0)) } }))]
            if let t = p.transform { fields.append(("transform", .str(t.name))) }
            fields.append(("similarity", .double(round4(p.similarity))))
            if let by = p.by { fields.append(("by", .str(by.rawValue))) }
            return .obj(fields)
        }
        let groups = CrossDatasetMatch.groups(of: merged.map { CrossPair(a: $0.a, b: $0.b, distance: 0, otherDistance: 0) })
        var fields: [(String, JSONValue)] = [
            ("candidates", .int(verdicts.candidates)),
            ("verified", .int(merged.count)),
            ("rejected", .obj(verdicts.rejections.map { ($0.reason.rawValue, .int($0.count)) })),
            ("pairs", .array(rows)),
            ("groups", .array(groups.map { .array($0.map { ref($0, result.datasets) }) })),
        ]
        if let skipped = verdicts.skipped { fields.append(("skipped", .str(skipped))) }
        return .obj(fields)
    }

    public static func crossDuplicates(_ result: FamilyMatches, _ datasets: [DatasetResult], verdicts: PairVerdicts? = nil,
                                       reviews: PairReviews = PairReviews(), families: [HashFamily] = []) -> JSONValue {
        var fields: [(String, JSONValue)] = [
            ("algorithm", .str(result.family.id.rawValue)),
            ("bits", .int(result.family.bits)),
            ("threshold", .int(result.threshold)),
            ("pairs", pairs(result.pairs, datasets, verdicts: verdicts, reviews: reviews, families: families)),
            ("groups", .array(result.groups.map { .array($0.map { ref($0, datasets) }) })),
        ]
        if let within = result.within { fields.append(("within", pairs(within, datasets, families: families))) }
        // Only when the --max-pairs cap cut the lists, so an uncut file is the seed's, byte for byte.
        if result.truncated {
            fields.append(("truncated", .bool(true)))
            fields.append(("pairs_found", .int(result.pairsFound)))
        }
        if let verdicts, verdicts.skipped == nil {
            let groups = CrossDatasetMatch.groups(of: result.pairs.filter(verdicts.isVerified))
            fields.append(("verified_groups", .array(groups.map { .array($0.map { ref($0, datasets) }) })))
        }
        return .obj(fields)
    }

    /// What a run says about its store in manifest.json.
    public struct StoreInfo: Sendable {
        /// nil with `--no-store`.
        public var path: String?
        public var bytes: Int64
        public init(path: String?, bytes: Int64) {
            self.path = path
            self.bytes = bytes
        }
    }

    static func counts(_ c: IndexCounts) -> JSONValue {
        .obj([("decoded", .int(c.decoded)), ("reused", .int(c.reused)), ("errors", .int(c.errors))])
    }

    public static func manifest(_ result: AnalysisResult, version: String, store: StoreInfo? = nil) -> JSONValue {
        let t = result.timings
        var device: [(String, JSONValue)] = [("kind", .str(result.device.kind)), ("name", .str(result.device.name))]
        if let platform = result.device.platform { device.append(("platform", .str(platform))) }
        var fields: [(String, JSONValue)] = [
            ("tool", .str("crosshash")),
            ("version", .str(version)),
            ("datasets", .array(result.datasets.map { d in
                var fields: [(String, JSONValue)] = [
                    ("name", .str(d.spec.name)), ("path", .str(d.spec.path)),
                    ("images", .int(d.hashes.count)), ("errors", .int(d.errorCount)),
                    ("warnings", .int(d.issues.count - d.errorCount))]
                if let c = d.counts { fields.append(("files", counts(c))) }
                let floored = result.families.filter { $0.qualityFloor != nil }
                if !floored.isEmpty {
                    fields.append(("below_quality_floor", .obj(floored.map { ($0.id.rawValue, .int(belowQualityFloor(d, $0))) })))
                }
                return .obj(fields)
            })),
            ("algorithms", .obj(result.allMatches.map { m in
                (m.family.id.rawValue, .obj([("bits", .int(m.family.bits)), ("threshold", .int(m.threshold))]))
            })),
            ("device", .obj(device)),
        ]
        // Only with --dihedral, so the manifest of a run without it keeps its keys.
        if result.dihedral { fields.append(("dihedral", .bool(true))) }
        fields += [
            ("seconds", .obj([("scan", .double(round3(t.scan))), ("decode", .double(round3(t.decode))),
                              ("hash", .double(round3(t.hash))), ("match", .double(round3(t.match))),
                              ("report", .double(round3(t.report))), ("total", .double(round3(t.total)))]
                             + (result.verification == nil ? [] : [("verify", .double(round3(t.verify)))]))),
            ("pairs", .obj(result.allMatches.map { ($0.family.id.rawValue, .int($0.pairs.count)) })),
        ]
        let truncated = result.allMatches.filter(\.truncated)
        if !truncated.isEmpty {
            fields.append(("truncated", .obj(truncated.map { ($0.family.id.rawValue, .obj([
                ("pairs_found", .int($0.pairsFound)), ("pairs_written", .int($0.pairsWritten))])) })))
        }
        if let v = result.verification {
            var verification: [(String, JSONValue)] = [("candidates", .int(v.candidates)), ("verified", .int(v.merged.count))]
            if let skipped = v.skipped { verification.append(("skipped", .str(skipped))) }
            fields.append(("verification", .obj(verification)))
        }
        let indexed = result.datasets.compactMap(\.counts)
        if !indexed.isEmpty { fields.append(("files", counts(indexed.reduce(IndexCounts(), +)))) }
        if let store {
            let images = result.datasets.reduce(0) { $0 + $1.hashes.count }
            fields.append(("store", .obj([
                ("path", store.path.map { .str($0) } ?? .null),
                ("bytes", .int(Int(store.bytes))),
                ("bytes_per_image", .int(images > 0 ? Int(store.bytes) / images : 0)),
            ])))
        }
        return .obj(fields)
    }

    static func round3(_ x: Double) -> Double { (x * 1000).rounded() / 1000 }

    /// Writes every JSON file of the output folder except manifest.json (written last by the
    /// caller, once the report timings are known).
    public static func writeData(_ result: AnalysisResult, to out: String) throws {
        // Each file is made and flushed on its own core: most of the time here is fsync waits
        // and serialising, and the files do not depend on one another. Errors are reported in
        // the order the files are listed, whichever thread met them first.
        var files: [(path: String, json: () -> JSONValue)] = []
        for d in result.datasets {
            let dir = out + "/" + d.spec.name
            for family in result.families { files.append((dir + "/" + hashFileName(family), { hashes(d, family) })) }
            files.append((dir + "/errors.json", { errors(d) }))
        }
        for m in result.allMatches {
            files.append((out + "/" + crossDuplicatesFileName(m.family), {
                crossDuplicates(m, result.datasets, verdicts: result.verification, reviews: result.reviews, families: result.families)
            }))
        }
        if let verdicts = result.verification {
            files.append((out + "/" + verifiedFileName, { verifiedDuplicates(result, verdicts) }))
        }
        let written = ParallelMap.map(files) { file in Result { try AtomicFile.write(file.json(), to: file.path) } }
        for w in written { try w.get() }
    }
}
