import Foundation

/// A small, fast, seeded pseudo-random generator (SplitMix64, Steele, Lea & Flood 2014).
///
/// The demo never uses `SystemRandomNumberGenerator`: the same seed always yields the same sequence, on every
/// platform and Swift version, because the helpers below do their own arithmetic instead of relying on the
/// standard library's `random(in:using:)` algorithms.
struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    /// A generator for one named stream derived from `seed` (for example one per work unit), independent of the
    /// order in which streams are created.
    init(seed: UInt64, stream: String) {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a over the stream name
        for byte in stream.utf8 {
            h ^= UInt64(byte)
            h = h &* 0x0000_0100_0000_01b3
        }
        var mixer = SplitMix64(seed: seed ^ h)
        state = mixer.next()
    }

    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)` with 53 random bits.
    mutating func unit() -> Double { Double(next() >> 11) * 0x1p-53 }

    /// Uniform in `[lower, upper)`.
    mutating func uniform(_ lower: Double, _ upper: Double) -> Double { lower + (upper - lower) * unit() }

    /// Uniform integer in `range` (Lemire's multiply-shift; the tiny bias is irrelevant here).
    mutating func int(_ range: ClosedRange<Int>) -> Int {
        let width = UInt64(range.upperBound - range.lowerBound) + 1
        return range.lowerBound + Int(next().multipliedFullWidth(by: width).high)
    }

    /// Uniform integer milliseconds in `[lowerMinutes, upperMinutes]` minutes, whole seconds.
    mutating func minutes(_ lowerMinutes: Double, _ upperMinutes: Double) -> Int64 {
        Int64(uniform(lowerMinutes * 60, upperMinutes * 60).rounded()) * 1000
    }

    /// True with probability `p`.
    mutating func chance(_ p: Double) -> Bool { unit() < p }

    /// Standard normal deviate (Box–Muller).
    mutating func normal() -> Double {
        let u1 = max(unit(), 0x1p-53)
        let u2 = unit()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }

    /// Exponentially distributed with the given mean.
    mutating func exponential(mean: Double) -> Double { -mean * log(max(1 - unit(), 0x1p-53)) }

    /// Log-uniform in `[lower, upper]`: short values are common, long ones rare.
    mutating func logUniform(_ lower: Double, _ upper: Double) -> Double { lower * pow(upper / lower, unit()) }

    /// One element of a non-empty array.
    mutating func pick<T>(_ items: [T]) -> T { items[int(0...(items.count - 1))] }

    /// Number of successes in `n` trials of probability `p` (exact for small `n`, normal approximation above).
    mutating func binomial(_ n: Int, _ p: Double) -> Int {
        guard n > 0, p > 0 else { return 0 }
        if n <= 200 {
            var k = 0
            for _ in 0..<n where unit() < p { k += 1 }
            return k
        }
        let mean = Double(n) * p
        let sd = (mean * (1 - p)).squareRoot()
        return min(n, max(0, Int((mean + sd * normal()).rounded())))
    }
}
