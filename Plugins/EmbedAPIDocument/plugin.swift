import Foundation
import PackagePlugin

/// Turns the service's OpenAPI document (Sources/Service/openapi.json) into a generated Swift
/// string literal, so `GET /openapi.json` serves exactly the committed file from inside the
/// binary (no resource bundle to lose when the binary is copied elsewhere).
@main
struct EmbedAPIDocument: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let document = context.package.directoryURL.appending(path: "Sources/Service/openapi.json")
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedAPIDocument.swift")
        return [
            .buildCommand(
                displayName: "Embedding the OpenAPI document",
                executable: try context.tool(named: "EmbedKernelsTool").url,
                arguments: ["--enum", "EmbeddedAPIDocument", output.path, document.path],
                inputFiles: [document],
                outputFiles: [output]
            ),
        ]
    }
}
