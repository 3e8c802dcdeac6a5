import ArgumentParser

@main
struct CrossHash: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crosshash",
        abstract: "Find the same picture across image collections."
    )
}
