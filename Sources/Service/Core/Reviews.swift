import Foundation
import HashStore

/// Curators' review decisions (`/v1/reviews`): thin over the store's reviews, with the
/// request-level checks and the answers' wording.
extension HashService {
    /// Longest note kept with a decision, in UTF-8 bytes.
    public static let maxReviewNoteBytes = 4096

    /// Sets the decision on the pair (a, b); `created` is false when it replaced one.
    public func putReview(a: ReviewSide, b: ReviewSide, decision: ReviewDecision, note: String) throws -> (review: StoredReview, created: Bool) {
        guard a != b else { throw ServiceError(.badRequest, "\"a\" and \"b\" name the same image: a review is about two images") }
        guard note.utf8.count <= Self.maxReviewNoteBytes else {
            throw ServiceError(.badRequest, "the note is \(note.utf8.count) bytes, over the limit of \(Self.maxReviewNoteBytes); shorten it")
        }
        do {
            return try store.putReview(a: a, b: b, decision: decision, note: note)
        } catch let missing as ReviewImageMissing {
            throw ServiceError(.notFound, missing.datasetExists
                ? "\(missing.description) (GET /v1/datasets/\(missing.side.dataset) lists its problems; only hashed images are reviewed)"
                : "\(missing.description) (GET /v1/datasets lists them)")
        }
    }

    /// The reviews (both pictures in `datasets`, when given), by id.
    public func reviews(datasets: [String]?) throws -> [StoredReview] {
        if let datasets {
            let known = Set(try store.datasets().map { DatasetName($0.name) })
            for name in datasets where !known.contains(DatasetName(name)) { throw Self.unknown(name) }
        }
        return try store.reviews(inDatasets: datasets)
    }

    public func deleteReview(id: Int64) throws {
        guard try store.deleteReview(id: id) else {
            throw ServiceError(.notFound, "no review with id \(id) (GET /v1/reviews lists them)")
        }
    }
}
