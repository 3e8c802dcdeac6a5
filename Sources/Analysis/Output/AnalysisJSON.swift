import HashKit

/// The JSON files of OUTPUTS.md, built from an `AnalysisResult`. Everything here is a pure
/// function of the result, so identical inputs give byte-identical files.
public enum AnalysisJSON {
    /// `<dataset>/<prefix>_hashes.json`.
    public static func hashFileName(_ family: HashFamily) -> String { "\(family.filePrefix)_hashes.json" }
    /// `<prefix>_cross_duplicates.json`.
    public static func crossDuplicatesFileName(_ family: HashFamily) -> String { "\(family.filePrefix)_cross_duplicates.json" }

    public static func hashes(_ dataset: DatasetResult, _ family: HashFamily) -> JSONValue {
        .object(zip(dataset.keys, dataset.hashes).map { key, h in (key.bytes, .str(family.hex(of: h))) })
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
    static func pairs(_ pairs: PairList, _ datasets: [DatasetResult]) -> JSONValue {
        let names = datasets.map(\.spec.name)
        let refs = PrintedRefs(datasets.map(\.keys.count))
        return .lazyArray(LazyJSONArray(count: pairs.count) { i in
            let p = pairs[i]
            let a: JSONValue, b: JSONValue
            if let at = pairs.location(i) {
                a = refs.printed(at.datasetA, at.a) { ref(p.a, names) }
                b = refs.printed(at.datasetB, at.b) { ref(p.b, names) }
            } else {
                (a, b) = (ref(p.a, names), ref(p.b, names))
            }
            return .obj([("a", a), ("b", b), ("distance", .int(p.distance)), ("other_distance", .int(p.otherDistance))])
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

    public static func crossDuplicates(_ result: FamilyMatches, _ datasets: [DatasetResult]) -> JSONValue {
        var fields: [(String, JSONValue)] = [
            ("algorithm", .str(result.family.id.rawValue)),
            ("bits", .int(result.family.bits)),
            ("threshold", .int(result.threshold)),
            ("pairs", pairs(result.pairs, datasets)),
            ("groups", .array(result.groups.map { .array($0.map { ref($0, datasets) }) })),
        ]
        if let within = result.within { fields.append(("within", pairs(within, datasets))) }
        // Only when the --max-pairs cap cut the lists, so an uncut file is the seed's, byte for byte.
        if result.truncated {
            fields.append(("truncated", .bool(true)))
            fields.append(("pairs_found", .int(result.pairsFound)))
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
                return .obj(fields)
            })),
            ("algorithms", .obj(result.allMatches.map { m in
                (m.family.id.rawValue, .obj([("bits", .int(m.family.bits)), ("threshold", .int(m.threshold))]))
            })),
            ("device", .obj(device)),
            ("seconds", .obj([("scan", .double(round3(t.scan))), ("decode", .double(round3(t.decode))),
                              ("hash", .double(round3(t.hash))), ("match", .double(round3(t.match))),
                              ("report", .double(round3(t.report))), ("total", .double(round3(t.total)))])),
            ("pairs", .obj(result.allMatches.map { ($0.family.id.rawValue, .int($0.pairs.count)) })),
        ]
        let truncated = result.allMatches.filter(\.truncated)
        if !truncated.isEmpty {
            fields.append(("truncated", .obj(truncated.map { ($0.family.id.rawValue, .obj([
                ("pairs_found", .int($0.pairsFound)), ("pairs_written", .int($0.pairs.count + ($0.within?.count ?? 0)))])) })))
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
        for d in result.datasets {
            let dir = out + "/" + d.spec.name
            for family in result.families { try AtomicFile.write(hashes(d, family), to: dir + "/" + hashFileName(family)) }
            try AtomicFile.write(errors(d), to: dir + "/errors.json")
        }
        for m in result.allMatches {
            try AtomicFile.write(crossDuplicates(m, result.datasets), to: out + "/" + crossDuplicatesFileName(m.family))
        }
    }
}
