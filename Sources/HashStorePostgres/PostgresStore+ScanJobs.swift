import Foundation
import HashStore

/// Scan jobs in `scan_job` (v4-scan-jobs), shared by every service on this database.
extension PostgresStore: ScanJobStoring {
    private static let jobColumns = "id, dataset, state, done, total, decoded, reused, errors, error, holder, root"

    public func createScanJob(dataset: String, root: String?, holder: String) throws -> Int64 {
        try writing { c in
            let rows = try c.execute("INSERT INTO scan_job (dataset, root, state, holder) VALUES ($1, $2, 'queued', $3) RETURNING id",
                                     [.text(dataset), .optional(root), .text(holder)])
            guard rows.count == 1, let id = rows.int64(0, 0) else { throw StoreError(kind: .io, path: self.displayPath, detail: "a scan job was not written") }
            return id
        }
    }

    public func updateScanJob(_ job: StoredScanJob) throws {
        _ = try writing { c in
            try c.execute("""
                UPDATE scan_job SET state = $2, done = $3, total = $4, decoded = $5, reused = $6, errors = $7, error = $8,
                    holder = $9, heartbeat_at = now(), finished_at = CASE WHEN $2 IN ('done', 'failed') THEN now() END
                WHERE id = $1
                """, [.int(job.id), .text(job.state), .int(Int64(job.done)), .int(Int64(job.total)), .int(Int64(job.decoded)),
                      .int(Int64(job.reused)), .int(Int64(job.errors)), .optional(job.error), .optional(job.holder)])
        }
    }

    public func scanJob(id: Int64) throws -> StoredScanJob? {
        try reading { c in
            let rows = try c.execute("SELECT \(Self.jobColumns) FROM scan_job WHERE id = $1", [.int(id)])
            return rows.count == 0 ? nil : try job(rows, 0)
        }
    }

    public func latestScanJob(dataset: String) throws -> StoredScanJob? {
        try reading { c in
            let rows = try c.execute("SELECT \(Self.jobColumns) FROM scan_job WHERE dataset = $1 ORDER BY id DESC LIMIT 1", [.text(dataset)])
            return rows.count == 0 ? nil : try job(rows, 0)
        }
    }

    public func heartbeatScanJobs(_ ids: [Int64], holder: String) throws {
        guard !ids.isEmpty else { return }
        _ = try writing { c in
            try c.execute("UPDATE scan_job SET heartbeat_at = now() WHERE id = ANY($1::bigint[]) AND holder = $2 AND state IN ('queued', 'running')",
                          [.text("{" + ids.map(String.init).joined(separator: ",") + "}"), .text(holder)])
        }
    }

    public func takeOverScanJob(holder: String, leaseSeconds: Double) throws -> StoredScanJob? {
        // SKIP LOCKED: two replicas looking at once take different jobs (or one waits for none).
        try writing { c in
            let rows = try c.execute("""
                UPDATE scan_job SET holder = $1, heartbeat_at = now()
                WHERE id = (SELECT id FROM scan_job WHERE state IN ('queued', 'running')
                            AND heartbeat_at < now() - make_interval(secs => $2::float8)
                            ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
                RETURNING \(Self.jobColumns)
                """, [.text(holder), .text(String(leaseSeconds))])
            return rows.count == 0 ? nil : try job(rows, 0)
        }
    }

    private func job(_ rows: PGRows, _ i: Int) throws -> StoredScanJob {
        guard let id = rows.int64(i, 0), let dataset = rows.text(i, 1), let state = rows.text(i, 2) else {
            throw StoreError(kind: .damaged, path: displayPath, detail: "a scan_job row lacks its id, dataset or state")
        }
        var job = StoredScanJob(id: id, dataset: dataset, state: state, holder: rows.text(i, 9))
        func n(_ column: Int) -> Int { Int(rows.int64(i, column) ?? 0) }
        job.done = n(3)
        job.total = n(4)
        job.decoded = n(5)
        job.reused = n(6)
        job.errors = n(7)
        job.error = rows.text(i, 8)
        job.root = rows.text(i, 10)
        return job
    }
}
