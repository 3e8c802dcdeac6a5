import Foundation
import TestSupport
import XCTest

/// Replicas: several `crosshash serve` processes on one PostgreSQL store. A write acknowledged
/// by one becomes visible to queries on another through the store's change log (polled every
/// 200 ms), without a reload; a replica started later loads what is there.
final class ReplicaEndToEndTests: XCTestCase {
    private var cluster: TestCluster!

    override func setUpWithError() throws { cluster = try TestCluster.shared() }

    override class func tearDown() {
        TestCluster.stopShared()
        super.tearDown()
    }

    private func picture(_ name: String) throws -> [UInt8] {
        try Array(Data(contentsOf: E2E.fixtures.appendingPathComponent("images/real/" + name)))
    }

    /// The query answer for `probe` against every dataset.
    private func query(_ c: HTTPClient, _ probe: String) throws -> String {
        var form = MultipartForm()
        form.addFile(probe, try picture(probe))
        let answer = try c.postMultipart("/v1/query", form)
        return "\(answer.status) \(answer.text)"
    }

    /// Polls `condition` every 20 ms up to `timeout`; returns the seconds it took, nil if never.
    private func until(_ timeout: TimeInterval, _ condition: () throws -> Bool) rethrows -> Double? {
        let start = Date()
        while Date().timeIntervalSince(start) < timeout {
            if try condition() { return Date().timeIntervalSince(start) }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return nil
    }

    func testAnUploadOnOneReplicaIsAnsweredByTheOtherAndADeleteGoes() throws {
        let url = try cluster.newDatabase().displayURL
        let args = ["--device", "cpu", "--store", url, "--store-password-file", cluster.passwordFile]
        let a = try ServerProcess(args)
        defer { _ = a.stop() }
        let b = try ServerProcess(args)
        defer { _ = b.stop() }
        let ca = try a.client(), cb = try b.client()
        XCTAssertEqual(try ca.request("PUT", "/v1/datasets/up").status, 201)
        var form = MultipartForm()
        for name in ["calla.jpg", "city.png"] { form.addFile(name, try picture(name)) }
        let up = try ca.postMultipart("/v1/datasets/up/images", form)
        XCTAssertEqual(up.status, 200, up.text)
        let onA = try query(ca, "calla.jpg")
        XCTAssertTrue(onA.hasPrefix("200 ") && onA.contains(#""file": "calla.jpg""#), onA)
        // B answers as A once the change reached it.
        let delay = try until(30) { try query(cb, "calla.jpg") == onA }
        XCTAssertNotNil(delay, "replica B never answered the upload on A: \((try? query(cb, "calla.jpg")) ?? "")")
        print("replica delay, upload on A to answer on B: \(String(format: "%.3f", delay ?? -1)) s")

        // A replica started after the writes loads them.
        let c = try ServerProcess(args)
        defer { _ = c.stop() }
        XCTAssertEqual(try query(try c.client(), "calla.jpg"), onA)

        // A delete on A, and a new dataset of that name holding only city.png: B's index drops
        // the old column (calla no longer matches there) and takes the new one's picture.
        XCTAssertEqual(try ca.request("DELETE", "/v1/datasets/up").status, 204)
        XCTAssertEqual(try ca.request("PUT", "/v1/datasets/up").status, 201)
        var city = MultipartForm()
        city.addFile("city.png", try picture("city.png"))
        XCTAssertEqual(try ca.postMultipart("/v1/datasets/up/images", city).status, 200)
        let gone = try query(ca, "calla.jpg"), cityOnA = try query(ca, "city.png")
        XCTAssertTrue(gone.hasPrefix("200 ") && !gone.contains(#""file": "calla.jpg""#), gone)
        XCTAssertTrue(cityOnA.contains(#""file": "city.png""#), cityOnA)
        XCTAssertNotNil(try until(30) { try query(cb, "calla.jpg") == gone && (try query(cb, "city.png")) == cityOnA },
                        "B still answers the deleted dataset: \((try? query(cb, "calla.jpg")) ?? "")")
    }
}
