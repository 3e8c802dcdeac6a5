import ArgumentParser
import CPUFallback
import Engines

struct DevicesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "devices",
        abstract: "List the hashing devices: the CPU fallback and every OpenCL device, with the N of --device opencl:N."
    )

    func run() throws {
        print("cpu          \(CPUEngine().description.name)  (--device cpu)")
        let lines = OpenCLSupport.deviceLines()
        if lines.isEmpty {
            print("opencl       none: \(OpenCLSupport.unavailableReason() ?? "no OpenCL devices")")
        }
        for line in lines { print(line) }
    }
}
