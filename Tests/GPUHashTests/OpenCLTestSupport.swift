import XCTest
@testable import GPUHash

/// The first OpenCL device, or a skip when this machine has none (CI has PoCL, so the GPU
/// tests run there).
func firstOpenCLDevice() throws -> OpenCLDevice {
    do {
        return try OpenCLDevices.device(at: 0)
    } catch let error as OpenCLError {
        switch error {
        case .notAvailable, .noPlatforms, .noDevices: throw XCTSkip("no OpenCL device: \(error)")
        default: throw error
        }
    }
}

