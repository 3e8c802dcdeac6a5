import XCTest
@testable import GPUHash

final class OpenCLRuntimeTests: XCTestCase {
    func testMissingLibraryIsTypedNotAvailableError() {
        XCTAssertThrowsError(try OpenCLRuntime.load(libraryPath: "/nonexistent/libOpenCL.so.1")) { error in
            guard case OpenCLError.notAvailable(let why)? = error as? OpenCLError else {
                return XCTFail("expected OpenCLError.notAvailable, got \(error)")
            }
            XCTAssertTrue(why.contains("/nonexistent/libOpenCL.so.1"), why)
            XCTAssertTrue("\(error)".contains("CPU engine"), "the message should say what to do")
        }
    }

    func testEnvironmentVariableOverridesLibraryPath() throws {
        let name = OpenCLRuntime.libraryEnvironmentVariable
        let previous = ProcessInfo.processInfo.environment[name]
        setenv(name, "/nonexistent", 1)
        defer { if let previous { setenv(name, previous, 1) } else { unsetenv(name) } }
        XCTAssertThrowsError(try OpenCLDevices.list()) { error in
            guard case OpenCLError.notAvailable? = error as? OpenCLError else {
                return XCTFail("expected OpenCLError.notAvailable, got \(error)")
            }
        }
        XCTAssertThrowsError(try OpenCLMatcher(deviceIndex: 0))
    }

    func testLibraryWithoutOpenCLSymbolsIsNotAvailable() {
        // libm exists everywhere but exports no clGetPlatformIDs.
        XCTAssertThrowsError(try OpenCLRuntime.load(libraryPath: "libm.so.6")) { error in
            guard case OpenCLError.notAvailable(let why)? = error as? OpenCLError else {
                return XCTFail("expected OpenCLError.notAvailable, got \(error)")
            }
            XCTAssertTrue(why.contains("clGetPlatformIDs"), why)
        }
    }

    func testDeviceListingDescribesPoCLDevice() throws {
        _ = try firstOpenCLDevice()
        let devices = try OpenCLDevices.list()
        XCTAssertEqual(devices.map(\.index), Array(0..<devices.count))
        for d in devices {
            XCTAssertFalse(d.name.isEmpty)
            XCTAssertFalse(d.platformName.isEmpty)
            XCTAssertGreaterThan(d.computeUnits, 0)
            XCTAssertGreaterThan(d.globalMemoryBytes, 0)
            XCTAssertGreaterThan(d.maxAllocationBytes, 0)
        }
        XCTAssertThrowsError(try OpenCLDevices.device(at: devices.count)) { error in
            XCTAssertEqual(error as? OpenCLError, .deviceIndexOutOfRange(index: devices.count, count: devices.count))
        }
    }

    func testKernelsAreEmbeddedWithTheirContract() {
        XCTAssertFalse(EmbeddedKernels.files.isEmpty)
        for file in EmbeddedKernels.files {
            XCTAssertTrue(file.source.hasPrefix("/*"), "\(file.name) must open with a comment")
            XCTAssertTrue(file.source.contains("#pragma OPENCL FP_CONTRACT OFF"), file.name)
            XCTAssertFalse(file.source.contains("native_"), file.name)
        }
        XCTAssertEqual(Set(EmbeddedKernels.files.map(\.name)),
                       ["blockmean.cl", "dct.cl", "grey.cl", "hamming.cl", "lanczos.cl"])
        for flag in ["fast-relaxed-math", "mad-enable", "unsafe-math", "finite-math", "no-signed-zeros"] {
            XCTAssertFalse(OpenCLContext.buildOptions.contains(flag), flag)
        }
    }

    func testBuildFailureCarriesTheBuildLog() throws {
        let device = try firstOpenCLDevice()
        let context = try OpenCLContext(device: device)
        XCTAssertThrowsError(try context.kernels(file: "hamming.cl", names: ["hamming_64"],
                                                 defines: ["HAMMING_LOCAL": "not_a_number"])) { error in
            guard case let OpenCLError.buildFailed(_, file, log)? = error as? OpenCLError else {
                return XCTFail("expected buildFailed, got \(error)")
            }
            XCTAssertEqual(file, "hamming.cl")
            XCTAssertTrue(log.contains("not_a_number"), log)
        }
    }
}
