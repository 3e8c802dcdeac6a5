import ArgumentParser
import Foundation
import HashKit
import HashStore

/// `crosshash import NAME FILE`: a hash list (`HEX[,ID]` a line) as a dataset without pictures.
struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import a hash list (one HEX[,ID] a line, as HMA/ThreatExchange share PDQ lists) as a dataset without pictures.",
        discussion: """
            Each entry's file key is its ID, or its line number when the line has none; entries replace those with the \
            same ID. Blank lines and # comments are skipped; bad lines are reported with their number and skipped. \
            Lists carry no quality: their entries are always matched.
            """
    )

    @Argument(help: "The dataset to import into (created when missing).")
    var name: String

    @Argument(help: "The hash list, or - for standard input.")
    var file: String

    @Option(name: .long, help: "The list's hash family.")
    var family: String = HashFamily.pdq.id.rawValue

    @Option(name: .long, help: ArgumentHelp("The hash store: an SQLite file or postgresql://USER@HOST[:PORT]/DB. Default: as analyze.",
                                            valueName: "path|url"))
    var store: String?

    @Option(name: .long, help: ArgumentHelp(StoreOptions.passwordFileHelp, valueName: "file"))
    var storePasswordFile: String?

    func run() throws {
        let family = try HashListOptions.family(family)
        guard let handle = file == "-" ? FileHandle.standardInput : FileHandle(forReadingAtPath: file) else {
            throw HashListOptions.fail("cannot read the hash list \(file)")
        }
        let store = try StoreOptions.open(store: store, passwordFile: storePasswordFile)
        defer { try? store.close() }
        var lines = LineReader(handle: handle)
        let tty = isatty(STDERR_FILENO) == 1
        let summary: HashListImportSummary
        do {
            summary = try store.importHashList(named: name, family: family, lines: &lines, problem: { number, why in
                HashListOptions.say("\(file):\(number): skipped: \(why)")
            }, progress: { number in
                if tty { HashListOptions.say("\r\(number) lines read", newline: false) }
            })
        } catch let error as HashListError {
            throw HashListOptions.fail(error.message)
        } catch let error as StoreError {
            throw HashListOptions.fail("\(error)")
        }
        if tty { HashListOptions.say("") }
        print("imported \(summary.imported) \(family.id) hashes into \(name) (\(summary.replaced) replaced an entry with the same ID), "
              + "\(summary.skipped) bad lines skipped, \(summary.ignored) blank or comment lines")
    }
}

/// `crosshash export NAME --family pdq`: a dataset's hashes as a hash list.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a dataset's hashes of one family as a hash list (HEX,ID a line, the ID being the file key), in key byte order."
    )

    @Argument(help: "The dataset to export.")
    var name: String

    @Option(name: .long, help: "The hash family to write.")
    var family: String

    @Option(name: .long, help: ArgumentHelp("The hash store: an SQLite file or postgresql://USER@HOST[:PORT]/DB. Default: as analyze.",
                                            valueName: "path|url"))
    var store: String?

    @Option(name: .long, help: ArgumentHelp(StoreOptions.passwordFileHelp, valueName: "file"))
    var storePasswordFile: String?

    @Option(name: [.customShort("o"), .long], help: "Write here instead of standard output (replaced when the export is complete).")
    var output: String?

    func run() throws {
        let family = try HashListOptions.family(family)
        let store = try StoreOptions.open(store: store, passwordFile: storePasswordFile)
        defer { try? store.close() }
        do {
            if let output {
                // Written beside the target and renamed, so a failed export leaves no half list.
                let partial = output + ".partial"
                guard FileManager.default.createFile(atPath: partial, contents: nil),
                      let handle = FileHandle(forWritingAtPath: partial) else {
                    throw HashListOptions.fail("cannot write \(partial)")
                }
                do {
                    try store.exportHashList(named: name, family: family) { try handle.write(contentsOf: $0) }
                    try handle.close()
                    guard rename(partial, output) == 0 else { throw HashListError("cannot rename \(partial) to \(output): \(String(cString: strerror(errno)))") }
                } catch {
                    try? FileManager.default.removeItem(atPath: partial)
                    throw error
                }
            } else {
                try store.exportHashList(named: name, family: family) { try FileHandle.standardOutput.write(contentsOf: $0) }
            }
        } catch let error as HashListError {
            throw HashListOptions.fail(error.message)
        } catch let error as StoreError {
            throw HashListOptions.fail("\(error)")
        }
    }
}

/// What the two commands share.
enum HashListOptions {
    static func family(_ name: String) throws -> HashFamily {
        guard let family = HashFamily.named(name) else {
            throw ValidationError("unknown hash family '\(name)': use one of \(HashFamily.known.map(\.id.rawValue).joined(separator: ", "))")
        }
        return family
    }

    static func say(_ line: String, newline: Bool = true) {
        FileHandle.standardError.write(Data((line + (newline ? "\n" : "")).utf8))
    }

    /// Says `message` on stderr; the command exits with status 1.
    static func fail(_ message: String) -> ExitCode {
        say("crosshash: \(message)")
        return ExitCode(1)
    }
}
