import XCTest
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Issue 16 item 7 on a real `crosshash serve`: while a scan job runs (its folder already
/// walked, its files not yet read), a file, a folder and a folder in the middle of a path are
/// swapped for symbolic links to outside the root. None is followed: the dataset holds only the
/// images inside, and each refused file is one of its problems. Links planted before the scan
/// are reported too.
final class ScanNoFollowEndToEndTests: XCTestCase {
    /// Files read before the swapped ones: with one decoder thread they are read in key order,
    /// so these keep the job busy between its walk and the files that get swapped.
    static let fillers = 150
    var base = ""
    var server: ServerProcess?

    override func setUpWithError() throws {
        base = try E2E.tempDir("nofollow")
        let outside = base + "/outside"
        for dir in ["outside/folder", "outside/midtarget/leaf"] {
            try FileManager.default.createDirectory(atPath: base + "/" + dir, withIntermediateDirectories: true)
        }
        for name in ["x.jpg", "folder/b.jpg", "midtarget/leaf/e.jpg"] { try E2E.copy("real/goldfish.jpg", to: outside + "/" + name) }
    }

    override func tearDownWithError() throws {
        if let server, server.isRunning { _ = server.stop() }
        try? FileManager.default.removeItem(atPath: base)
    }

    /// The dataset folder: fillers first, then the three files whose paths get swapped, and two
    /// links planted from the start.
    func makeDataset(_ root: String) throws {
        for dir in ["zsub", "zdeep/mid/leaf"] {
            try FileManager.default.createDirectory(atPath: root + "/" + dir, withIntermediateDirectories: true)
        }
        for i in 0..<Self.fillers { try E2E.copy("real/sway_1920.jpg", to: root + String(format: "/a%04d.jpg", i)) }
        for (name, fixture) in [("z.jpg", "calla.jpg"), ("zsub/b.jpg", "the_mouse.jpg"), ("zdeep/mid/leaf/e.jpg", "string.jpg")] {
            try E2E.copy("real/" + fixture, to: root + "/" + name)
        }
        XCTAssertEqual(symlink(base + "/outside/x.jpg", root + "/planted.jpg"), 0)
        XCTAssertEqual(symlink(base + "/outside/folder", root + "/planteddir"), 0)
    }

    func swapForLinks(_ root: String) throws {
        let fm = FileManager.default
        try fm.removeItem(atPath: root + "/z.jpg")
        XCTAssertEqual(symlink(base + "/outside/x.jpg", root + "/z.jpg"), 0)
        try fm.removeItem(atPath: root + "/zsub")
        XCTAssertEqual(symlink(base + "/outside/folder", root + "/zsub"), 0)
        try fm.removeItem(atPath: root + "/zdeep/mid")
        XCTAssertEqual(symlink(base + "/outside/midtarget", root + "/zdeep/mid"), 0)
    }

    func testScanNeverFollowsLinksSwappedInWhileTheJobRuns() throws {
        let server = try ServerProcess(["--device", "cpu", "--threads", "1", "--store", base + "/store.sqlite", "--root", base])
        self.server = server
        _ = try server.waitReady()
        let c = try server.client()

        // The swap must land after the walk and before the first swapped file is read; the job's
        // progress says both (total known: walked; done below the fillers: not yet read). On a
        // machine so loaded that the window is missed, the attempt is repeated on a fresh folder.
        var won = false
        for attempt in 0..<3 where !won {
            let name = "ds\(attempt)"
            let root = base + "/" + name
            try makeDataset(root)
            XCTAssertEqual(try c.putJSON("/v1/datasets/\(name)", ["root": root]).status, 201)
            let started = try c.request("POST", "/v1/datasets/\(name)/scan")
            XCTAssertEqual(started.status, 202, started.summary)
            let id = try XCTUnwrap(started.object["job"] as? String, started.summary)

            var walked = false
            let deadline = Date().addingTimeInterval(60)
            while !walked && Date() < deadline {
                let job = try c.get("/v1/jobs/\(id)").object
                if (job["total"] as? Int ?? 0) > 0 || ["done", "failed"].contains(job["state"] as? String ?? "") { walked = true } else { usleep(2000) }
            }
            try swapForLinks(root)
            let doneAtSwap = try c.get("/v1/jobs/\(id)").object["done"] as? Int ?? Int.max
            let job = try waitJob(c, id)
            XCTAssertEqual(job["state"] as? String, "done", "\(job)")
            guard doneAtSwap < Self.fillers else { continue }
            won = true

            let info = try c.get("/v1/datasets/\(name)")
            XCTAssertEqual(info.status, 200, info.summary)
            XCTAssertEqual(info.object["images"] as? Int, Self.fillers, "only the images inside are indexed: \(info.summary)")
            let problems = (info.object["problems"] as? [[String: Any]] ?? []).reduce(into: [String: String]()) {
                $0[$1["file"] as? String ?? "?"] = $1["error"] as? String
            }
            XCTAssertEqual(problems, [
                "planted.jpg": "symbolic link, not followed (link the file's folder as its own dataset, or copy it)",
                "planteddir": "symbolic link, not followed (link the file's folder as its own dataset, or copy it)",
                "z.jpg": "cannot read file: it became a symbolic link during the scan; not followed",
                "zdeep/mid/leaf/e.jpg": "cannot read file: its folder 'zdeep/mid' became a symbolic link during the scan; not followed",
                "zsub/b.jpg": "cannot read file: its folder 'zsub' became a symbolic link during the scan; not followed",
            ])
        }
        XCTAssertTrue(won, "the job finished reading before the files could be swapped in all 3 attempts")
        XCTAssertTrue(server.isRunning)
    }

    func waitJob(_ c: HTTPClient, _ id: String) throws -> [String: Any] {
        let deadline = Date().addingTimeInterval(180)
        var last = [String: Any]()
        while Date() < deadline {
            last = try c.get("/v1/jobs/\(id)").object
            if ["done", "failed"].contains(last["state"] as? String ?? "") { return last }
            usleep(50_000)
        }
        XCTFail("job \(id) not finished within 180 s: \(last)")
        return last
    }
}
