import HashKit
import HashStore

/// A curator's decision on one image pair of a run (set through `PUT /v1/reviews`).
public struct PairReview: Sendable, Equatable {
    public var decision: ReviewDecision
    public var note: String

    public init(decision: ReviewDecision, note: String) {
        self.decision = decision
        self.note = note
    }
}

/// Who put a pair into `verified_cross_duplicates.json`.
public enum VerifiedBy: String, Sendable {
    /// The pixel measure verified it, and no curator said otherwise.
    case measure
    /// A curator marked it "same".
    case review
}

/// The store's review decisions on the pairs of one run, by image pair. Reviews are an input
/// like the pictures: the same pictures and reviews give the same outputs. Empty (no review
/// names two pictures of a pair of the run) means every output is exactly as without reviews.
public struct PairReviews: Sendable {
    public let decisions: [PairKey: PairReview]

    public init(_ decisions: [PairKey: PairReview] = [:]) { self.decisions = decisions }

    public var isEmpty: Bool { decisions.isEmpty }

    public func review(_ key: PairKey) -> PairReview? { decisions[key] }
    public func review(_ p: CrossPair) -> PairReview? { decisions[PairKey(p.a, p.b)] }

    /// Whether the pair belongs in the verified file: a "same" puts it in, a "different" takes it
    /// out, otherwise the measure's verdict stands. nil: not verified.
    func acceptance(_ key: PairKey, measured verified: Bool) -> VerifiedBy? {
        switch review(key)?.decision {
        case .same?: return .review
        case .different?: return nil
        case .unsure?, nil: return verified ? .measure : nil
        }
    }

    /// The decisions of `store` on the cross-dataset pairs of `result` and on `extra` candidate
    /// pairs, found by the two pictures' content digests (pictures without a known digest, as
    /// from hash files, have none).
    public static func load(_ store: any HashStoring, for result: AnalysisResult, extra: [PairKey] = []) throws -> PairReviews {
        let stored = try store.reviewDecisions()
        guard !stored.isEmpty else { return PairReviews() }
        var found = [PairKey: PairReview]()
        func look(_ key: PairKey) {
            guard found[key] == nil,
                  let a = result.datasets[key.first.dataset].digest(of: key.first.key),
                  let b = result.datasets[key.second.dataset].digest(of: key.second.key),
                  let decision = stored[DigestPair(a, b)] else { return }
            found[key] = PairReview(decision: decision.decision, note: decision.note)
        }
        for m in result.allMatches { for p in m.pairs { look(PairKey(p.a, p.b)) } }
        for key in extra { look(key) }
        return PairReviews(found)
    }
}
