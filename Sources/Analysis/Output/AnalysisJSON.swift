import HashKit

/// The JSON files of OUTPUTS.md, built from an `AnalysisResult`. Everything here is a pure
/// function of the result, so identical inputs give byte-identical files.
public enum AnalysisJSON {
    public static func hashes(_ dataset: DatasetResult, _ algorithm: HashAlgorithm) -> JSONValue {
        .object(zip(dataset.keys, dataset.hashes).map { key, h in
            (key.bytes, .str(algorithm == .phash ? h.phashHex : h.blockmeanHex))
        })
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

    static func pairs(_ pairs: [CrossPair], _ datasets: [DatasetResult]) -> JSONValue {
        .array(pairs.map { p in
            .obj([("a", ref(p.a, datasets)), ("b", ref(p.b, datasets)),
                  ("distance", .int(p.distance)), ("other_distance", .int(p.otherDistance))])
        })
    }

    public static func crossDuplicates(_ result: AlgorithmResult, _ datasets: [DatasetResult]) -> JSONValue {
        var fields: [(String, JSONValue)] = [
            ("algorithm", .str(result.algorithm.rawValue)),
            ("bits", .int(result.algorithm.bits)),
            ("threshold", .int(result.threshold)),
            ("pairs", pairs(result.pairs, datasets)),
            ("groups", .array(result.groups.map { .array($0.map { ref($0, datasets) }) })),
        ]
        if let within = result.within { fields.append(("within", pairs(within, datasets))) }
        return .obj(fields)
    }

    public static func manifest(_ result: AnalysisResult, version: String) -> JSONValue {
        let t = result.timings
        var device: [(String, JSONValue)] = [("kind", .str(result.device.kind)), ("name", .str(result.device.name))]
        if let platform = result.device.platform { device.append(("platform", .str(platform))) }
        return .obj([
            ("tool", .str("crosshash")),
            ("version", .str(version)),
            ("datasets", .array(result.datasets.map { d in
                .obj([("name", .str(d.spec.name)), ("path", .str(d.spec.path)),
                      ("images", .int(d.hashes.count)), ("errors", .int(d.errorCount)),
                      ("warnings", .int(d.issues.count - d.errorCount))])
            })),
            ("algorithms", .obj(HashAlgorithm.allCases.map { alg in
                (alg.rawValue, .obj([("bits", .int(alg.bits)), ("threshold", .int(result.result(for: alg).threshold))]))
            })),
            ("device", .obj(device)),
            ("seconds", .obj([("scan", .double(round3(t.scan))), ("decode", .double(round3(t.decode))),
                              ("hash", .double(round3(t.hash))), ("match", .double(round3(t.match))),
                              ("report", .double(round3(t.report))), ("total", .double(round3(t.total)))])),
            ("pairs", .obj(HashAlgorithm.allCases.map { ($0.rawValue, .int(result.result(for: $0).pairs.count)) })),
        ])
    }

    static func round3(_ x: Double) -> Double { (x * 1000).rounded() / 1000 }

    /// Writes every JSON file of the output folder except manifest.json (written last by the
    /// caller, once the report timings are known).
    public static func writeData(_ result: AnalysisResult, to out: String) throws {
        for d in result.datasets {
            let dir = out + "/" + d.spec.name
            try AtomicFile.write(hashes(d, .phash), to: dir + "/perceptual_hashes.json")
            try AtomicFile.write(hashes(d, .blockmean), to: dir + "/robust_hashes.json")
            try AtomicFile.write(errors(d), to: dir + "/errors.json")
        }
        for alg in HashAlgorithm.allCases {
            try AtomicFile.write(crossDuplicates(result.result(for: alg), result.datasets),
                                 to: out + "/\(alg.filePrefix)_cross_duplicates.json")
        }
    }
}
