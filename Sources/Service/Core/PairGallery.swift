import Foundation
import HashKit
import HashStore
import Analysis
import Verification

/// Which pairs the curators' gallery (`/ui/pairs`) shows.
public enum GalleryFilter: String, Sendable, CaseIterable {
    case all
    /// Verified by the measure or marked "same" by a curator.
    case verified
    /// Not verified (by the measure, or marked "different").
    case unverified
    /// No curator decision yet.
    case unreviewed
}

/// One cross-dataset pair as the gallery shows it.
public struct GalleryPair: Sendable {
    public var a: ReviewSide
    public var b: ReviewSide
    public var distance: Int
    public var otherDistance: Int
    /// nil: not verified (no pictures, or verification skipped).
    public var verdict: Verdict?
    public var review: PairReview?
    /// Whether each side's dataset has pictures on this server (a root inside a --root), so a
    /// thumbnail can be made.
    public var aHasPicture: Bool
    public var bHasPicture: Bool
}

/// One page of the gallery: pairs sorted by distance (then the other family's distance, then
/// pair order), filtered, cut to `pageSize`.
public struct GalleryPage: Sendable {
    public var pairs: [GalleryPair]
    /// Pairs that pass the filter, on every page.
    public var total: Int
    /// Why some or all pairs have no verdict, when that is so.
    public var note: String?
}

extension HashService {
    /// A page of the cross-dataset pairs of `datasets` under `family`'s default threshold.
    /// Verification only runs on what must be judged to answer: the page's pairs when the
    /// filter does not depend on verdicts (a first page of 100,000 pairs verifies 50), every
    /// candidate otherwise (bounded as in `analyze`). Verdicts come from the store's cache when
    /// the same two pictures were judged before, and are kept there.
    public func galleryPage(datasets names: [String]?, family: HashFamily, filter: GalleryFilter, page: Int, pageSize: Int,
                            cancellation: CancellationFlag = .never) throws -> GalleryPage {
        let (matches, results, folders) = try matchStored(datasets: names, options: MatchOptions(), family: family, verify: true,
                                                          cancellation: cancellation)
        let pairs = matches.pairs
        var none = AnalysisResult(datasets: results, matches: [], device: engines.description, timings: StageTimings())
        let all = (0..<pairs.count).map { PairKey(pairs[$0].a, pairs[$0].b) }
        none.reviews = try PairReviews.load(store, for: none, extra: all)
        let reachable = folders.map { $0 != nil }
        func verifiable(_ i: Int) -> Bool { reachable[all[i].first.dataset] && reachable[all[i].second.dataset] }

        var order = Array(0..<pairs.count)
        let summaries = order.map { pairs.summary($0) }
        order.sort { (summaries[$0].distance, summaries[$0].other, $0) < (summaries[$1].distance, summaries[$1].other, $1) }

        var verdicts = PairVerdicts(verdicts: [:], candidates: 0, of: none)
        func verify(_ indices: [Int]) throws {
            try cancellation.check()
            verdicts = PairVerification.run(none, extra: indices.filter(verifiable).map { all[$0] }, limits: settings.limits, store: store)
        }
        let shown: ArraySlice<Int>
        let total: Int
        let first = max(0, page - 1) * pageSize
        switch filter {
        case .all, .unreviewed:
            let kept = filter == .all ? order : order.filter { none.reviews.review(all[$0]) == nil }
            total = kept.count
            shown = kept.dropFirst(first).prefix(pageSize)
            try verify(Array(shown))
        case .verified, .unverified:
            try verify(order)
            let kept = order.filter { verdicts.isVerified(pairs[$0]) == (filter == .verified) }
            total = kept.count
            shown = kept.dropFirst(first).prefix(pageSize)
        }
        let names = results.map(\.spec.name)
        let rows = shown.map { i -> GalleryPair in
            let p = pairs[i]
            return GalleryPair(a: ReviewSide(dataset: names[p.a.dataset], file: p.a.key.bytes),
                               b: ReviewSide(dataset: names[p.b.dataset], file: p.b.key.bytes),
                               distance: summaries[i].distance, otherDistance: summaries[i].other,
                               verdict: verdicts.verdict(p), review: none.reviews.review(all[i]),
                               aHasPicture: reachable[p.a.dataset], bHasPicture: reachable[p.b.dataset])
        }
        var note = verdicts.skipped
        if note == nil, shown.contains(where: { !verifiable($0) }) {
            note = "some pairs have a dataset without pictures on this server (no root folder, or its root is no longer inside a --root): they are not verified"
        }
        return GalleryPage(pairs: rows, total: total, note: note)
    }
}
