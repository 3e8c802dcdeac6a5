import Foundation

/// One value per job of a run, set and read under a lock from whichever thread handles the job
/// (a decoder thread, the engine thread): what a run collects beside its outcomes, in job order.
public final class LockedSlots<Element: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [Element]

    public init(count: Int, initial: Element) { items = Array(repeating: initial, count: count) }

    public subscript(i: Int) -> Element {
        get { lock.lock(); defer { lock.unlock() }; return items[i] }
        set { lock.lock(); items[i] = newValue; lock.unlock() }
    }

    /// Every slot, in job order.
    public var all: [Element] {
        lock.lock()
        defer { lock.unlock() }
        return items
    }
}
