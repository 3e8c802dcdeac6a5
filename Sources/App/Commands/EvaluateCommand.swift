import ArgumentParser
import Foundation
import Report
import CPUFallback

struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Precision, recall and F1 of an analysis against a ground truth, with a threshold sweep."
    )

    @Option(name: .long, help: "Ground truth JSON with \"cross_pairs\" (as make_corpus.py writes it).")
    var groundTruth: String

    @Argument(help: "The output folder of `crosshash analyze`.")
    var outDir: String

    func run() throws {
        let report = try Evaluation.run(groundTruth: groundTruth, outDir: outDir, matcher: CPUMatcher())
        print(report.text, terminator: report.text.hasSuffix("\n") ? "" : "\n")
    }
}
