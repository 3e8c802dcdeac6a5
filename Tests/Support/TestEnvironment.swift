import Foundation

/// Which pass of scripts/test.sh the suite runs in, for the checks that depend on it.
public enum TestEnvironment {
    /// True in the AddressSanitizer pass (scripts/test.sh sets ASAN_OPTIONS for it). Resident
    /// memory says nothing about the product there, so memory figures are asserted in the plain
    /// pass only; load tests (many requests or processes for a long time) also run there only,
    /// while the ASan pass keeps the unit, decoder, store, service and hostile-input tests.
    public static var underAddressSanitizer: Bool { ProcessInfo.processInfo.environment["ASAN_OPTIONS"] != nil }
}
