import CCodecs

/// The allocator's set-up for a batch command (`analyze`, `hash`, `match`): one run that
/// decodes thousands of pictures, each into a fresh buffer of megabytes.
///
/// glibc's defaults give those buffers back to the kernel as soon as they are freed (an
/// allocation above the mmap threshold is unmapped on free; a heap top above the trim threshold
/// is trimmed), so the next picture's buffer faults in zeroed pages again: on the benchmark
/// corpus `crosshash hash` took ~55,000 minor page faults. Keeping freed memory for reuse
/// halves them. The service does not call this: a long-running process should hand memory back
/// after a burst. (Setting only the trim threshold would be worse than nothing: it also freezes
/// the mmap threshold at its 128 KiB start, and the faults grew fifteenfold.)
public enum BatchMemory {
    /// Buffers up to this size come from the heap (glibc's largest mmap threshold on 64-bit).
    static let mmapThreshold: Int32 = 32 << 20
    /// Freed heap memory up to this much stays mapped for the next decode.
    static let trimThreshold: Int32 = 1 << 30

    /// Sets both thresholds; returns whether the allocator took them (false: not glibc's).
    /// Only time depends on it, never an output.
    @discardableResult
    public static func keepFreedMemory() -> Bool {
        cc_keep_freed_memory(mmapThreshold, trimThreshold) == 1
    }
}
