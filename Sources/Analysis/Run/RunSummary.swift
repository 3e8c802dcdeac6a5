import Foundation
import HashKit

extension AnalysisResult {
    /// The one-line summary `analyze` and `match` print on stderr: "crosshash: 3112 images
    /// (...), 146 phash pairs, ..., 3.4 s on CPU -> out/REPORT.md, ...", plus a warning per
    /// family whose pairs `--max-pairs` cut short.
    public func summary(out: String) -> String {
        let images = datasets.reduce(0) { $0 + $1.hashes.count }
        let errors = datasets.reduce(0) { $0 + $1.errorCount }
        var pairs = allMatches.map(Self.pairText).joined(separator: ", ")
        if dihedral { pairs += " (mirrored and rotated copies too: --dihedral)" }
        if let v = verification, v.skipped == nil { pairs += ", \(v.merged.count) verified" }
        let indexed = datasets.compactMap(\.counts)
        let files = indexed.reduce(IndexCounts(), +)
        let how = indexed.isEmpty ? "" : String(format: " (%d decoded, %d reused from the store)", files.decoded, files.reused)
        var text = String(format: "crosshash: %d images%@, %d errors, %@, %.1f s on %@ -> %@/REPORT.md, %@/report.html\n",
                          images, how, errors, pairs, timings.total, device.name, out, out)
        for m in allMatches where m.truncated {
            text += "crosshash: warning: \(m.family.id) found \(m.pairsFound) pairs; only the first \(m.pairsWritten) "
                + "are written (--max-pairs); the JSON says \"truncated\": true\n"
        }
        return text
    }

    static func pairText(_ m: FamilyMatches) -> String {
        m.truncated ? "\(m.pairs.count) \(m.family.id) pairs (TRUNCATED: \(m.pairsFound) found)" : "\(m.pairs.count) \(m.family.id) pairs"
    }
}
