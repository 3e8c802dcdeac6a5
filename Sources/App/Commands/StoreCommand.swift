import ArgumentParser
import Foundation
import HashStore

/// `crosshash store ...`: operations on a whole store.
struct StoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Operations on a whole hash store.",
        subcommands: [StoreCopyCommand.self]
    )
}

/// `crosshash store copy FROM TO`: every row of one store into a new, empty one, either backend.
struct StoreCopyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "copy",
        abstract: "Copy a store (every dataset, file, hash, variant, hash-list entry, review, artifact and thumbnail) into an empty store.",
        discussion: """
            FROM and TO are each an SQLite file or postgresql://USER@HOST[:PORT]/DB[?sslmode=MODE]. TO must be empty: a new \
            SQLite file (created) or a new PostgreSQL database (createdb). Values are copied as they are, so analyze on the \
            copy answers as on the original. Progress goes to stderr when it is a terminal.
            """
    )

    @Argument(help: ArgumentHelp("The store to copy.", valueName: "from"))
    var from: String

    @Argument(help: ArgumentHelp("The empty store to copy into.", valueName: "to"))
    var to: String

    @Option(name: .long, help: ArgumentHelp("The password of a postgresql:// FROM (its first line); default: PGPASSWORD.", valueName: "file"))
    var fromPasswordFile: String?

    @Option(name: .long, help: ArgumentHelp("The password of a postgresql:// TO (its first line); default: PGPASSWORD.", valueName: "file"))
    var toPasswordFile: String?

    func run() throws {
        let fromLocation = try StoreOptions.location(store: from, passwordFile: fromPasswordFile)
        if case .sqlite(let path) = fromLocation, !FileManager.default.fileExists(atPath: path) {
            throw HashListOptions.fail("there is no store at \(path) to copy")
        }
        let toLocation = try StoreOptions.location(store: to, passwordFile: toPasswordFile)
        if fromLocation == toLocation { throw HashListOptions.fail("FROM and TO are the same store") }
        let source = try StoreOptions.open(fromLocation)
        defer { try? source.close() }
        let target = try StoreOptions.open(toLocation)
        defer { try? target.close() }
        let tty = isatty(STDERR_FILENO) == 1
        let summary: StoreCopySummary
        do {
            summary = try StoreCopy.copy(from: source, to: target) { table, rows in
                if tty { HashListOptions.say("\r\(table): \(rows) rows", newline: false) }
            }
        } catch let error as StoreCopyError {
            throw HashListOptions.fail(error.message)
        } catch let error as StoreError {
            throw HashListOptions.fail("\(error) (the target may be partly written: empty it before copying again)")
        }
        if tty { HashListOptions.say("") }
        print("copied " + summary.rows.map { "\($0.count) \($0.table)" }.joined(separator: ", "))
    }
}
