import Analysis

/// REPORT.md, in the order OUTPUTS.md fixes. A pure function of the analysis (no dates, no
/// timings, no device), so the same inputs give the same bytes.
enum MarkdownReport {
    static func render(_ data: ReportData) -> String {
        var md = ""
        func line(_ s: String = "") { md += s + "\n" }
        let result = data.result

        // 1. Title, overview, datasets.
        line("# Cross-dataset image duplicates")
        line()
        let datasetList = data.names.map(Text.markdown).joined(separator: ", ")
        line("crosshash compared \(Text.plural(data.totalImages, "image")) in \(Text.plural(data.names.count, "dataset")) "
             + "(\(datasetList)) to find the same picture in more than one collection, even when it was re-encoded, "
             + "resized or slightly cropped. Every image was hashed with \(Text.numberWord(data.views.count)) perceptual "
             + "\(data.views.count == 1 ? "hash" : "hashes") and compared with every image of the other datasets: "
             + data.foundSentence + ".")
        line()
        line("| Dataset | Images | Errors |")
        line("|---|---:|---:|")
        for d in result.datasets {
            line("| \(Text.markdown(d.spec.name)) | \(Text.count(d.keys.count)) | \(Text.count(d.errorCount)) |")
        }
        line()

        // 2. Methodology.
        line("## Methodology")
        line()
        for v in data.views {
            line("- **\(Text.markdown(v.name))**, \(v.family.bits) bits, threshold \(v.result.threshold): \(Text.markdown(v.family.method))")
        }
        line()
        line("Two images of different datasets form a **pair** when the Hamming distance of their hashes (the number of "
             + "differing bits) is at most the threshold. Pairs that share an image join into **groups**: one picture "
             + "and all its copies. Each pair also shows its distance under the other hash, so agreement is visible at a glance.")
        if data.views.contains(where: { $0.result.within != nil }) {
            line()
            line("Pairs inside one dataset were searched too (`--within`); they are listed in the JSON files only.")
        }
        line()

        // 3. Results.
        line("## Results")
        line()
        for v in data.views {
            line("### \(v.name)")
            line()
            line("![\(v.family.id) overlap of the datasets](\(v.prefix)_venn_diagram.png)")
            line()
            line("![\(v.family.id) nearest cross-dataset distances](\(v.prefix)_distance_histogram.png)")
            line()
            line("\(Text.plural(v.result.pairs.count, "pair")) in \(Text.plural(v.result.groups.count, "group")); "
                 + "\(Text.plural(v.nearest.matched, "image has", "images have")) a match in another dataset. "
                 + v.nearest.verdict)
            line()
            if let warning = ReportData.truncationWarning(v.result) {
                line("**\(warning)**")
                line()
            }
        }
        if data.verifiedOverlap != nil {
            line("### Verified copies")
            line()
            line("![verified overlap of the datasets](verified_venn_diagram.png)")
            line()
        }
        if let sentence = data.verificationSentence {
            line(sentence)
            line()
        }
        line("### Pairs per dataset pair")
        line()
        if data.pairCounts.isEmpty {
            line("With a single dataset there are no cross-dataset pairs.")
        } else {
            line("| Dataset A | Dataset B | " + data.views.map { "\($0.family.id) pairs | " }.joined() + "found by \(data.agreement) |")
            line("|---|---|" + String(repeating: "---:|", count: data.views.count + 1))
            for row in data.pairCounts {
                line("| \(Text.markdown(data.names[row.a])) | \(Text.markdown(data.names[row.b])) | "
                     + row.perFamily.map { "\(Text.count($0)) | " }.joined() + "\(Text.count(row.all)) |")
            }
        }
        line()

        // 4. Files.
        line("## Files")
        line()
        for f in data.files {
            line("- [\(Text.markdown(f.path))](\(Text.urlPath(f.path))): \(Text.markdown(f.what))")
        }
        line()

        // 5. All similar image pairs.
        line("## All similar image pairs")
        line()
        for v in data.views {
            line("### \(v.name)")
            line()
            if v.result.pairs.isEmpty {
                line("No pairs at threshold \(v.result.threshold).")
                line()
                continue
            }
            if !v.shown.isEmpty {
                let verdicts = data.verification != nil, reviews = data.hasReviews
                // `--dihedral` pairs of a turned copy: the column only when one is shown, so a
                // run without turned copies (and every run without the flag) reads as before.
                let turned = v.shown.contains { ReportData.turn($0) != nil }
                line("| Image A | Image B | \(v.family.id) distance | \(v.result.otherFamily.id) distance |" + (turned ? " Transform |" : "")
                     + (verdicts ? " Verdict |" : "") + (reviews ? " Review |" : ""))
                line("|---|---|---:|---:|" + (turned ? "---|" : "") + (verdicts ? "---|" : "") + (reviews ? "---|" : ""))
                for p in v.shown {
                    let badge = data.badge(p).map { " \($0.verified ? "✅" : "❌") \($0.text) |" } ?? (verdicts ? " |" : "")
                    let review = reviews ? " \(data.reviewText(p).map(Text.markdown) ?? "") |" : ""
                    let transform = turned ? " \(ReportData.turn(p).map { "`\($0.name)`" } ?? "") |" : ""
                    let otherDistance = p.otherDistance == CrossPair.noDistance ? "–" : String(p.otherDistance)
                    line("| \(cell(p.a, data)) | \(cell(p.b, data)) | \(p.distance) | \(otherDistance) |" + transform + badge + review)
                }
                line()
            }
            if v.omitted > 0 {
                line("Showing the \(Text.count(v.shown.count)) closest of \(Text.plural(v.result.pairs.count, "pair")); "
                     + "\(Text.count(v.omitted)) more \(v.omitted == 1 ? "is" : "are") left out here. "
                     + "[\(v.prefix)\\_cross\\_duplicates.json](\(v.prefix)_cross_duplicates.json) holds all of them.")
                line()
            }
        }

        // 6. Summary.
        line("## Summary")
        line()
        for s in summary(data) { line("- " + s) }
        return md
    }

    static func cell(_ ref: ImageRef, _ data: ReportData) -> String {
        let thumb = data.thumbnails[ref] ?? "missing.jpg"
        let key = Text.markdown(ref.key.display)
        return "![\(key)](examples/\(Text.urlPath(thumb))) <br> **Dataset:** \(Text.markdown(data.datasetName(ref))) "
            + "<br> **Filename:** \(Text.markdown(data.fileLabel(ref)))"
    }

    /// The closing bullets: what was found, how far the hashes agree, whether the thresholds cut
    /// cleanly, and what failed. Shared with the HTML report (escaped there).
    static func summary(_ data: ReportData) -> [String] {
        var out = [String]()
        for v in data.views {
            let multi = v.overlap.exactly.filter { $0.key.nonzeroBitCount >= 3 }.values.reduce(0, +)
            var s = "\(v.name): \(Text.plural(v.result.pairs.count, "pair")) in \(Text.plural(v.result.groups.count, "group")) "
                + "at threshold \(v.result.threshold)"
            if data.names.count >= 3 { s += ", \(Text.plural(multi, "group")) spanning three or more datasets" }
            out.append(s + ". " + v.nearest.verdict)
        }
        if data.views.count > 1 {
            let only = data.views.map { v in "\(Text.plural(v.result.pairs.count - data.pairsFoundByAll, "pair")) only \(v.family.id) found" }
            out.append("\(data.views.count == 2 ? "Both hashes" : "All hashes") agree on \(Text.plural(data.pairsFoundByAll, "pair")); "
                       + Text.list(only) + ". Pairs found by one hash only are the first to check by eye.")
        }
        if let sentence = data.verificationSentence { out.append(sentence) }
        for (family, count) in data.belowQualityFloor where count > 0 {
            out.append("\(Text.plural(count, "picture")) under \(family.id)'s quality floor (\(family.qualityFloor ?? 0)) "
                       + "\(count == 1 ? "is" : "are") listed in \(AnalysisJSON.hashFileName(family)) but not matched.")
        }
        if data.totalErrors > 0 {
            out.append("\(Text.plural(data.totalErrors, "file")) could not be hashed; each dataset's errors.json says why.")
        } else {
            out.append("Every file was hashed; no errors.")
        }
        return out
    }
}
