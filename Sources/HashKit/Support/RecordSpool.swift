import Foundation

/// An append-only list of fixed-size records that lives in memory while small and spills to an
/// unlinked scratch file once it outgrows `memoryLimit` records, read back through `mmap`.
///
/// Why: a pair explosion (thousands of blank images in two collections) yields millions of pairs;
/// held as Swift values they would cost tens of bytes each and grow without bound. Here they cost
/// `MemoryLayout<Record>.stride` bytes of disk each and at most `memoryLimit` records of RAM (the
/// kernel's page cache holds the rest and can evict it), so memory stays bounded by the hash sets.
///
/// Usage: `append` while building (one writer at a time), then `seal()` once; afterwards `count`
/// and `subscript` read the records (any thread). The scratch file is unlinked at creation, so
/// nothing is left behind whatever happens to the process.
public final class RecordSpool<Record: BitwiseCopyable>: @unchecked Sendable {
    public enum SpoolError: Error, CustomStringConvertible {
        case scratch(String, String)
        public var description: String {
            switch self {
            case .scratch(let what, let why):
                return "cannot \(what) the scratch file for matched pairs (in \(NSTemporaryDirectory())): \(why); "
                    + "free some disk space or point TMPDIR at a larger disk"
            }
        }
    }

    /// Records kept in memory before the first spill (and the size of each later write).
    public let memoryLimit: Int
    private var buffer: [Record] = []
    private var fd: Int32 = -1
    private var spilled = 0
    private var mapped: UnsafeRawBufferPointer?
    private var sealed = false

    public init(memoryLimit: Int = 1 << 20) {
        self.memoryLimit = max(1, memoryLimit)
    }

    deinit {
        if let mapped, let base = mapped.baseAddress { munmap(UnsafeMutableRawPointer(mutating: base), mapped.count) }
        if fd >= 0 { close(fd) }
    }

    /// Records appended so far.
    public var count: Int { spilled + buffer.count }
    /// Whether the records went to disk.
    public var isOnDisk: Bool { fd >= 0 }

    public func append(_ record: Record) throws {
        precondition(!sealed, "programmer error: append after seal")
        buffer.append(record)
        if buffer.count >= memoryLimit { try spill() }
    }

    public func append<C: Collection>(contentsOf records: C) throws where C.Element == Record {
        precondition(!sealed, "programmer error: append after seal")
        buffer.append(contentsOf: records)
        if buffer.count >= memoryLimit { try spill() }
    }

    /// Ends appending; from now on the records can be read.
    public func seal() throws {
        guard !sealed else { return }
        sealed = true
        guard fd >= 0 else { return }
        try spill()
        let bytes = spilled * MemoryLayout<Record>.stride
        guard bytes > 0 else { return }
        guard let p = mmap(nil, bytes, PROT_READ, MAP_SHARED, fd, 0), p != MAP_FAILED else {
            throw SpoolError.scratch("map", String(cString: strerror(errno)))
        }
        madvise(p, bytes, MADV_SEQUENTIAL)
        mapped = UnsafeRawBufferPointer(start: p, count: bytes)
    }

    /// Record `i` of a sealed spool.
    public subscript(i: Int) -> Record {
        precondition(sealed, "programmer error: read before seal")
        if let mapped { return mapped.load(fromByteOffset: i * MemoryLayout<Record>.stride, as: Record.self) }
        return buffer[i]
    }

    private func spill() throws {
        if fd < 0 {
            var template = Array((NSTemporaryDirectory() + "/crosshash-pairs-XXXXXX").utf8CString)
            fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
            guard fd >= 0 else { throw SpoolError.scratch("create", String(cString: strerror(errno))) }
            let path = String(cString: template)
            unlink(path)
        }
        try buffer.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { throw SpoolError.scratch("write", String(cString: strerror(errno))) }
                offset += n
            }
        }
        spilled += buffer.count
        buffer.removeAll(keepingCapacity: true)
    }
}
